/**
 * A Demucs checkpoint → our ONNX contract: the checks (class, kwargs, keys, shapes), the
 * graph, and what the manifest says about it. Environment-free: bytes in, bytes out.
 */
import { DemucsError, isDemucsError } from '../core/errors.ts';
import type { Checkpoint } from './checkpoint.ts';
import { HTDemucs } from './htdemucs.ts';
import { int8Products } from './int8-products.ts';
import { resolveKwargs, type HTDemucsConfig } from './kwargs.ts';
import { OnnxGraph } from './onnx-graph.ts';
import { Weights } from './weights.ts';

export type Precision = 'fp16' | 'fp32' | 'int8';

export interface ConvertOptions {
  /**
   * fp16: weights trained in fp16 stay fp16 (with a Cast); fp32: every weight fp32; int8: as
   * fp16, with the matrix products' weights in int8 (int8-products.ts).
   */
  readonly precision: Precision;
  /**
   * A shorter window than the trained segment (seconds), for live mode; or 'any': the inputs'
   * window axes are symbolic, and the one graph runs any window (the manifest's segment, the
   * trained one, for files; a shorter one for live mode).
   */
  readonly segment?: number | 'any';
  /** kwargs for a plain state dict (a trainer's own run), or to override the checkpoint's. */
  readonly kwargs?: Record<string, unknown>;
}

export interface Converted {
  readonly onnx: Uint8Array;
  readonly config: HTDemucsConfig;
  /** Window of the network, samples (with `anyWindow`, the trained one files run); and its spectrogram frames. */
  readonly segmentSamples: number;
  /** The graph runs any window (--segment any). */
  readonly anyWindow: boolean;
  readonly frames: number;
  readonly weightBytes: number;
}

/** Other classes of the Demucs family, by their Python name. */
const OTHER_CLASSES: Record<string, string> = {
  'demucs.hdemucs.HDemucs': 'an HDemucs model (Demucs v3, hybrid)',
  'demucs.demucs.Demucs': 'a Demucs v2 model (waveform only)',
  'demucs.wdemucs.WDemucs': 'a WDemucs model',
  'demucs.tasnet.ConvTasNet': 'a Conv-TasNet model',
  'demucs.tasnet_v2.ConvTasNet': 'a Conv-TasNet model',
};

export function convertCheckpoint(checkpoint: Checkpoint, label: string, options: ConvertOptions): Converted {
  if (checkpoint.klass === null && !options.kwargs) {
    throw new DemucsError('CHECKPOINT', `${label}: a plain state dict, without the model's kwargs: pass them with --config kwargs.json`);
  }
  if (checkpoint.klass !== null && checkpoint.klass !== 'demucs.htdemucs.HTDemucs') {
    const what = OTHER_CLASSES[checkpoint.klass] ?? `a ${checkpoint.klass}`;
    throw new DemucsError('CHECKPOINT', `${label}: holds ${what}; only HTDemucs (Demucs v4) checkpoints convert`);
  }
  const config = resolveKwargs({ ...checkpoint.kwargs, ...options.kwargs }, label);
  let segmentSamples = config.segmentSamples;
  const any = options.segment === 'any';
  if (options.segment !== undefined && options.segment !== 'any') {
    const samples = Math.floor(options.segment * config.samplerate);
    if (!(samples > 0) || samples > config.segmentSamples) {
      throw new DemucsError('BAD_ARGUMENT', `--segment must be more than 0 and at most the trained ${config.segment} s, got ${options.segment}`);
    }
    segmentSamples = samples;
  }
  const hop = config.nfft / 4;
  const frames = Math.ceil(segmentSamples / hop);
  const graph = new OnnxGraph({ fp16Weights: options.precision !== 'fp32' });
  const weights = new Weights(checkpoint.state, graph, label);
  const mix = graph.input('mix', [1, config.audio_channels, segmentSamples], any ? { 2: 'samples' } : {});
  const spec = graph.input('spec', [1, 2 * config.audio_channels, config.nfft / 2, frames], any ? { 3: 'frames' } : {});
  let outputs: [ReturnType<typeof graph.input>, ReturnType<typeof graph.input>];
  try {
    outputs = HTDemucs({ g: graph, w: weights }, config, mix, spec);
  } catch (error) {
    if (isDemucsError(error)) throw error;
    throw new DemucsError('CHECKPOINT', `${label}: these kwargs do not make a network (${(error as Error).message})`);
  }
  weights.checkAllUsed();
  graph.output(outputs[0], 'spec_stems', any ? { 4: 'frames' } : {});
  graph.output(outputs[1], 'wave_stems', any ? { 3: 'samples' } : {});
  const encoded = graph.encode({ producer: 'demucs-mixer convert', docString: `HTDemucs (${config.sources.join(', ')}) from ${label}` });
  const onnx = options.precision === 'int8' ? int8Products(encoded, label).onnx : encoded;
  return { onnx, config, segmentSamples, anyWindow: any, frames, weightBytes: graph.weightBytes };
}
