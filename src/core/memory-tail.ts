/**
 * Audio the browser's storage refused, kept in memory instead: the frames of one or more
 * tracks (interleaved float32 stereo, as in the files on disk) from the frame where the disk
 * stopped, contiguous, within a byte budget. Where a private window's storage (itself held in
 * memory, with a quota the page cannot read) or a full disk ends, the song goes on here.
 */
import { CHANNELS } from './constants.ts';

/** Bytes of one frame of one track (float32 stereo). */
export const FRAME_BYTES = CHANNELS * Float32Array.BYTES_PER_ELEMENT;

/** The largest memory budget for audio the storage refused (1 GiB). */
export const MEMORY_BUDGET_BYTES = 2 ** 30;

/**
 * The memory budget on a device with `deviceMemory` GB (by default the browser's rounded figure,
 * `navigator.deviceMemory`, absent in some browsers and in Node): an eighth of it, at most
 * MEMORY_BUDGET_BYTES (reached at 8 GB and above).
 */
export function memoryBudget(deviceMemory = (globalThis as { navigator?: { deviceMemory?: number } }).navigator?.deviceMemory): number {
  if (!deviceMemory || !(deviceMemory > 0)) return MEMORY_BUDGET_BYTES;
  return Math.min(MEMORY_BUDGET_BYTES, Math.round((deviceMemory * 2 ** 30) / 8));
}

interface Piece {
  readonly start: number;
  readonly frames: number;
  /** One interleaved stereo array per track. */
  readonly tracks: readonly Float32Array[];
}

export class MemoryTail {
  /** The first frame kept here (where the disk stopped). */
  readonly from: number;
  readonly budget: number;
  readonly #tracks: number;
  readonly #pieces: Piece[] = [];
  #end: number;

  constructor(tracks: number, from: number, budget: number) {
    this.#tracks = tracks;
    this.from = from;
    this.budget = budget;
    this.#end = from;
  }

  /** The frame after the last one kept. */
  get end(): number {
    return this.#end;
  }

  /** Bytes kept. */
  get bytes(): number {
    return (this.#end - this.from) * this.#tracks * FRAME_BYTES;
  }

  /** Whether `frames` more frames would stay within the budget. */
  fits(frames: number): boolean {
    return this.bytes + frames * this.#tracks * FRAME_BYTES <= this.budget;
  }

  /**
   * Keeps frames at `start` (the end of what is kept): one interleaved stereo array per track,
   * kept as given (not copied). False, keeping nothing, when they would pass the budget.
   */
  append(start: number, tracks: readonly Float32Array[]): boolean {
    if (start !== this.#end) throw new RangeError(`frames at ${start} do not follow those kept (up to ${this.#end})`);
    if (tracks.length !== this.#tracks) throw new RangeError(`${tracks.length} tracks, not ${this.#tracks}`);
    const frames = tracks[0]!.length / CHANNELS;
    if (!this.fits(frames)) return false;
    this.#pieces.push({ start, frames, tracks });
    this.#end += frames;
    return true;
  }

  /**
   * Copies what is kept of `track` into `view` (interleaved stereo from frame `at`); frames of
   * `view` outside what is kept are left as they are.
   */
  read(track: number, view: Float32Array, at: number): void {
    const to = at + view.length / CHANNELS;
    if (to <= this.from || at >= this.#end) return;
    for (let p = this.#first(at); p < this.#pieces.length; p++) {
      const piece = this.#pieces[p]!;
      if (piece.start >= to) break;
      const from = Math.max(at, piece.start);
      const until = Math.min(to, piece.start + piece.frames);
      const source = piece.tracks[track]!.subarray((from - piece.start) * CHANNELS, (until - piece.start) * CHANNELS);
      view.set(source, (from - at) * CHANNELS);
    }
  }

  /** The index of the piece holding frame `at` (or the first after it). */
  #first(at: number): number {
    let lo = 0;
    let hi = this.#pieces.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const piece = this.#pieces[mid]!;
      if (piece.start + piece.frames <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
