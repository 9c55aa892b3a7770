/**
 * The pieces of an int8 rewrite: constants as found in a graph, fresh names, and the chain that
 * computes x · W in int8 (DynamicQuantizeLinear, MatMulInteger, the scales back to float), which
 * ONNX Runtime fuses into one kernel (DynamicQuantizeMatMul) natively and in WASM.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;
type Tensor = onnxProto.onnx.ITensorProto;
type Node = onnxProto.onnx.INodeProto;

export interface Matrix {
  readonly values: Float32Array;
  readonly rows: number;
  readonly columns: number;
}

export interface Constant {
  readonly values: Float32Array;
  readonly dims: readonly number[];
}

/** A numeric attribute (int or float), or its default. */
export function attribute(node: Node, name: string, fallback: number): number {
  const a = node.attribute?.find((x) => x.name === name);
  return a ? (a.type === A.FLOAT ? a.f ?? fallback : Number(a.i ?? fallback)) : fallback;
}

export function transposed(m: Matrix): Matrix {
  const values = new Float32Array(m.values.length);
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.columns; c++) values[c * m.rows + r] = m.values[r * m.columns + c]!;
  return { values, rows: m.columns, columns: m.rows };
}

/** An activation quantized at run time: its uint8 values, scale and zero point (value names). */
interface Activation {
  readonly q: string;
  readonly scale: string;
  readonly zero: string;
}

/**
 * Writes x · weight (+ bias) in int8: one DynamicQuantizeLinear per activation (shared by the
 * products that read it), the weight's int8 columns, MatMulInteger, and the scales back to float.
 */
export class ProductEmitter {
  readonly tensors: Tensor[] = [];
  quantized = 0;
  weights = 0;
  readonly #names: Names;
  readonly #activations = new Map<string, Activation>();

  constructor(names: Names) {
    this.#names = names;
  }

  product(input: string, weight: Matrix, bias: string | null, out: string): Node[] {
    const nodes: Node[] = [];
    const activation = this.#quantized(input, nodes);
    const w = quantizeColumns(weight);
    const [q, zero, scale, i32, f32, scales] = ['w', 'w_zero', 'w_scale', 'i32', 'f32', 'scales'].map((s) => this.#names.fresh(`${out}_int8_${s}`)) as [string, string, string, string, string, string];
    this.tensors.push(
      tensor(q, T.INT8, [weight.rows, weight.columns], new Uint8Array(w.q.buffer)),
      tensor(zero, T.INT8, [weight.columns], new Uint8Array(weight.columns)),
      tensor(scale, T.FLOAT, [weight.columns], new Uint8Array(w.scales.buffer)),
    );
    const product = bias ? this.#names.fresh(`${out}_int8_product`) : out;
    nodes.push(
      op('MatMulInteger', [activation.q, q, activation.zero, zero], [i32]),
      op('Cast', [i32], [f32], [{ name: 'to', type: A.INT, i: T.FLOAT }]),
      op('Mul', [activation.scale, scale], [scales]),
      op('Mul', [f32, scales], [product]),
    );
    if (bias) nodes.push(op('Add', [product, bias], [out]));
    this.quantized++;
    this.weights += weight.values.length;
    return nodes;
  }

  /** a · b of two activations, each quantized per tensor at run time. */
  activations(a: string, b: string, out: string): Node[] {
    const nodes: Node[] = [];
    const [qa, qb] = [this.#quantized(a, nodes), this.#quantized(b, nodes)];
    const [i32, f32, scales] = ['i32', 'f32', 'scales'].map((s) => this.#names.fresh(`${out}_int8_${s}`)) as [string, string, string];
    nodes.push(
      op('MatMulInteger', [qa.q, qb.q, qa.zero, qb.zero], [i32]),
      op('Cast', [i32], [f32], [{ name: 'to', type: A.INT, i: T.FLOAT }]),
      op('Mul', [qa.scale, qb.scale], [scales]),
      op('Mul', [f32, scales], [out]),
    );
    this.quantized++;
    return nodes;
  }

  /** The activation's uint8 form, its scale and zero point: made once (pushed onto `nodes`), then shared. */
  #quantized(input: string, nodes: Node[]): Activation {
    let activation = this.#activations.get(input);
    if (!activation) {
      activation = { q: this.#names.fresh(`${input}_u8`), scale: this.#names.fresh(`${input}_scale`), zero: this.#names.fresh(`${input}_zero`) };
      this.#activations.set(input, activation);
      nodes.push(op('DynamicQuantizeLinear', [input], [activation.q, activation.scale, activation.zero]));
    }
    return activation;
  }
}

/** Symmetric int8 per column: q = round(w / scale), scale = max |w| / 127 (1 for a zero column). */
export function quantizeColumns(m: Matrix): { q: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(m.columns);
  for (let i = 0; i < m.values.length; i++) {
    const c = i % m.columns;
    scales[c] = Math.max(scales[c]!, Math.abs(m.values[i]!));
  }
  for (let c = 0; c < m.columns; c++) scales[c] = scales[c]! > 0 ? scales[c]! / 127 : 1;
  const q = new Int8Array(m.values.length);
  for (let i = 0; i < q.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(m.values[i]! / scales[i % m.columns]!)));
  return { q, scales };
}

function tensor(name: string, dataType: number, dims: number[], rawData: Uint8Array): Tensor {
  return onnx.TensorProto.create({ name, dataType, dims, rawData });
}

function op(opType: string, input: string[], output: string[], attribute: onnxProto.onnx.IAttributeProto[] = []): Node {
  return onnx.NodeProto.create({ opType, name: `${output[0]}_node`, input, output, attribute: attribute.map((a) => onnx.AttributeProto.create(a)) });
}

/** Names not yet used in the graph. */
export class Names {
  readonly #taken: Set<string>;
  constructor(taken: Iterable<string>) {
    this.#taken = new Set(taken);
  }
  fresh(hint: string): string {
    let name = hint;
    while (this.#taken.has(name)) name += '_';
    this.#taken.add(name);
    return name;
  }
}
