/**
 * HTDemucs' cross-domain transformer (demucs/transformer.py) as ONNX subgraphs:
 * CrossTransformerEncoder with its sinusoidal embeddings, MyTransformerEncoderLayer (self
 * attention), CrossTransformerEncoderLayer, torch's MultiheadAttention, MyGroupNorm and
 * LayerScale. Sequences are [B, L, C] (the encoder runs its layers batch-first).
 */
import type { HTDemucsConfig } from './kwargs.ts';
import type { Builder } from './layers.ts';
import type { Value } from './onnx-graph.ts';
import { groupNormalization } from './graph-forms.ts';

const EPS = 1e-5;

/** nn.LayerNorm(dim) at `prefix`, over the last axis. */
function layerNorm(b: Builder, prefix: string, x: Value): Value {
  const d = x.shape[2]!;
  return b.g.layerNorm(x, b.w.take(`${prefix}.weight`, [d]), b.w.take(`${prefix}.bias`, [d]), EPS);
}

/** MyGroupNorm: nn.GroupNorm over a [B, L, C] sequence (channels last). */
function myGroupNorm(b: Builder, prefix: string, x: Value, groups: number): Value {
  const d = x.shape[2]!;
  const channelsFirst = b.g.transpose(x, [0, 2, 1]);
  const normed = groupNormalization(b.g, channelsFirst, groups, b.w.take(`${prefix}.weight`, [d]), b.w.take(`${prefix}.bias`, [d]), EPS);
  return b.g.transpose(normed, [0, 2, 1]);
}

/** The layers' norms: LayerNorm, or MyGroupNorm with one group (t_group_norm). */
function norm(b: Builder, prefix: string, x: Value, group: boolean): Value {
  return group ? myGroupNorm(b, prefix, x, 1) : layerNorm(b, prefix, x);
}

/** torch.nn.MultiheadAttention (batch first) at `prefix`: queries from q, keys and values from kv. */
export function MultiheadAttention(b: Builder, prefix: string, q: Value, kv: Value, heads: number): Value {
  const { g, w } = b;
  const [batch, , e] = q.shape as [number, number, number];
  const d = e / heads;
  const weight = w.take(`${prefix}.in_proj_weight`, [3 * e, e]);
  const bias = w.take(`${prefix}.in_proj_bias`, [3 * e]);
  // One product for the projections that share an input: q, k, v for self attention, k and v
  // for cross attention (a wider GEMM than three).
  const project = (x: Value, from: number, to: number) => {
    const y = g.linear(x, g.slice(weight, 0, from * e, to * e), g.slice(bias, 0, from * e, to * e));
    return to - from === 1 ? [y] : g.split(y, 2, Array.from({ length: to - from }, () => e));
  };
  const [qp, kp, vp] = q === kv ? project(q, 0, 3) : [...project(q, 0, 1), ...project(kv, 1, 3)];
  // Sequence lengths are -1: they follow the window, known only at run time.
  const split = (x: Value, perm: number[]) => g.transpose(g.reshape(x, [batch, -1, heads, d]), perm);
  const qh = g.div(split(qp!, [0, 2, 1, 3]), g.scalar(Math.sqrt(d))); // [B, H, Lq, D]
  const kh = split(kp!, [0, 2, 3, 1]); // [B, H, D, Lk]
  const vh = split(vp!, [0, 2, 1, 3]); // [B, H, Lk, D]
  const attention = g.softmax(g.matmul(qh, kh), 3);
  const out = g.reshape(g.transpose(g.matmul(attention, vh), [0, 2, 1, 3]), [batch, -1, e]);
  return g.linear(out, w.take(`${prefix}.out_proj.weight`, [e, e]), w.take(`${prefix}.out_proj.bias`, [e]));
}

interface LayerSettings {
  readonly heads: number;
  readonly hidden: number;
  readonly groupNorm: boolean;
  readonly normFirst: boolean;
  readonly normOut: boolean;
  readonly layerScale: boolean;
  readonly gelu: boolean;
}

/** linear2(activation(linear1(x))). */
function feedForward(b: Builder, prefix: string, x: Value, s: LayerSettings): Value {
  const d = x.shape[2]!;
  let y = b.g.linear(x, b.w.take(`${prefix}.linear1.weight`, [s.hidden, d]), b.w.take(`${prefix}.linear1.bias`, [s.hidden]));
  y = s.gelu ? b.g.gelu(y) : b.g.unary('Relu', y);
  return b.g.linear(y, b.w.take(`${prefix}.linear2.weight`, [d, s.hidden]), b.w.take(`${prefix}.linear2.bias`, [d]));
}

