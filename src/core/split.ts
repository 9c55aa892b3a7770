import { MAX_SHIFT } from './constants.ts';
import { DemucsError } from './errors.ts';

/**
 * How apply.py cuts a track into model-sized chunks: one pass per shift, each pass a
 * window of the (zero-extended) track split at `stride` with centred padding.
 */

/** One network call: a chunk of a pass and where its padded input comes from. */
export interface ChunkPlan {
  /** Offset of the chunk inside its pass. */
  readonly offset: number;
  /** Samples of the chunk that count (≤ the segment). */
  readonly length: number;
  /** First track sample of the segment-long padded input (may be negative: zeros there). */
  readonly readStart: number;
  /** Output samples dropped before the `length` kept ones (center_trim). */
  readonly trim: number;
}

/** One shift of the track: a window of it, split into chunks. */
export interface PassPlan {
  /** Track sample at which pass position 0 lies (negative: before the track). */
  readonly start: number;
  /** Length of the pass window. */
  readonly length: number;
  readonly chunks: readonly ChunkPlan[];
}

/** Hop between chunk starts for an overlap ratio (int((1 - overlap) * segment)). */
export function strideFor(overlap: number, segment: number): number {
  if (!(overlap >= 0 && overlap < 1)) {
    throw new DemucsError('BAD_ARGUMENT', `overlap must be at least 0 and below 1, got ${overlap}`);
  }
  const stride = Math.floor((1 - overlap) * segment);
  if (stride < 1) throw new DemucsError('BAD_ARGUMENT', `overlap ${overlap} leaves no stride`);
  return stride;
}

/** Triangle weight [1, 2, …, SEG/2, SEG - SEG/2, …, 1] / max of the overlap-add (transition power 1). */
export function triangleWeight(segment: number): Float32Array {
  const half = Math.floor(segment / 2);
  const peak = segment - half;
  const w = new Float32Array(segment);
  for (let i = 0; i < half; i++) w[i] = (i + 1) / peak;
  for (let i = half; i < segment; i++) w[i] = (segment - i) / peak;
  return w;
}

/** Chunks of a pass of `length` samples whose position 0 is track sample `start`. */
export function planPass(start: number, length: number, stride: number, segment: number): PassPlan {
  const chunks: ChunkPlan[] = [];
  for (let offset = 0; offset < length; offset += stride) {
    const chunkLength = Math.min(segment, length - offset);
    const trim = Math.floor((segment - chunkLength) / 2);
    chunks.push({ offset, length: chunkLength, readStart: start + offset - trim, trim });
  }
  return { start, length, chunks };
}

/**
 * The passes of apply_model for a track of `trackLength` samples: one unshifted pass when
 * `shiftOffsets` is empty, else one per offset in [0, MAX_SHIFT]: the track padded with
 * MAX_SHIFT zeros each side, read from `offset` on for `trackLength + MAX_SHIFT - offset`.
 */
export function planPasses(trackLength: number, shiftOffsets: readonly number[], stride: number, segment: number): PassPlan[] {
  if (shiftOffsets.length === 0) return [planPass(0, trackLength, stride, segment)];
  return shiftOffsets.map((offset) => {
    if (!Number.isInteger(offset) || offset < 0 || offset > MAX_SHIFT) {
      throw new DemucsError('BAD_ARGUMENT', `shift offsets must be whole numbers from 0 to ${MAX_SHIFT}, got ${offset}`);
    }
    return planPass(offset - MAX_SHIFT, trackLength + MAX_SHIFT - offset, stride, segment);
  });
}

/**
 * Seeded shift offsets, uniform in [0, MAX_SHIFT] like random.randint(0, MAX_SHIFT).
 * The generator is splitmix32: small, fast and the same on every platform.
 */
export function randomShiftOffsets(count: number, seed: number): number[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return ((z ^ (z >>> 15)) >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => Math.floor(next() * (MAX_SHIFT + 1)));
}
