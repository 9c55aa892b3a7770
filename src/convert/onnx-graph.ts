/**
 * An ONNX graph under construction, with every value's static shape known and checked, so that
 * a layer given a weight of the wrong shape fails where it is built, naming the weight. Encoded
 * with onnx-proto (protobufjs message classes for ONNX's own .proto).
 *
 * Weights keep the precision they were trained in: an fp16 weight is stored as an fp16
 * initializer followed by a Cast to float (half the file, the same values), unless the
 * graph is built all-fp32.
 */
import onnxProto from 'onnx-proto';
import { DemucsError } from '../core/errors.ts';
import { exactHalves, halvesToFloats } from './half.ts';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;

export type Shape = readonly number[];

/** A value of the graph: its name and static shape (float32 unless made by `ints`). */
export interface Value {
  readonly name: string;
  readonly shape: Shape;
}

/** Weight bytes as stored: fp16 bits, or float32 values. */
export type WeightData = { readonly fp16: Uint16Array } | { readonly fp32: Float32Array };

type Attribute = number | readonly number[] | string;

const size = (shape: Shape) => shape.reduce((a, b) => a * b, 1);
/** Whether two shapes are equal. */
export const same = (a: Shape, b: Shape) => a.length === b.length && a.every((d, i) => d === b[i]);
/** A shape as a message shows it. */
export const show = (shape: Shape) => `[${shape.join(', ')}]`;

/** The shape two operands broadcast to (numpy rules), or null. */
function broadcast(a: Shape, b: Shape): Shape | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(Math.max(x, y));
  }
  return out;
}

export class OnnxGraph {
  readonly #nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  readonly #initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  readonly #inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  readonly #outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  readonly #fp16: boolean;
  #count = 0;
  /** Bytes of the initializers, for reporting. */
  weightBytes = 0;

  constructor(options: { readonly fp16Weights: boolean }) {
    this.#fp16 = options.fp16Weights;
  }

