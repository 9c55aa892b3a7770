/**
 * The HTDemucs network (demucs/htdemucs.py: `HTDemucs.__init__` and `forward`) between
 * `_spec`/`_magnitude` and `_mask`/`_ispec`: our ONNX contract. In: the mix [1, 2, L] and its
 * complex-as-channels spectrogram [1, 4, Fq, T]; out: spectrogram stems [1, S, 4, Fq, T] and
 * waveform stems [1, S, 2, L]. The layer plan is HTDemucs' own. Shapes are checked as built for
 * one window, but no size along the window's axes is written into the graph: the same graph
 * runs any window (convert --segment any).
 */
import type { HTDemucsConfig } from './kwargs.ts';
import { conv1d, HDecLayer, HEncLayer, type Builder, type LayerOptions } from './layers.ts';
import type { Value } from './onnx-graph.ts';
import { CrossTransformerEncoder } from './transformer.ts';

/** Python's int() of a product, as HTDemucs grows its channel counts. */
const int = (x: number) => Math.trunc(x);

interface Plan {
  readonly encoder: LayerOptions[];
  /** Time encoder layers (as many as frequency layers above the merge). */
  readonly tencoder: LayerOptions[];
  /** Decoders in forward order (deepest first). */
  readonly decoder: (LayerOptions & { last: boolean })[];
  readonly tdecoder: (LayerOptions & { last: boolean })[];
  /** Frequency embedding: rows and channels, if any. */
  readonly freqEmb: { readonly rows: number; readonly channels: number } | null;
  readonly transformerChannels: number;
}

/** HTDemucs.__init__'s layer plan. */
export function plan(c: HTDemucsConfig): Plan {
  const encoder: LayerOptions[] = [];
  const tencoder: LayerOptions[] = [];
  const decoder: (LayerOptions & { last: boolean })[] = [];
  const tdecoder: (LayerOptions & { last: boolean })[] = [];
  let freqEmb: Plan['freqEmb'] = null;
  let chin = c.audio_channels;
  let chinZ = chin * 2; // complex as channels
  let chout = c.channels_time ?? c.channels;
  let choutZ = c.channels;
  let freqs = c.nfft / 2;
  const dconv = { depth: c.dconv_depth, compress: c.dconv_comp };
  for (let index = 0; index < c.depth; index++) {
    const norm = index >= c.norm_starts;
    const freq = freqs > 1;
    let kernel = c.kernel_size;
    let stride = c.stride;
    if (!freq) {
      kernel = c.time_stride * 2;
      stride = c.time_stride;
    }
    let pad = true;
    let lastFreq = false;
    if (freq && freqs <= c.kernel_size) {
      kernel = freqs;
      pad = false;
      lastFreq = true;
    }
    const common = { kernel, stride, freq, pad, norm, normGroups: c.norm_groups, rewrite: c.rewrite, empty: false };
    const timeCommon = { ...common, freq: false, kernel: c.kernel_size, stride: c.stride, pad: true };
    if (lastFreq) {
      choutZ = Math.max(chout, choutZ);
      chout = choutZ;
    }
    encoder.push({ ...common, chin: chinZ, chout: choutZ, dconv: c.dconv_mode & 1 ? dconv : null, context: c.context_enc });
    if (freq) tencoder.push({ ...timeCommon, chin, chout, dconv: c.dconv_mode & 1 ? dconv : null, context: c.context_enc, empty: lastFreq });
    if (index === 0) {
      chin = c.audio_channels * c.sources.length;
      chinZ = chin * 2;
    }
    decoder.unshift({ ...common, chin: choutZ, chout: chinZ, dconv: c.dconv_mode & 2 ? dconv : null, context: c.context, last: index === 0 });
    if (freq) {
      tdecoder.unshift({ ...timeCommon, chin: chout, chout: chin, dconv: c.dconv_mode & 2 ? dconv : null, context: c.context, empty: lastFreq, last: index === 0 });
    }
    chin = chout;
    chinZ = choutZ;
    chout = int(c.growth * chout);
    choutZ = int(c.growth * choutZ);
    if (freq) freqs = freqs <= c.kernel_size ? 1 : Math.floor(freqs / c.stride);
    if (index === 0 && c.freq_emb) freqEmb = { rows: freqs, channels: chinZ };
  }
  return { encoder, tencoder, decoder, tdecoder, freqEmb, transformerChannels: c.channels * c.growth ** (c.depth - 1) };
}

