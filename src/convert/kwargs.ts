/**
 * HTDemucs' constructor arguments: what a checkpoint's `kwargs` (or a trainer's kwargs.json)
 * sets, over HTDemucs' defaults (demucs/htdemucs.py). Options the converter cannot build, or
 * that make the network's output differ from run to run, are refused by name.
 */
import { DemucsError } from '../core/errors.ts';
import { Fraction } from './checkpoint.ts';

export interface HTDemucsConfig {
  readonly sources: readonly string[];
  readonly audio_channels: number;
  readonly channels: number;
  readonly channels_time: number | null;
  readonly growth: number;
  readonly nfft: number;
  readonly cac: boolean;
  readonly depth: number;
  readonly rewrite: boolean;
  readonly freq_emb: number;
  readonly emb_scale: number;
  readonly kernel_size: number;
  readonly time_stride: number;
  readonly stride: number;
  readonly context: number;
  readonly context_enc: number;
  readonly norm_starts: number;
  readonly norm_groups: number;
  readonly dconv_mode: number;
  readonly dconv_depth: number;
  readonly dconv_comp: number;
  readonly bottom_channels: number;
  readonly t_layers: number;
  readonly t_emb: string;
  readonly t_hidden_scale: number;
  readonly t_heads: number;
  readonly t_norm_in: boolean;
  readonly t_norm_in_group: boolean;
  readonly t_group_norm: boolean;
  readonly t_norm_first: boolean;
  readonly t_norm_out: boolean;
  readonly t_max_period: number;
  readonly t_layer_scale: boolean;
  readonly t_gelu: boolean;
  readonly t_weight_pos_embed: number;
  readonly t_cross_first: boolean;
  readonly samplerate: number;
  /** The training segment, seconds. */
  readonly segment: number;
  /** The segment in samples: int(segment · samplerate), as HTDemucs computes it. */
  readonly segmentSamples: number;
}

const DEFAULTS = {
  audio_channels: 2,
  channels: 48,
  channels_time: null,
  growth: 2,
  nfft: 4096,
  wiener_iters: 0,
  end_iters: 0,
  wiener_residual: false,
  cac: true,
  depth: 4,
  rewrite: true,
  multi_freqs: null,
  multi_freqs_depth: 3,
  freq_emb: 0.2,
  emb_scale: 10,
  emb_smooth: true,
  kernel_size: 8,
  time_stride: 2,
  stride: 4,
  context: 1,
  context_enc: 0,
  norm_starts: 4,
  norm_groups: 4,
  dconv_mode: 1,
  dconv_depth: 2,
  dconv_comp: 8,
  dconv_init: 1e-3,
  bottom_channels: 0,
  t_layers: 5,
  t_emb: 'sin',
  t_hidden_scale: 4.0,
  t_heads: 8,
  t_dropout: 0.0,
  t_max_positions: 10000,
  t_norm_in: true,
  t_norm_in_group: false,
  t_group_norm: false,
  t_norm_first: true,
  t_norm_out: true,
  t_max_period: 10000.0,
  t_weight_decay: 0.0,
  t_lr: null,
  t_layer_scale: true,
  t_gelu: true,
  t_weight_pos_embed: 1.0,
  t_sin_random_shift: 0,
  t_cape_mean_normalize: true,
  t_cape_augment: true,
  t_cape_glob_loc_scale: [5000.0, 1.0, 1.4],
  t_sparse_self_attn: false,
  t_sparse_cross_attn: false,
  t_mask_type: 'diag',
  t_mask_random_seed: 42,
  t_sparse_attn_window: 500,
  t_global_window: 100,
  t_sparsity: 0.95,
  t_auto_sparsity: false,
  t_cross_first: false,
  rescale: 0.1,
  samplerate: 44100,
  segment: 10,
  use_train_segment: true,
} as const;