/** LayerScale (channels last) at `prefix`, or nothing without layer scale. */
function gamma(b: Builder, prefix: string, x: Value, s: LayerSettings): Value {
  return s.layerScale ? b.g.mul(x, b.w.take(`${prefix}.scale`, [x.shape[2]!])) : x;
}

/** MyTransformerEncoderLayer: self attention and feed-forward, norm first or after. */
function MyTransformerEncoderLayer(b: Builder, prefix: string, x: Value, s: LayerSettings): Value {
  const sa = (v: Value) => MultiheadAttention(b, `${prefix}.self_attn`, v, v, s.heads);
  if (s.normFirst) {
    let h = norm(b, `${prefix}.norm1`, x, s.groupNorm);
    x = b.g.add(x, gamma(b, `${prefix}.gamma_1`, sa(h), s));
    h = norm(b, `${prefix}.norm2`, x, s.groupNorm);
    x = b.g.add(x, gamma(b, `${prefix}.gamma_2`, feedForward(b, prefix, h, s), s));
    return s.normOut ? myGroupNorm(b, `${prefix}.norm_out`, x, 1) : x;
  }
  x = norm(b, `${prefix}.norm1`, b.g.add(x, gamma(b, `${prefix}.gamma_1`, sa(x), s)), s.groupNorm);
  return norm(b, `${prefix}.norm2`, b.g.add(x, gamma(b, `${prefix}.gamma_2`, feedForward(b, prefix, x, s), s)), s.groupNorm);
}

/** CrossTransformerEncoderLayer: attention from q's sequence to k's, and feed-forward. */
function CrossTransformerEncoderLayer(b: Builder, prefix: string, q: Value, k: Value, s: LayerSettings): Value {
  const ca = (a: Value, c: Value) => MultiheadAttention(b, `${prefix}.cross_attn`, a, c, s.heads);
  if (s.normFirst) {
    let x = b.g.add(q, gamma(b, `${prefix}.gamma_1`, ca(norm(b, `${prefix}.norm1`, q, s.groupNorm), norm(b, `${prefix}.norm2`, k, s.groupNorm)), s));
    x = b.g.add(x, gamma(b, `${prefix}.gamma_2`, feedForward(b, prefix, norm(b, `${prefix}.norm3`, x, s.groupNorm), s), s));
    return s.normOut ? myGroupNorm(b, `${prefix}.norm_out`, x, 1) : x;
  }
  // norm3 exists in this module but only the norm-first path uses it.
  for (const part of ['weight', 'bias']) b.w.unused(`${prefix}.norm3.${part}`, [q.shape[2]!]);
  const x = norm(b, `${prefix}.norm1`, b.g.add(q, gamma(b, `${prefix}.gamma_1`, ca(q, k), s)), s.groupNorm);
  return norm(b, `${prefix}.norm2`, b.g.add(x, gamma(b, `${prefix}.gamma_2`, feedForward(b, prefix, x, s), s)), s.groupNorm);
}

const f = Math.fround;
/** A fused float32 multiply-add (the double product of two floats is exact). */
const fma = (a: number, b: number, c: number) => f(a * b + c);

/**
 * exp in float32 as torch computes it on the CPU (SLEEF's expf, 1-ulp, with fused multiply-adds):
 * the frequencies of the 2-D embedding multiply positions up to the frame count, so one ulp of
 * difference in a frequency shows in the output; with this, they are Demucs' own to the bit.
 */
export function torchExpf(d: number): number {
  const q = Math.round(f(d * f(Math.LOG2E)));
  let s = fma(q, f(-0.693145751953125), d);
  s = fma(q, f(-1.428606765330187045e-6), s);
  let u = f(0.000198527617612853646278381);
  u = fma(u, s, f(0.00139304355252534151077271));
  u = fma(u, s, f(0.00833336077630519866943359));
  u = fma(u, s, f(0.0416664853692054748535156));
  u = fma(u, s, f(0.166666671633720397949219));
  u = fma(u, s, f(0.5));
  u = f(1 + fma(f(s * s), u, s));
  return f(u * 2 ** q);
}

/**
 * create_2d_sin_embedding, in the graph (small constants, Sin/Cos): [1, T1·Fr, C] in the
 * sequence's order (time major), for x [B, C, Fr, T1] (T1 counted at run time). Channel 2k is
 * sin(t·div_k), 2k+1 cos(t·div_k); from C/2 on the same over the frequency row.
 */
