import { NORM_EPSILON } from './constants.ts';
import { DemucsError } from './errors.ts';

/**
 * Track-level normalisation of api.py: statistics of the mono reference `(L + R) / 2`,
 * rounded to float32 as torch's float32 reductions give them.
 */
export interface NormStats {
  /** Mean of the mono reference (float32). */
  readonly mean: number;
  /** Unbiased (N - 1) standard deviation of the mono reference (float32); 0 below two samples. */
  readonly std: number;
}

/** The divisor of the normalisation and the factor of the de-normalisation: float32(std + 1e-8). */
export function normScale(stats: NormStats): number {
  return Math.fround(stats.std + NORM_EPSILON);
}

/**
 * Streaming mean and variance of the mono reference (Chan's parallel update of Welford's
 * algorithm in float64), so a track can be measured block by block while it is decoded.
 * Rejects NaN and infinities: they would poison every stem.
 */
export class StatsAccumulator {
  #count = 0;
  #mean = 0;
  #m2 = 0;

  /** Adds `length` samples of a stereo block (defaults to the whole arrays). */
  add(left: Float32Array, right: Float32Array, length = left.length, startIndex = this.#count): void {
    if (length === 0) return;
    let sum = 0;
    for (let i = 0; i < length; i++) {
      const ref = Math.fround((left[i]! + right[i]!) / 2);
      if (!Number.isFinite(ref)) {
        throw new DemucsError('AUDIO_NOT_FINITE', `audio holds a non-finite sample (NaN or infinity) at sample ${startIndex + i}`);
      }
      sum += ref;
    }
    const blockMean = sum / length;
    let blockM2 = 0;
    for (let i = 0; i < length; i++) {
      const d = Math.fround((left[i]! + right[i]!) / 2) - blockMean;
      blockM2 += d * d;
    }
    const total = this.#count + length;
    const delta = blockMean - this.#mean;
    this.#mean += (delta * length) / total;
    this.#m2 += blockM2 + (delta * delta * this.#count * length) / total;
    this.#count = total;
  }

  get count(): number {
    return this.#count;
  }

  result(): NormStats {
    const std = this.#count > 1 ? Math.sqrt(this.#m2 / (this.#count - 1)) : 0;
    return { mean: Math.fround(this.#mean), std: Math.fround(std) };
  }
}

/** Statistics of a whole stereo track held in memory. */
export function measureTrack(left: Float32Array, right: Float32Array): NormStats {
  const acc = new StatsAccumulator();
  acc.add(left, right);
  return acc.result();
}
