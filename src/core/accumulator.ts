import { CHANNELS } from './constants.ts';

/**
 * The overlap-add of one pass (one shift), kept only over the span still in play: samples
 * before `keepFrom` are dropped as the pass moves on, so memory does not grow with the track.
 * Positions are pass positions; `lanes` = requested stems × CHANNELS.
 */
export class PassAccumulator {
  readonly #lanes: number;
  readonly #weight: Float32Array;
  /** Samples per channel of a network output (the segment). */
  readonly #segment: number;
  #sums: Float32Array[];
  #weightSum: Float32Array;
  /** Pass position of index 0 of the arrays. */
  #base = 0;

  /** `weight` is the segment's overlap-add weight (triangleWeight); it gives the segment length. */
  constructor(stems: number, weight: Float32Array, capacity = 2 * weight.length) {
    this.#lanes = stems * CHANNELS;
    this.#weight = weight;
    this.#segment = weight.length;
    this.#sums = Array.from({ length: this.#lanes }, () => new Float32Array(capacity));
    this.#weightSum = new Float32Array(capacity);
  }

  /** Makes room for [offset, offset + length), dropping what lies before `keepFrom`. */
  reserve(offset: number, length: number, keepFrom: number): void {
    const capacity = this.#weightSum.length;
    if (offset + length - this.#base <= capacity) return;
    const drop = Math.max(0, Math.min(keepFrom, offset) - this.#base);
    const kept = Math.max(0, capacity - drop);
    const need = offset + length - (this.#base + drop);
    const size = need > capacity ? Math.max(need, 2 * capacity) : capacity;
    const move = (a: Float32Array): Float32Array => {
      if (size === capacity) {
        a.copyWithin(0, drop);
        a.fill(0, kept);
        return a;
      }
      const b = new Float32Array(size);
      b.set(a.subarray(drop));
      return b;
    };
    this.#sums = this.#sums.map(move);
    this.#weightSum = move(this.#weightSum);
    this.#base += drop;
  }

  /** Adds the weights of a chunk of `length` kept samples at `offset`. */
  addWeights(offset: number, length: number): void {
    const w = this.#weight;
    const sum = this.#weightSum;
    const at = offset - this.#base;
    for (let j = 0; j < length; j++) sum[at + j]! += w[j]!;
  }

  /**
   * Adds `gain × weight ×` one stem of a network output: `y` is planar [2, segment] and its
   * samples [trim, trim + length) are the chunk's kept ones.
   */
  addStem(stem: number, offset: number, length: number, trim: number, y: Float32Array, gain: number): void {
    const w = this.#weight;
    const at = offset - this.#base;
    for (let c = 0; c < CHANNELS; c++) {
      const lane = this.#sums[stem * CHANNELS + c]!;
      const src = c * this.#segment + trim;
      for (let j = 0; j < length; j++) lane[at + j]! += w[j]! * gain * y[src + j]!;
    }
  }

  /** Adds `scale ×` the finished average of [from, from + length) of a lane to `out` at `outOffset`. */
  readInto(stem: number, channel: number, from: number, length: number, scale: number, out: Float32Array, outOffset: number): void {
    const lane = this.#sums[stem * CHANNELS + channel]!;
    const sum = this.#weightSum;
    const at = from - this.#base;
    for (let j = 0; j < length; j++) out[outOffset + j]! += (scale * lane[at + j]!) / sum[at + j]!;
  }
}
