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
const same = (a: Shape, b: Shape) => a.length === b.length && a.every((d, i) => d === b[i]);
const show = (shape: Shape) => `[${shape.join(', ')}]`;

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

  input(name: string, shape: Shape): Value {
    this.#inputs.push(valueInfo(name, shape));
    return { name, shape };
  }

  output(value: Value, name: string): void {
    this.#nodes.push(onnx.NodeProto.create({ opType: 'Identity', input: [value.name], output: [name] }));
    this.#outputs.push(valueInfo(name, value.shape));
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

  reshape(x: Value, shape: Shape): Value {
    if (size(shape) !== size(x.shape)) OnnxGraph.fail('Reshape', `${show(x.shape)} cannot become ${show(shape)}`);
    if (same(shape, x.shape)) return x;
    return this.op('Reshape', [x, this.ints(shape)], shape);
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

  pad(x: Value, pads: readonly number[]): Value {
    const shape = x.shape.map((d, i) => d + pads[i]! + pads[i + x.shape.length]!);
    if (pads.every((p) => p === 0)) return x;
    return this.op('Pad', [x, this.ints(pads)], shape, { mode: 'constant' });
  }

  expand(x: Value, shape: Shape): Value {
    return this.op('Expand', [x, this.ints(shape)], shape);
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

  /**
   * torch.nn.GroupNorm over [N, C, ...]: statistics per (n, group) over the group's channels and
   * all positions (InstanceNormalization over a [N, G, rest] view), then the per-channel affine.
   * Measured in ORT 1.30: the affine as a BatchNormalization (one pass) rather than Mul and Add
   * saves 4 % of a run natively, nothing in WASM; a LayerNormalization over [C, T] with the
   * affine broadcast is faster natively still but no faster in WASM, where it is less exact
   * (outputs 4e-5 from the npm model's instead of 8e-6).
   */
  groupNorm(x: Value, groups: number, weight: Value, bias: Value, epsilon: number): Value {
    const [n, c] = x.shape as [number, number];
    if (c % groups !== 0) OnnxGraph.fail(weight.name, `${c} channels in ${groups} groups`);
    if (!same(weight.shape, [c]) || !same(bias.shape, [c])) OnnxGraph.fail(weight.name, `${show(weight.shape)} for a group norm of ${c} channels`);
    const rest = size(x.shape) / (n * groups);
    const grouped = this.reshape(x, [n, groups, rest]);
    const normed = this.reshape(this.op('InstanceNormalization', [grouped, this.filled(1, groups), this.filled(0, groups)], grouped.shape, { epsilon }), x.shape);
    // The per-channel affine in one pass: a BatchNormalization with mean 0 and variance 1.
    return this.op('BatchNormalization', [normed, weight, bias, this.filled(0, c), this.filled(1, c)], x.shape, { epsilon: 0 });
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

  /**
   * The same ConvTranspose computed as a Conv: with a kernel of `taps` strides, output frame
   * q·stride + r is Σ_h W[h·stride + r] · x[q − h], so a Conv of `taps` over the input padded by
   * taps − 1 gives every phase r as a channel, and a Transpose interleaves the phases. ORT 1.30's
   * ConvTranspose adds its columns back on one thread: HTDemucs' eight took 255 ms of a segment
   * natively and 460 ms in WASM, the Conv and Transpose 130 and 390 ms. Other kernels (not
   * whole taps) stay a ConvTranspose.
   */
  convTransposeByPhases(x: Value, weight: Value, bias: Value, stride: number): Value {
    const [cin, cout, k, ...rest] = weight.shape as number[];
    const taps = k! / stride;
    const freq = rest.length === 1;
    if (!Number.isInteger(taps) || (freq && rest[0] !== 1)) return this.convTranspose(x, weight, bias, freq ? [stride, 1] : [stride]);
    const perTap = this.transpose(this.reshape(weight, [cin!, cout!, taps, stride]), [1, 3, 0, 2]);
    const reversed = taps === 1 ? perTap : this.concat(Array.from({ length: taps }, (_, j) => this.slice(perTap, 3, taps - 1 - j, taps - j)), 3);
    const w = this.reshape(reversed, freq ? [cout! * stride, cin!, taps, 1] : [cout! * stride, cin!, taps]);
    const b = this.reshape(this.expand(this.reshape(bias, [cout!, 1]), [cout!, stride]), [cout! * stride]);
    const y = this.conv(x, w, b, { strides: freq ? [1, 1] : [1], pads: freq ? [taps - 1, 0] : [taps - 1] });
    const [n, , blocks, ...after] = y.shape as number[];
    const phases = this.reshape(y, [n!, cout!, stride, blocks!, ...after]);
    const perm = freq ? [0, 1, 3, 2, 4] : [0, 1, 3, 2];
    return this.reshape(this.transpose(phases, perm), [n!, cout!, blocks! * stride, ...after]);
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

function valueInfo(name: string, shape: Shape) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: T.FLOAT,
        shape: onnx.TensorShapeProto.create({ dim: shape.map((d) => ({ dimValue: d })) }),
      }),
    }),
  });
}
