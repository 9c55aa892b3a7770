import { CHANNELS, FREQ_BINS, HOP, SEGMENT, SPEC_CHANNELS } from './constants.ts';
import { DemucsError } from './errors.ts';

/**
 * The sizes of one network run, all following from the model's segment length (its input
 * shapes, or its manifest): htdemucs' `_spec` pads the chunk to whole hops and keeps
 * ceil(segment / HOP) frames. The released models have a 7.8 s segment; the converter writes
 * shorter ones for live mode.
 */
export interface Geometry {
  /** Samples per channel the network takes and returns. */
  readonly segment: number;
  /** Spectrogram frames the network sees: ceil(segment / HOP). */
  readonly frames: number;
  /** Reflect padding before the STFT, left: 3 · HOP / 2. */
  readonly padLeft: number;
  /** Reflect padding before the STFT, right: to a whole number of hops, plus padLeft. */
  readonly padRight: number;
  /** Length of the reflect-padded chunk the STFT runs over. */
  readonly paddedLength: number;
  /** Elements of one complex-as-channels spectrogram [4, FREQ_BINS, frames]. */
  readonly specSize: number;
  /** Elements of one stem's waveform [2, segment]. */
  readonly waveSize: number;
}

/** The shortest segment we take: `_spec`'s reflect padding (up to 2559 samples) must be shorter. */
export const MIN_SEGMENT = 4 * HOP;

export function geometryOf(segment: number): Geometry {
  if (!Number.isInteger(segment) || segment < MIN_SEGMENT) {
    throw new DemucsError('MODEL_CONTRACT', `a segment of ${segment} samples is not a whole number of at least ${MIN_SEGMENT}`);
  }
  const frames = Math.ceil(segment / HOP);
  const padLeft = (3 * HOP) / 2;
  const padRight = padLeft + frames * HOP - segment;
  return {
    segment,
    frames,
    padLeft,
    padRight,
    paddedLength: segment + padLeft + padRight,
    specSize: SPEC_CHANNELS * FREQ_BINS * frames,
    waveSize: CHANNELS * segment,
  };
}

/** The released htdemucs models' geometry (7.8 s). */
export const HTDEMUCS_GEOMETRY = geometryOf(SEGMENT);

/**
 * A model's segment from what it says about itself: its input shapes (`declared`, null when
 * symbolic) and its manifest's `segment` (samples). They must agree; with neither, the
 * released models' 7.8 s. A model whose shapes are symbolic runs any window: `window`, when
 * given (live mode's shorter one), else the manifest's.
 */
export function resolveGeometry(declared: number | null, manifest: number | undefined, label: string, window?: number): Geometry {
  if (declared !== null && manifest !== undefined && declared !== manifest) {
    throw new DemucsError('MODEL_CONTRACT', `${label} takes segments of ${declared} samples but its manifest says ${manifest}`);
  }
  return geometryOf(declared ?? window ?? manifest ?? SEGMENT);
}