function sin2d(b: Builder, x: Value, maxPeriod: number): Value {
  const { g } = b;
  const [, channels, rows, frames] = x.shape as [number, number, number, number];
  const half = channels / 2;
  const step = Math.fround(-(Math.log(maxPeriod) / half));
  const div = Float32Array.from({ length: half / 2 }, (_, k) => torchExpf(Math.fround(2 * k * step)));
  const waves = (positions: Value) => {
    const phase = g.mul(positions, g.constant(div, [1, half / 2], 'div_term'));
    const pairs = g.concat([g.reshape(g.unary('Sin', phase), [-1, half / 2, 1]), g.reshape(g.unary('Cos', phase), [-1, half / 2, 1])], 2);
    return g.reshape(pairs, [-1, half]);
  };
  const rowPositions = g.constant(Float32Array.from({ length: rows }, (_, i) => i), [rows, 1], 'positions');
  const time = g.expand(g.reshape(waves(g.positions(g.size(x, 3), frames)), [-1, 1, half]), [1, rows, half]);
  const freq = g.expandLike(g.reshape(waves(rowPositions), [1, rows, half]), time);
  return g.reshape(g.concat([time, freq], 2), [1, -1, channels]);
}

/** create_sin_embedding (no shift), in the graph: [1, T, C], cos then sin halves, for xt [B, C, T]. */
function sin1d(b: Builder, xt: Value, maxPeriod: number): Value {
  const { g } = b;
  const [, channels, length] = xt.shape as [number, number, number];
  const half = channels / 2;
  const denominators = Float32Array.from({ length: half }, (_, a) => Math.fround(Math.pow(maxPeriod, Math.fround(a / (half - 1)))));
  const phase = g.div(g.positions(g.size(xt, 2), length), g.constant(denominators, [1, half], 'periods'));
  return g.reshape(g.concat([g.unary('Cos', phase), g.unary('Sin', phase)], 1), [1, -1, channels]);
}

/**
 * CrossTransformerEncoder at `prefix`: x [B, C, Fr, T1] (frequency branch) and xt [B, C, T2]
 * (time branch) in, the same shapes out.
 */
export function CrossTransformerEncoder(b: Builder, prefix: string, x: Value, xt: Value, c: HTDemucsConfig): [Value, Value] {
  const { g } = b;
  const [batch, dim, rows] = x.shape as [number, number, number];
  const settings: LayerSettings = {
    heads: c.t_heads,
    hidden: Math.trunc(dim * c.t_hidden_scale),
    groupNorm: c.t_group_norm,
    normFirst: c.t_norm_first,
    normOut: c.t_norm_first && c.t_norm_out,
    layerScale: c.t_layer_scale,
    gelu: c.t_gelu,
  };
  if (dim % c.t_heads !== 0) throw new Error(`${prefix}: ${dim} channels do not split into ${c.t_heads} heads`);
  const normIn = (key: string, v: Value) =>
    c.t_norm_in ? layerNorm(b, `${prefix}.${key}`, v) : c.t_norm_in_group ? myGroupNorm(b, `${prefix}.${key}`, v, 1) : v;
  const weighted = (v: Value) => (c.t_weight_pos_embed === 1 ? v : g.mul(v, g.scalar(c.t_weight_pos_embed)));

  let xs = g.reshape(g.transpose(x, [0, 3, 2, 1]), [batch, -1, dim]);
  xs = g.add(normIn('norm_in', xs), weighted(sin2d(b, x, c.t_max_period)));
  let ts = g.transpose(xt, [0, 2, 1]);
  ts = g.add(normIn('norm_in_t', ts), weighted(sin1d(b, xt, c.t_max_period)));

  const classic = c.t_cross_first ? 1 : 0;
  for (let i = 0; i < c.t_layers; i++) {
    if (i % 2 === classic) {
      xs = MyTransformerEncoderLayer(b, `${prefix}.layers.${i}`, xs, settings);
      ts = MyTransformerEncoderLayer(b, `${prefix}.layers_t.${i}`, ts, settings);
    } else {
      const before = xs;
      xs = CrossTransformerEncoderLayer(b, `${prefix}.layers.${i}`, xs, ts, settings);
      ts = CrossTransformerEncoderLayer(b, `${prefix}.layers_t.${i}`, ts, before, settings);
    }
  }
  const out = g.transpose(g.reshape(xs, [batch, -1, rows, dim]), [0, 3, 2, 1]);
  return [out, g.transpose(ts, [0, 2, 1])];
}