  #name(hint: string): string {
    return `${hint}_${this.#count++}`;
  }

  /** Fails naming what was being built. */
  static fail(where: string, message: string): never {
    throw new DemucsError('CHECKPOINT', `${where}: ${message}`);
  }

  /**
   * A graph input of `shape`; axes named in `symbolic` are declared by that name (any size at
   * run time), their `shape` entry standing for the size the graph's checks are made with.
   */
  input(name: string, shape: Shape, symbolic: Readonly<Record<number, string>> = {}): Value {
    this.#inputs.push(valueInfo(name, shape, symbolic));
    return { name, shape };
  }

  output(value: Value, name: string, symbolic: Readonly<Record<number, string>> = {}): void {
    this.#nodes.push(onnx.NodeProto.create({ opType: 'Identity', input: [value.name], output: [name] }));
    this.#outputs.push(valueInfo(name, value.shape, symbolic));
  }

  /** A weight of the state dict (named by its key), fp16 (with a Cast) or fp32 as stored. */
  weight(key: string, data: WeightData, shape: Shape): Value {
    if ('fp32' in data && this.#fp16) {
      const halves = exactHalves(data.fp32);
      if (halves) return this.weight(key, { fp16: halves }, shape);
    }
    if ('fp16' in data && this.#fp16) {
      const stored = this.#name(`${key}.fp16`);
      const bytes = new Uint8Array(data.fp16.buffer, data.fp16.byteOffset, data.fp16.byteLength);
      this.#initializers.push(onnx.TensorProto.create({ name: stored, dataType: T.FLOAT16, dims: [...shape], rawData: bytes }));
      this.weightBytes += bytes.length;
      return this.op('Cast', [{ name: stored, shape }], shape, { to: T.FLOAT }, key);
    }
    const values = 'fp32' in data ? data.fp32 : halvesToFloats(data.fp16);
    return this.constant(values, shape, key);
  }

  /** A float32 constant. */
  constant(values: Float32Array, shape: Shape, hint = 'const'): Value {
    if (values.length !== size(shape)) OnnxGraph.fail(hint, `${values.length} values for shape ${show(shape)}`);
    const name = this.#name(hint);
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    this.#initializers.push(onnx.TensorProto.create({ name, dataType: T.FLOAT, dims: [...shape], rawData: bytes.slice() }));
    this.weightBytes += bytes.length;
    return { name, shape };
  }

  scalar(value: number): Value {
    return this.constant(new Float32Array([value]), [], 'scalar');
  }

  /** An int64 constant (shapes, axes, slice bounds); its `shape` is its own. */
  ints(values: readonly number[]): Value {
    const name = this.#name('ints');
    this.#initializers.push(onnx.TensorProto.create({ name, dataType: T.INT64, dims: [values.length], int64Data: [...values] }));
    return { name, shape: [values.length] };
  }

  /** A node with one output of the given shape. */
  op(type: string, inputs: readonly (Value | null)[], shape: Shape, attributes: Record<string, Attribute> = {}, hint?: string): Value {
    const name = this.#name(hint ?? type);
    const attribute = Object.entries(attributes).map(([key, v]) =>
      typeof v === 'number'
        ? Number.isInteger(v) && key !== 'epsilon' && key !== 'alpha'
          ? onnx.AttributeProto.create({ name: key, type: onnx.AttributeProto.AttributeType.INT, i: v })
          : onnx.AttributeProto.create({ name: key, type: onnx.AttributeProto.AttributeType.FLOAT, f: v })
        : typeof v === 'string'
          ? onnx.AttributeProto.create({ name: key, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) })
          : onnx.AttributeProto.create({ name: key, type: onnx.AttributeProto.AttributeType.INTS, ints: [...v] }),
    );
    this.#nodes.push(onnx.NodeProto.create({ opType: type, input: inputs.map((v) => v?.name ?? ''), output: [name], attribute }));
    return { name, shape };
  }

  // ---- elementwise -------------------------------------------------------------------------

  #binary(type: string, a: Value, b: Value): Value {
    const shape = broadcast(a.shape, b.shape);
    if (!shape) OnnxGraph.fail(type, `${show(a.shape)} and ${show(b.shape)} do not broadcast`);
    return this.op(type, [a, b], shape);
  }
  add(a: Value, b: Value): Value {
    return this.#binary('Add', a, b);
  }
  sub(a: Value, b: Value): Value {
    return this.#binary('Sub', a, b);
  }
  mul(a: Value, b: Value): Value {
    return this.#binary('Mul', a, b);
  }
  div(a: Value, b: Value): Value {
    return this.#binary('Div', a, b);
  }
  unary(type: 'Sigmoid' | 'Erf' | 'Sqrt' | 'Relu' | 'Sin' | 'Cos' | 'Exp' | 'Neg', x: Value): Value {
    return this.op(type, [x], x.shape);
  }

  /** GELU, exact (erf), as torch's default: 0.5 · x · (1 + erf(x / √2)). */
  gelu(x: Value): Value {
    const erf = this.unary('Erf', this.div(x, this.scalar(Math.SQRT2)));
    return this.mul(this.mul(x, this.add(erf, this.scalar(1))), this.scalar(0.5));
  }

  /** GLU along `axis`: first half × sigmoid(second half). */
  glu(x: Value, axis: number): Value {
    const half = x.shape[axis]! / 2;
    if (!Number.isInteger(half)) OnnxGraph.fail('GLU', `an odd size ${x.shape[axis]} along axis ${axis}`);
    const [a, b] = this.split(x, axis, [half, half]);
    return this.mul(a!, this.unary('Sigmoid', b!));
  }

  // ---- shapes --------------------------------------------------------------------------------

  /**
   * Reshape; one entry of `shape` may be -1, the rest of the elements (as ONNX's Reshape), so
   * that an axis whose size is only known at run time (the window's) is never written down.
   */
  reshape(x: Value, shape: Shape): Value {
    const known = shape.filter((d) => d !== -1);
    const resolved = shape.map((d) => (d === -1 ? size(x.shape) / size(known) : d));
    if (shape.length - known.length > 1 || resolved.some((d) => !Number.isInteger(d)) || size(resolved) !== size(x.shape)) {
      OnnxGraph.fail('Reshape', `${show(x.shape)} cannot become ${show(shape)}`);
    }
    if (same(resolved, x.shape)) return x;
    return this.op('Reshape', [x, this.ints(shape)], resolved);
  }

  /** Reshape to the run-time shape of `like` (which has as many elements). */
  reshapeLike(x: Value, like: Value): Value {
    if (size(like.shape) !== size(x.shape)) OnnxGraph.fail('Reshape', `${show(x.shape)} cannot become ${show(like.shape)}`);
    if (same(like.shape, x.shape)) return x;
    return this.op('Reshape', [x, this.op('Shape', [like], [like.shape.length])], like.shape);
  }

  // ---- sizes known at run time (int64 [1] values) ------------------------------------------

  /** The run-time size of x along `axis`, as an int64 [1]. */
  size(x: Value, axis: number): Value {
    const a = axis < 0 ? x.shape.length + axis : axis;
    return this.op('Shape', [x], [1], { start: a, end: a + 1 });
  }

  /** Integer arithmetic on run-time sizes (int64 [1] values and `ints`). */
  sizeOp(type: 'Add' | 'Sub' | 'Mod', a: Value, b: Value): Value {
    return this.op(type, [a, b], [1]);
  }

  /** The run-time count of elements of x along `axes`, as a float32 scalar. */
  countOf(x: Value, axes: readonly number[]): Value {
    const sizes = this.concat(axes.map((a) => this.size(x, a)), 0);
    return this.op('Cast', [this.op('ReduceProd', [sizes], [], { keepdims: 0 })], [], { to: T.FLOAT });
  }

  /** 0, 1, … count − 1 as float32 [count, 1], `count` an int64 [1] (`nominal` for the checks). */
  positions(count: Value, nominal: number): Value {
    const limit = this.op('Cast', [this.op('Squeeze', [count, this.ints([0])], [])], [], { to: T.FLOAT });
    const range = this.op('Range', [this.scalar(0), limit, this.scalar(1)], [nominal]);
    return this.reshape(range, [-1, 1]);
  }

  /** Elements [start, end) along `axis`, `end` an int64 [1] known at run time (`nominal` for the checks). */
  sliceTo(x: Value, axis: number, start: number, end: Value, nominal: number): Value {
    const shape = [...x.shape];
    shape[axis] = nominal - start;
    if (start < 0 || nominal > x.shape[axis]! || nominal <= start) OnnxGraph.fail('Slice', `[${start}, ${nominal}) of ${x.shape[axis]} along axis ${axis}`);
    return this.op('Slice', [x, this.ints([start]), end, this.ints([axis])], shape);
  }

  /** Zeros after the last axis up to a multiple of `multiple`, however long it is at run time. */
  padToMultiple(x: Value, multiple: number): Value {
    const last = x.shape.length - 1;
    const length = x.shape[last]!;
    const shape = [...x.shape];
    shape[last] = Math.ceil(length / multiple) * multiple;
    const m = this.ints([multiple]);
    // (multiple − length mod multiple) mod multiple: no padding when it divides.
    const amount = this.sizeOp('Mod', this.sizeOp('Sub', m, this.sizeOp('Mod', this.size(x, last), m)), m);
    const pads = this.concat([this.ints(new Array(2 * x.shape.length - 1).fill(0)), amount], 0);
    return this.op('Pad', [x, pads], shape, { mode: 'constant' });
  }

  transpose(x: Value, perm: readonly number[]): Value {
    return this.op('Transpose', [x], perm.map((p) => x.shape[p]!), { perm });
  }

  /** Elements [start, end) along `axis`. */
  slice(x: Value, axis: number, start: number, end: number): Value {
    const shape = [...x.shape];
    shape[axis] = end - start;
    if (start < 0 || end > x.shape[axis]! || end <= start) OnnxGraph.fail('Slice', `[${start}, ${end}) of ${x.shape[axis]} along axis ${axis}`);
    if (start === 0 && end === x.shape[axis]) return x;
    return this.op('Slice', [x, this.ints([start]), this.ints([end]), this.ints([axis])], shape);
  }

  split(x: Value, axis: number, sizes: readonly number[]): Value[] {
    const outputs = sizes.map((n) => {
      const shape = [...x.shape];
      shape[axis] = n;
      return { name: this.#name('Split'), shape };
    });
    this.#nodes.push(onnx.NodeProto.create({
      opType: 'Split',
      input: [x.name, this.ints(sizes).name],
      output: outputs.map((o) => o.name),
      attribute: [onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: axis })],
    }));
    return outputs;
  }

  concat(values: readonly Value[], axis: number): Value {
    const shape = [...values[0]!.shape];
    shape[axis] = values.reduce((n, v) => n + v.shape[axis]!, 0);
    return this.op('Concat', values, shape, { axis });
  }

  /** Expand (numpy broadcasting both ways: an axis of 1 in `shape` keeps x's). */
  expand(x: Value, shape: Shape): Value {
    const out = broadcast(x.shape, shape);
    if (!out) OnnxGraph.fail('Expand', `${show(x.shape)} does not broadcast to ${show(shape)}`);
    return this.op('Expand', [x, this.ints(shape)], out);
  }

  /** Expand to the run-time shape of `like`. */
  expandLike(x: Value, like: Value): Value {
    const out = broadcast(x.shape, like.shape);
    if (!out || !same(out, like.shape)) OnnxGraph.fail('Expand', `${show(x.shape)} does not broadcast to ${show(like.shape)}`);
    return this.op('Expand', [x, this.op('Shape', [like], [like.shape.length])], out);
  }

  // ---- reductions and normalisations -------------------------------------------------------

  reduceMean(x: Value, axes: readonly number[]): Value {
    const shape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return this.op('ReduceMean', [x], shape, { axes, keepdims: 1 }, 'ReduceMean');
  }

  /** LayerNormalization over the last axis (torch.nn.LayerNorm(dim)). */
  layerNorm(x: Value, weight: Value, bias: Value, epsilon: number): Value {
    const last = x.shape[x.shape.length - 1]!;
    if (!same(weight.shape, [last]) || !same(bias.shape, [last])) OnnxGraph.fail(weight.name, `${show(weight.shape)} for a layer norm over ${last}`);
    return this.op('LayerNormalization', [x, weight, bias], x.shape, { axis: -1, epsilon });
  }

  readonly #filledCache = new Map<string, Value>();

  /** A shared constant vector of `count` copies of `value`. */
  filled(value: number, count: number): Value {
    const key = `${value}x${count}`;
    let v = this.#filledCache.get(key);
    if (!v) this.#filledCache.set(key, (v = this.constant(new Float32Array(count).fill(value), [count], value ? 'ones' : 'zeros')));
    return v;
  }

  // ---- linear algebra ------------------------------------------------------------------------

  matmul(a: Value, b: Value): Value {
    const [m, k] = a.shape.slice(-2) as [number, number];
    const [k2, n] = b.shape.slice(-2) as [number, number];
    if (k !== k2) OnnxGraph.fail('MatMul', `${show(a.shape)} × ${show(b.shape)}`);
    const batch = broadcast(a.shape.slice(0, -2), b.shape.slice(0, -2));
    if (!batch) OnnxGraph.fail('MatMul', `batch dims of ${show(a.shape)} and ${show(b.shape)}`);
    return this.op('MatMul', [a, b], [...batch, m, n]);
  }

  /** torch.nn.Linear on the last axis: x · Wᵀ + b (W [out, in]). */
  linear(x: Value, weight: Value, bias: Value | null): Value {
    const [out, inp] = weight.shape as [number, number];
    if (x.shape[x.shape.length - 1] !== inp) OnnxGraph.fail(weight.name, `${show(weight.shape)} on an input of ${show(x.shape)}`);
    const y = this.matmul(x, this.transpose(weight, [1, 0]));
    if (!bias) return y;
    if (!same(bias.shape, [out])) OnnxGraph.fail(bias.name, `${show(bias.shape)} for ${out} outputs`);
    return this.add(y, bias);
  }

  /** Conv (1-D or 2-D by the weight's rank), torch semantics (symmetric pads, dilations). */
  conv(x: Value, weight: Value, bias: Value | null, o: { strides: number[]; pads: number[]; dilations?: number[] }): Value {
    const [cout, cin, ...kernel] = weight.shape as number[];
    if (x.shape[1] !== cin) OnnxGraph.fail(weight.name, `${show(weight.shape)} on ${x.shape[1]} input channels`);
    if (bias && !same(bias.shape, [cout!])) OnnxGraph.fail(bias.name, `${show(bias.shape)} for ${cout} output channels`);
    const dilations = o.dilations ?? kernel.map(() => 1);
    const spatial = kernel.map((k, i) => Math.floor((x.shape[2 + i]! + 2 * o.pads[i]! - dilations[i]! * (k - 1) - 1) / o.strides[i]!) + 1);
    if (spatial.some((d) => d < 1)) OnnxGraph.fail(weight.name, `an input of ${show(x.shape)} is too short for this kernel`);
    return this.op('Conv', bias ? [x, weight, bias] : [x, weight], [x.shape[0]!, cout!, ...spatial], {
      kernel_shape: kernel,
      strides: o.strides,
      pads: [...o.pads, ...o.pads],
      dilations,
    });
  }

  /** ConvTranspose with no padding (torch's nn.ConvTranspose{1,2}d(chin, chout, kernel, stride)). */
  convTranspose(x: Value, weight: Value, bias: Value | null, strides: number[]): Value {
    const [cin, cout, ...kernel] = weight.shape as number[];
    if (x.shape[1] !== cin) OnnxGraph.fail(weight.name, `${show(weight.shape)} on ${x.shape[1]} input channels`);
    if (bias && !same(bias.shape, [cout!])) OnnxGraph.fail(bias.name, `${show(bias.shape)} for ${cout} output channels`);
    const spatial = kernel.map((k, i) => (x.shape[2 + i]! - 1) * strides[i]! + k);
    return this.op('ConvTranspose', bias ? [x, weight, bias] : [x, weight], [x.shape[0]!, cout!, ...spatial], { kernel_shape: kernel, strides });
  }

  softmax(x: Value, axis: number): Value {
    return this.op('Softmax', [x], x.shape, { axis });
  }

  /** The encoded model. */
  encode(inputs: { readonly producer: string; readonly docString?: string }): Uint8Array {
    const graph = onnx.GraphProto.create({
      name: 'htdemucs',
      node: this.#nodes,
      initializer: this.#initializers,
      input: this.#inputs,
      output: this.#outputs,
    });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: inputs.producer,
      docString: inputs.docString ?? '',
      opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 17 })],
      graph,
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, shape: Shape, symbolic: Readonly<Record<number, string>> = {}) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: T.FLOAT,
        shape: onnx.TensorShapeProto.create({ dim: shape.map((d, i) => (symbolic[i] !== undefined ? { dimParam: symbolic[i] } : { dimValue: d })) }),
      }),
    }),
  });
}
