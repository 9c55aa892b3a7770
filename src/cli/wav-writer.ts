import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { encodeFrames, wavHeader, type WavFormat } from '../core/wav.ts';

export { WAV_FORMATS, type WavFormat } from '../core/wav.ts';

/**
 * A stereo 44.1 kHz WAV written region by region, for a length known in advance (the
 * separator knows the track's length before the first region). Written to `<path>.part`
 * and renamed when complete, so an interrupted run never leaves a file that looks whole.
 */
export class WavWriter {
  readonly path: string;
  readonly #part: string;
  readonly #format: WavFormat;
  readonly #fd: number;
  readonly #frames: number;
  #written = 0;
  #clipped = 0;

  constructor(path: string, format: WavFormat, frames: number) {
    this.path = path;
    this.#part = `${path}.part`;
    this.#format = format;
    this.#frames = frames;
    this.#fd = openSync(this.#part, 'w');
    this.#write(wavHeader(format, frames));
  }

  /** Samples clamped so far (integer formats). */
  get clipped(): number {
    return this.#clipped;
  }

  /** Appends frames of the two channels. */
  append(left: Float32Array, right: Float32Array): void {
    const { bytes, clipped } = encodeFrames(left, right, this.#format);
    this.#clipped += clipped;
    this.#written += left.length;
    this.#write(bytes);
  }

  /** Closes the file and gives it its final name; the length must be complete. */
  finish(): void {
    closeSync(this.#fd);
    if (this.#written !== this.#frames) {
      unlinkSync(this.#part);
      throw new Error(`wrote ${this.#written} of ${this.#frames} frames to ${this.path}`);
    }
    renameSync(this.#part, this.path);
  }

  /** Drops an unfinished file. */
  abort(): void {
    try {
      closeSync(this.#fd);
    } catch {
      // already closed
    }
    try {
      unlinkSync(this.#part);
    } catch {
      // already gone
    }
  }

  #write(bytes: Uint8Array): void {
    for (let done = 0; done < bytes.length; ) done += writeSync(this.#fd, bytes, done, bytes.length - done);
  }
}
