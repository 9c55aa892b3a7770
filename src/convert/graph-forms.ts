/**
 * Forms of two torch modules chosen for ONNX Runtime's speed (measured in each comment): the
 * group norm as an InstanceNormalization and one affine pass, and the transposed convolution as a
 * Conv over its output phases. Both keep the window's axis unwritten (convert --segment any).
 */
import { OnnxGraph, same, show, type Value } from './onnx-graph.ts';

/**
 * torch.nn.GroupNorm over [N, C, ...]: statistics per (n, group) over the group's channels and
 * all positions (InstanceNormalization over a [N, G, rest] view), then the per-channel affine.
 * Measured in ORT 1.30: the affine as a BatchNormalization (one pass) rather than Mul and Add
 * saves 4 % of a run natively, nothing in WASM; a LayerNormalization over [C, T] with the
 * affine broadcast is faster natively still but no faster in WASM, where it is less exact
 * (outputs 4e-5 from the npm model's instead of 8e-6).
 */
export function groupNormalization(g: OnnxGraph, x: Value, groups: number, weight: Value, bias: Value, epsilon: number): Value {
  const [n, c] = x.shape as [number, number];
  if (c % groups !== 0) OnnxGraph.fail(weight.name, `${c} channels in ${groups} groups`);
  if (!same(weight.shape, [c]) || !same(bias.shape, [c])) OnnxGraph.fail(weight.name, `${show(weight.shape)} for a group norm of ${c} channels`);
  const grouped = g.reshape(x, [n, groups, -1]);
  const normed = g.reshapeLike(g.op('InstanceNormalization', [grouped, g.filled(1, groups), g.filled(0, groups)], grouped.shape, { epsilon }), x);
  // The per-channel affine in one pass: a BatchNormalization with mean 0 and variance 1.
  return g.op('BatchNormalization', [normed, weight, bias, g.filled(0, c), g.filled(1, c)], x.shape, { epsilon: 0 });
}

/**
 * The same ConvTranspose computed as a Conv: with a kernel of `taps` strides, output frame
 * q·stride + r is Σ_h W[h·stride + r] · x[q − h], so a Conv of `taps` over the input padded by
 * taps − 1 gives every phase r as a channel, and a Transpose interleaves the phases. ORT 1.30's
 * ConvTranspose adds its columns back on one thread: HTDemucs' eight took 255 ms of a segment
 * natively and 460 ms in WASM, the Conv and Transpose 130 and 390 ms. Other kernels (not
 * whole taps) stay a ConvTranspose.
 */
export function convTransposeByPhases(g: OnnxGraph, x: Value, weight: Value, bias: Value, stride: number): Value {
  const [cin, cout, k, ...rest] = weight.shape as number[];
  const taps = k! / stride;
  const freq = rest.length === 1;
  if (!Number.isInteger(taps) || (freq && rest[0] !== 1)) return g.convTranspose(x, weight, bias, freq ? [stride, 1] : [stride]);
  const perTap = g.transpose(g.reshape(weight, [cin!, cout!, taps, stride]), [1, 3, 0, 2]);
  const reversed = taps === 1 ? perTap : g.concat(Array.from({ length: taps }, (_, j) => g.slice(perTap, 3, taps - 1 - j, taps - j)), 3);
  const w = g.reshape(reversed, freq ? [cout! * stride, cin!, taps, 1] : [cout! * stride, cin!, taps]);
  const b = g.reshape(g.expand(g.reshape(bias, [cout!, 1]), [cout!, stride]), [cout! * stride]);
  const y = g.conv(x, w, b, { strides: freq ? [1, 1] : [1], pads: freq ? [taps - 1, 0] : [taps - 1] });
  // The window's axis (the last) is -1: its size is known only at run time.
  const [n, , blocks] = y.shape as number[];
  const phases = g.reshape(y, freq ? [n!, cout!, stride, blocks!, -1] : [n!, cout!, stride, -1]);
  const perm = freq ? [0, 1, 3, 2, 4] : [0, 1, 3, 2];
  return g.reshape(g.transpose(phases, perm), freq ? [n!, cout!, blocks! * stride, -1] : [n!, cout!, -1]);
}
