/**
 * Any ONNX model's matrix products with a constant weight (MatMul, Gemm) in int8: the weight
 * quantized per output column, symmetric (zero point 0, scale = the column's largest |w| / 127),
 * the activation quantized per tensor at run time (DynamicQuantizeLinear), the product in
 * integers (MatMulInteger) and scaled back to float. ONNX Runtime fuses that chain into one
 * kernel (DynamicQuantizeMatMul) natively and in WASM. Attention's scores (q·kᵀ) are quantized
 * the same way on both sides. Convolutions and everything else stay as they were: the weights
 * of the products are three quarters of htdemucs' bytes, and int8 convolutions with activations
 * quantized per tensor cost too much (measured in the README).
 */
import onnxProto from 'onnx-proto';
import { decodeModel, floatValues } from './model-proto.ts';
import { attribute, Names, ProductEmitter, transposed, type Constant, type Matrix } from './int8-emit.ts';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;
type Tensor = onnxProto.onnx.ITensorProto;
type Node = onnxProto.onnx.INodeProto;

/** Products with fewer weights are not worth quantizing (their activation pass costs more). */
const MIN_WEIGHTS = 4096;

export interface Int8Report {
  readonly onnx: Uint8Array;
  /** Products now in int8, and the weights they hold. */
  readonly quantized: number;
  readonly weights: number;
}

export function int8Products(model: Uint8Array, label = 'the model'): Int8Report {
  const { decoded, graph } = decodeModel(model, label);
  const nodes: Node[] = graph.node ?? [];
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const producers = new Map(nodes.flatMap((n) => (n.output ?? []).map((o) => [o, n] as const)));
  const names = new Names([...initializers.keys(), ...producers.keys(), ...(graph.input ?? []).map((i) => i.name ?? '')]);
  const emit = new ProductEmitter(names);
  const constant = (name: string): Constant | null => constantTensor(name, initializers, producers);
  const scores = attentionScores(nodes, (name) => isConstant(name, initializers, producers));
  const rewritten = nodes.flatMap((node): Node[] => {
    const plan = productPlan(node, constant);
    if (plan && plan.weight.values.length >= MIN_WEIGHTS) return emit.product(node.input![0]!, plan.weight, plan.bias, node.output![0]!);
    if (node.opType === 'MatMul' && node.input?.length === 2 && scores.has(node)) return emit.activations(node.input[0]!, node.input[1]!, node.output![0]!);
    return [node];
  });
  graph.node = withoutDeadNodes(rewritten, graph.output?.map((o) => o.name ?? '') ?? []);
  const used = new Set(graph.node.flatMap((n) => n.input ?? []));
  graph.initializer = [...initializers.values(), ...emit.tensors].filter((t) => used.has(t.name ?? ''));
  graph.input = (graph.input ?? []).filter((i) => used.has(i.name ?? '') || !initializers.has(i.name ?? ''));
  return { onnx: onnx.ModelProto.encode(decoded).finish(), quantized: emit.quantized, weights: emit.weights };
}

/** What a MatMul or Gemm with a constant 2-D weight computes: x · weight (+ bias); null otherwise. */
function productPlan(node: Node, constant: (name: string) => Constant | null): { weight: Matrix; bias: string | null } | null {
  const inputs = node.input ?? [];
  const matrix = (name: string): Matrix | null => {
    const c = constant(name);
    return c && c.dims.length === 2 ? { values: c.values, rows: c.dims[0]!, columns: c.dims[1]! } : null;
  };
  if (node.opType === 'MatMul' && inputs.length === 2) {
    const weight = matrix(inputs[1]!);
    return weight ? { weight, bias: null } : null;
  }
  if (node.opType !== 'Gemm') return null;
  if (attribute(node, 'alpha', 1) !== 1 || attribute(node, 'transA', 0) !== 0 || (inputs[2] && attribute(node, 'beta', 1) !== 1)) return null;
  const b = matrix(inputs[1]!);
  if (!b) return null;
  return { weight: attribute(node, 'transB', 0) ? transposed(b) : b, bias: inputs[2] || null };
}

/** Elementwise steps allowed between attention scores and their Softmax (scaling, a mask). */
const SCALING = new Set(['Mul', 'Div', 'Add']);

/**
 * The products of two activations whose result reaches a Softmax through at most two scaling
 * steps: attention's q·kᵀ. Their inputs are spread evenly enough for one int8 scale per tensor
 * (measured: ≤ 0.8 dB off the stems' SDR); the product after the Softmax (probabilities · v) is
 * not, most probabilities being far below 1/255 of the largest, and stays float.
 */
function attentionScores(nodes: Node[], constant: (name: string) => boolean): Set<Node> {
  const readers = new Map<string, Node[]>();
  for (const n of nodes) {
    for (const i of n.input ?? []) {
      const list = readers.get(i);
      if (list) list.push(n);
      else readers.set(i, [n]);
    }
  }
  const reachesSoftmax = (output: string, steps: number): boolean =>
    (readers.get(output) ?? []).some((r) => r.opType === 'Softmax' || (steps > 0 && SCALING.has(r.opType ?? '') && reachesSoftmax(r.output![0]!, steps - 1)));
  return new Set(nodes.filter((n) => n.opType === 'MatMul' && !(n.input ?? []).some(constant) && reachesSoftmax(n.output![0]!, 2)));
}

/** Whether a value is a constant as constantTensor finds one, without reading its values. */
function isConstant(name: string, initializers: Map<string, Tensor>, producers: Map<string, Node>): boolean {
  if (initializers.has(name)) return true;
  const node = producers.get(name);
  if (!node) return false;
  if (node.opType === 'Constant') return true;
  return (node.opType === 'Cast' || node.opType === 'Transpose') && isConstant(node.input?.[0] ?? '', initializers, producers);
}

/** A float constant: an initializer (fp32 or fp16), a Constant, through Casts and 2-D Transposes. */
function constantTensor(name: string, initializers: Map<string, Tensor>, producers: Map<string, Node>): Constant | null {
  const of = (t: Tensor): Constant | null => {
    const dims = (t.dims ?? []).map(Number);
    const values = floatValues(t, true);
    return values && values.length === dims.reduce((a, b) => a * b, 1) ? { values, dims } : null;
  };
  const initializer = initializers.get(name);
  if (initializer) return of(initializer);
  const node = producers.get(name);
  if (!node) return null;
  const inner = () => constantTensor(node.input?.[0] ?? '', initializers, producers);
  if (node.opType === 'Constant') {
    const value = node.attribute?.find((a) => a.name === 'value')?.t;
    return value ? of(value) : null;
  }
  if (node.opType === 'Cast' && attribute(node, 'to', 0) === T.FLOAT) return inner();
  if (node.opType === 'Transpose') {
    const perm = node.attribute?.find((a) => a.name === 'perm')?.ints?.map(Number) ?? [1, 0];
    const c = perm.length === 2 && perm[0] === 1 ? inner() : null;
    if (!c || c.dims.length !== 2) return null;
    const m = transposed({ values: c.values, rows: c.dims[0]!, columns: c.dims[1]! });
    return { values: m.values, dims: [m.rows, m.columns] };
  }
  return null;
}

/** Nodes in order, less those whose outputs nothing reads (the weights' old Casts and Transposes). */
function withoutDeadNodes(nodes: Node[], outputs: string[]): Node[] {
  let kept = nodes;
  for (;;) {
    const read = new Set([...outputs, ...kept.flatMap((n) => n.input ?? [])]);
    const next = kept.filter((n) => (n.output ?? []).some((o) => read.has(o)));
    if (next.length === kept.length) return kept;
    kept = next;
  }
}
