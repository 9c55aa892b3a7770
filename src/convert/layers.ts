/**
 * HTDemucs' convolutional modules as ONNX subgraphs, one builder per Demucs module type, named
 * as in Demucs (demucs/hdemucs.py: HEncLayer, HDecLayer; demucs/demucs.py: DConv), each reading
 * its weights under the state-dict prefix it is given.
 */
import type { OnnxGraph, Value } from './onnx-graph.ts';
import type { Weights } from './weights.ts';
import { convTransposeByPhases, groupNormalization } from './graph-forms.ts';

export interface Builder {
  readonly g: OnnxGraph;
  readonly w: Weights;
}

const EPS = 1e-5;

/** nn.GroupNorm(groups, C) at `prefix`, on [N, C, ...]; `scale` multiplies its affine per channel. */
export function groupNorm(b: Builder, prefix: string, x: Value, groups: number, scale?: Value): Value {
  const c = x.shape[1]!;
  let weight = b.w.take(`${prefix}.weight`, [c]);
  let bias = b.w.take(`${prefix}.bias`, [c]);
  if (scale) [weight, bias] = [b.g.mul(weight, scale), b.g.mul(bias, scale)];
  return groupNormalization(b.g, x, groups, weight, bias, EPS);
}

/** nn.Conv1d at `prefix` (weight [out, in, k], bias [out]). */
export function conv1d(b: Builder, prefix: string, x: Value, out: number, kernel: number, o: { stride?: number; pad?: number; dilation?: number } = {}): Value {
  const weight = b.w.take(`${prefix}.weight`, [out, x.shape[1]!, kernel]);
  const bias = b.w.take(`${prefix}.bias`, [out]);
  return b.g.conv(x, weight, bias, { strides: [o.stride ?? 1], pads: [o.pad ?? 0], dilations: [o.dilation ?? 1] });
}

/** nn.Conv2d at `prefix` (weight [out, in, kh, kw], bias [out]). */
function conv2d(b: Builder, prefix: string, x: Value, out: number, kernel: [number, number], stride: [number, number], pad: [number, number]): Value {
  const weight = b.w.take(`${prefix}.weight`, [out, x.shape[1]!, ...kernel]);
  const bias = b.w.take(`${prefix}.bias`, [out]);
  return b.g.conv(x, weight, bias, { strides: stride, pads: pad });
}

export interface DConvOptions {
  /** Layers; negative: no dilation (Demucs' `depth` argument). */
  readonly depth: number;
  readonly compress: number;
}

/**
 * DConv (demucs.py): residual branches of a dilated conv to a compressed width, group norm,
 * GELU, a 1×1 conv back to twice the width, group norm, GLU, layer scale. On [N, C, T].
 */
export function DConv(b: Builder, prefix: string, x: Value, o: DConvOptions): Value {
  const channels = x.shape[1]!;
  const hidden = Math.trunc(channels / o.compress);
  const dilate = o.depth > 0;
  for (let d = 0; d < Math.abs(o.depth); d++) {
    const at = `${prefix}.layers.${d}`;
    const dilation = dilate ? 2 ** d : 1;
    let y = conv1d(b, `${at}.0`, x, hidden, 3, { dilation, pad: dilation });
    y = b.g.gelu(groupNorm(b, `${at}.1`, y, 1));
    y = conv1d(b, `${at}.3`, y, 2 * channels, 1);
    // LayerScale folded into the affine of the GLU's first half, (n·γ + β)·s = n·γs + βs: one
    // pass fewer over the branch (the products are of weights, computed once at load).
    const layerScale = b.g.concat([b.w.take(`${at}.6.scale`, [channels]), b.g.filled(1, channels)], 0);
    y = b.g.glu(groupNorm(b, `${at}.4`, y, 1, layerScale), 1);
    x = b.g.add(x, y);
  }
  return x;
}

/** DConv on a frequency layer's [B, C, Fr, T]: each frequency row is a sequence. */
function dconvFreq(b: Builder, prefix: string, y: Value, o: DConvOptions, freq: boolean): Value {
  if (!freq) return DConv(b, prefix, y, o);
  const [n, c, fr] = y.shape as [number, number, number];
  const rows = b.g.reshape(b.g.transpose(y, [0, 2, 1, 3]), [n * fr, c, -1]);
  return b.g.transpose(b.g.reshape(DConv(b, prefix, rows, o), [n, fr, c, -1]), [0, 2, 1, 3]);
}

