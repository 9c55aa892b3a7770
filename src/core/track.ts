/**
 * What a separation reads and what it yields: a stereo track read chunk by chunk, and regions
 * of finished stems. Shared by the separator and what wraps its output (consistent.ts).
 */
import { measureTrack, type NormStats } from './normalize.ts';

/** A stereo track the separator reads from, chunk by chunk. */
export interface TrackSource {
  /** Samples per channel. */
  readonly length: number;
  /** Normalisation statistics of the whole track (see normalize.ts). */
  readonly stats: NormStats;
  /**
   * Fills `left` and `right` with track samples [start, start + left.length); positions
   * outside [0, length) are zeros.
   */
  read(start: number, left: Float32Array, right: Float32Array): void | Promise<void>;
}

/** A track held in memory as a TrackSource (statistics measured once, here). */
export function memorySource(left: Float32Array, right: Float32Array): TrackSource {
  return {
    length: left.length,
    stats: measureTrack(left, right),
    read(start, l, r) {
      const from = Math.max(0, start);
      const to = Math.min(left.length, start + l.length);
      l.fill(0);
      r.fill(0);
      if (to > from) {
        l.set(left.subarray(from, to), from - start);
        r.set(right.subarray(from, to), from - start);
      }
    },
  };
}

/** Finished stems for track samples [start, start + length). */
export interface StemRegion {
  readonly start: number;
  readonly length: number;
  /** `channels[s][c]`: stem s (of `stems`), channel c. */
  readonly channels: Float32Array[][];
}