/** (x − mean) / (1e-5 + std) over all but the batch axis (std unbiased, as torch.std). */
function normalise(b: Builder, x: Value): { x: Value; mean: Value; std: Value } {
  const axes = x.shape.map((_, i) => i).slice(1);
  const count = b.g.countOf(x, axes); // N, counted at run time: the window may vary
  const mean = b.g.reduceMean(x, axes);
  const centred = b.g.sub(x, mean);
  // The mean of squares times N / (N − 1): a float32 sum of millions of squares loses ~1e-3.
  const meanSquares = b.g.reduceMean(b.g.mul(centred, centred), axes);
  const std = b.g.unary('Sqrt', b.g.div(b.g.mul(meanSquares, count), b.g.sub(count, b.g.scalar(1))));
  return { x: b.g.div(centred, b.g.add(b.g.scalar(1e-5), std)), mean, std };
}

/**
 * Builds the network into `b.g` from `b.w`, given the mix and spectrogram inputs; returns the
 * spectrogram stems and the waveform stems.
 */
export function HTDemucs(b: Builder, c: HTDemucsConfig, mix: Value, spec: Value): [Value, Value] {
  const { g, w } = b;
  const p = plan(c);
  const sources = c.sources.length;
  const [batch, , fq] = spec.shape as [number, number, number];

  const f = normalise(b, spec);
  const t = normalise(b, mix);
  let x = f.x;
  let xt = t.x;

  const saved: Value[] = [];
  const savedT: Value[] = [];
  // What each encoder layer took in: its decoder crops to that length.
  const encoded: Value[] = [];
  const encodedT: Value[] = [];
  p.encoder.forEach((options, index) => {
    encoded.push(x);
    let inject: Value | null = null;
    const tenc = p.tencoder[index];
    if (tenc) {
      encodedT.push(xt);
      xt = HEncLayer(b, `tencoder.${index}`, xt, null, tenc);
      if (!tenc.empty) savedT.push(xt);
      else inject = xt;
    }
    x = HEncLayer(b, `encoder.${index}`, x, inject, options);
    if (index === 0 && p.freqEmb) {
      // x + freq_emb_scale · (embedding · emb_scale), folded into one [1, C, Fr, 1] constant.
      const { rows, channels } = p.freqEmb;
      if (x.shape[2] !== rows) throw new Error(`freq_emb: ${rows} rows for a branch of ${x.shape[2]}`);
      const weight = w.values('freq_emb.embedding.weight', [rows, channels]);
      const folded = new Float32Array(channels * rows);
      for (let r = 0; r < rows; r++) {
        for (let ch = 0; ch < channels; ch++) folded[ch * rows + r] = Math.fround(c.freq_emb * Math.fround(weight[r * channels + ch]! * c.emb_scale));
      }
      x = g.add(x, g.constant(folded, [1, channels, rows, 1], 'freq_emb'));
    }
    saved.push(x);
  });

  if (c.t_layers > 0) {
    const bottom = c.bottom_channels;
    if (bottom) {
      const [n, ch, fr] = x.shape as [number, number, number];
      x = g.reshape(conv1d(b, 'channel_upsampler', g.reshape(x, [n, ch, -1]), bottom, 1), [n, bottom, fr, -1]);
      xt = conv1d(b, 'channel_upsampler_t', xt, bottom, 1);
    }
    [x, xt] = CrossTransformerEncoder(b, 'crosstransformer', x, xt, c);
    if (bottom) {
      const [n, , fr] = x.shape as [number, number, number];
      const ch = p.transformerChannels;
      x = g.reshape(conv1d(b, 'channel_downsampler', g.reshape(x, [n, bottom, -1]), ch, 1), [n, ch, fr, -1]);
      xt = conv1d(b, 'channel_downsampler_t', xt, ch, 1);
    }
  }

  const offset = c.depth - p.tdecoder.length;
  p.decoder.forEach((options, index) => {
    const skip = saved.pop()!;
    let pre: Value;
    [x, pre] = HDecLayer(b, `decoder.${index}`, x, skip, encoded.pop()!, options);
    if (index >= offset) {
      const tdec = p.tdecoder[index - offset]!;
      const inputT = encodedT.pop()!;
      if (tdec.empty) {
        const [n, ch] = pre.shape as [number, number];
        [xt] = HDecLayer(b, `tdecoder.${index - offset}`, g.reshape(pre, [n, ch, -1]), null, inputT, tdec);
      } else {
        [xt] = HDecLayer(b, `tdecoder.${index - offset}`, xt, savedT.pop()!, inputT, tdec);
      }
    }
  });

  const specOut = g.add(g.mul(g.reshape(x, [batch, sources, x.shape[1]! / sources, fq, -1]), g.reshape(f.std, [batch, 1, 1, 1, 1])), g.reshape(f.mean, [batch, 1, 1, 1, 1]));
  const waveOut = g.add(g.mul(g.reshape(xt, [batch, sources, xt.shape[1]! / sources, -1]), g.reshape(t.std, [batch, 1, 1, 1])), g.reshape(t.mean, [batch, 1, 1, 1]));
  return [specOut, waveOut];
}