/** The 1 + 2·context convolution that doubles the channels before a GLU ("rewrite"). */
function rewrite(b: Builder, prefix: string, x: Value, context: number, freq: boolean): Value {
  const k = 1 + 2 * context;
  const out = 2 * x.shape[1]!;
  return freq ? conv2d(b, prefix, x, out, [k, k], [1, 1], [context, context]) : conv1d(b, prefix, x, out, k, { pad: context });
}

export interface LayerOptions {
  readonly chin: number;
  readonly chout: number;
  readonly kernel: number;
  readonly stride: number;
  readonly freq: boolean;
  /** Pad by kernel / 4 (else no padding: the last frequency layer). */
  readonly pad: boolean;
  readonly norm: boolean;
  readonly normGroups: number;
  readonly empty: boolean;
  readonly context: number;
  readonly dconv: DConvOptions | null;
  readonly rewrite: boolean;
}

/** HEncLayer (hdemucs.py): strided conv, [+ inject], norm, GELU, [DConv], [rewrite + GLU]. */
export function HEncLayer(b: Builder, prefix: string, x: Value, inject: Value | null, o: LayerOptions): Value {
  const pad = o.pad ? Math.trunc(o.kernel / 4) : 0;
  if (!o.freq && x.shape.length === 4) {
    const [n, c, fr] = x.shape as [number, number, number];
    x = b.g.reshape(x, [n, c * fr, -1]);
  }
  if (!o.freq) x = b.g.padToMultiple(x, o.stride);
  let y = o.freq
    ? conv2d(b, `${prefix}.conv`, x, o.chout, [o.kernel, 1], [o.stride, 1], [pad, 0])
    : conv1d(b, `${prefix}.conv`, x, o.chout, o.kernel, { stride: o.stride, pad });
  if (o.empty) return y;
  if (inject) {
    if (inject.shape.length === 3 && y.shape.length === 4) {
      const [n, c] = inject.shape as [number, number];
      inject = b.g.reshape(inject, [n, c, 1, -1]);
    }
    y = b.g.add(y, inject);
  }
  if (o.norm) y = groupNorm(b, `${prefix}.norm1`, y, o.normGroups);
  y = b.g.gelu(y);
  if (o.dconv) y = dconvFreq(b, `${prefix}.dconv`, y, o.dconv, o.freq);
  if (!o.rewrite) return y;
  let z = rewrite(b, `${prefix}.rewrite`, y, o.context, o.freq);
  if (o.norm) z = groupNorm(b, `${prefix}.norm2`, z, o.normGroups);
  return b.g.glu(z, 1);
}

/**
 * HDecLayer (hdemucs.py): [+ skip, rewrite + GLU, DConv], transposed conv, norm, cropped to the
 * encoder's length (the last axis of `encoded`, what the matching encoder layer took in), GELU
 * unless last. Returns the output and what entered the transposed conv.
 */
export function HDecLayer(b: Builder, prefix: string, x: Value, skip: Value | null, encoded: Value, o: LayerOptions & { readonly last: boolean }): [Value, Value] {
  const pad = o.pad ? Math.trunc(o.kernel / 4) : 0;
  if (o.freq && x.shape.length === 3) {
    const [n, c] = x.shape as [number, number];
    x = b.g.reshape(x, [n, o.chin, c / o.chin, -1]);
  }
  let y = x;
  if (!o.empty) {
    if (!skip) throw new Error(`${prefix}: a decoder layer without its skip connection`);
    y = b.g.add(x, skip);
    if (o.rewrite) {
      let r = rewrite(b, `${prefix}.rewrite`, y, o.context, o.freq);
      if (o.norm) r = groupNorm(b, `${prefix}.norm1`, r, o.normGroups);
      y = b.g.glu(r, 1);
    }
    if (o.dconv) y = dconvFreq(b, `${prefix}.dconv`, y, o.dconv, o.freq);
  }
  const weight = b.w.take(`${prefix}.conv_tr.weight`, o.freq ? [o.chin, o.chout, o.kernel, 1] : [o.chin, o.chout, o.kernel]);
  const bias = b.w.take(`${prefix}.conv_tr.bias`, [o.chout]);
  let z = convTransposeByPhases(b.g, y, weight, bias, o.stride);
  if (o.norm) z = groupNorm(b, `${prefix}.norm2`, z, o.normGroups);
  if (o.freq) {
    if (pad) z = b.g.slice(z, 2, pad, z.shape[2]! - pad);
  } else {
    const length = encoded.shape[encoded.shape.length - 1]!;
    z = b.g.sliceTo(z, 2, pad, b.g.sizeOp('Add', b.g.size(encoded, -1), b.g.ints([pad])), pad + length);
  }
  if (!o.last) z = b.g.gelu(z);
  return [z, y];
}