/** What the converter refuses, and why: option → [is it set to something unsupported?, reason]. */
const REFUSED: [string, (v: unknown) => boolean, string][] = [
  ['t_sparse_self_attn', (v) => Boolean(v), 'sparse attention is not supported'],
  ['t_sparse_cross_attn', (v) => Boolean(v), 'sparse attention is not supported'],
  ['wiener_iters', (v) => v !== 0, 'Wiener filtering iterations are not supported'],
  ['end_iters', (v) => v !== 0, 'Wiener filtering iterations are not supported'],
  ['multi_freqs', (v) => v !== null && !(Array.isArray(v) && v.length === 0), 'multi_freqs (MultiWrap layers) is not supported'],
  ['cac', (v) => v !== true, 'cac=False (a magnitude mask with Wiener filtering) is not supported: only complex-as-channels'],
  ['t_emb', (v) => v !== 'sin', 'only t_emb="sin" positional embeddings are supported'],
  ['t_sin_random_shift', (v) => v !== 0, 't_sin_random_shift makes every run different (a random embedding shift even in inference)'],
  ['use_train_segment', (v) => v !== true, 'use_train_segment=False is not supported (the network has a fixed segment)'],
  ['audio_channels', (v) => v !== 2, 'only stereo models are supported (audio_channels=2)'],
  ['nfft', (v) => v !== 4096, 'only nfft=4096 is supported (the engine computes the spectrograms)'],
  ['samplerate', (v) => v !== 44100, 'only 44.1 kHz models are supported'],
];

const number = (v: unknown): number => (v instanceof Fraction ? v.valueOf() : Number(v));

/** int(segment · samplerate) as Python computes it (exactly for a Fraction, in doubles for a float). */
function segmentSamples(segment: unknown, samplerate: number): number {
  if (segment instanceof Fraction) return Math.floor((segment.numerator * samplerate) / segment.denominator);
  return Math.floor(number(segment) * samplerate);
}

/** HTDemucs' full configuration from a checkpoint's kwargs; `label` names the source in errors. */
export function resolveKwargs(raw: Record<string, unknown>, label: string): HTDemucsConfig {
  const known = new Set([...Object.keys(DEFAULTS), 'sources']);
  const unknown = Object.keys(raw).filter((k) => !known.has(k));
  if (unknown.length) throw new DemucsError('CHECKPOINT', `${label}: unknown HTDemucs option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
  const all: Record<string, unknown> = { ...DEFAULTS, ...raw };
  for (const [key, refused, why] of REFUSED) {
    if (refused(all[key])) throw new DemucsError('CHECKPOINT', `${label}: ${key}=${JSON.stringify(all[key])}: ${why}`);
  }
  const sources = all['sources'];
  if (!Array.isArray(sources) || sources.length === 0 || !sources.every((s) => typeof s === 'string')) {
    throw new DemucsError('CHECKPOINT', `${label}: kwargs name no sources (a list of stem names)`);
  }
  const segment = number(all['segment']);
  const samplerate = number(all['samplerate']);
  const config: HTDemucsConfig = {
    sources: sources as string[],
    audio_channels: number(all['audio_channels']),
    channels: number(all['channels']),
    channels_time: all['channels_time'] === null ? null : number(all['channels_time']),
    growth: number(all['growth']),
    nfft: number(all['nfft']),
    cac: Boolean(all['cac']),
    depth: number(all['depth']),
    rewrite: Boolean(all['rewrite']),
    freq_emb: number(all['freq_emb']),
    emb_scale: number(all['emb_scale']),
    kernel_size: number(all['kernel_size']),
    time_stride: number(all['time_stride']),
    stride: number(all['stride']),
    context: number(all['context']),
    context_enc: number(all['context_enc']),
    norm_starts: number(all['norm_starts']),
    norm_groups: number(all['norm_groups']),
    dconv_mode: number(all['dconv_mode']),
    dconv_depth: number(all['dconv_depth']),
    dconv_comp: number(all['dconv_comp']),
    bottom_channels: number(all['bottom_channels']),
    t_layers: number(all['t_layers']),
    t_emb: String(all['t_emb']),
    t_hidden_scale: number(all['t_hidden_scale']),
    t_heads: number(all['t_heads']),
    t_norm_in: Boolean(all['t_norm_in']),
    t_norm_in_group: Boolean(all['t_norm_in_group']),
    t_group_norm: Boolean(all['t_group_norm']),
    t_norm_first: Boolean(all['t_norm_first']),
    t_norm_out: Boolean(all['t_norm_out']),
    t_max_period: number(all['t_max_period']),
    t_layer_scale: Boolean(all['t_layer_scale']),
    t_gelu: Boolean(all['t_gelu']),
    t_weight_pos_embed: number(all['t_weight_pos_embed']),
    t_cross_first: Boolean(all['t_cross_first']),
    samplerate,
    segment,
    segmentSamples: segmentSamples(all['segment'], samplerate),
  };
  for (const [key, value] of Object.entries(config)) {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new DemucsError('CHECKPOINT', `${label}: ${key} is not a number`);
  }
  return config;
}
