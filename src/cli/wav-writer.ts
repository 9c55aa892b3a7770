import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { CHANNELS, SAMPLE_RATE } from '../core/constants.ts';

export type WavFormat = 'wav16' | 'wav24' | 'f32';
export const WAV_FORMATS: readonly WavFormat[] = ['wav16', 'wav24', 'f32'];

const BYTES: Record<WavFormat, number> = { wav16: 2, wav24: 3, f32: 4 };
/** WAVE format tags: 1 = integer PCM, 3 = IEEE float. */
const TAG: Record<WavFormat, number> = { wav16: 1, wav24: 1, f32: 3 };

/**
 * A stereo 44.1 kHz WAV written region by region, for a length known in advance (the
 * separator knows the track's length before the first region). Written to `<path>.part`
 * and renamed when complete, so an interrupted run never leaves a file that looks whole.
 * Integer formats clamp to [-1, 1) and count the clamped samples; f32 is written unclipped.
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
    const n = left.length;
    let bytes: Uint8Array;
    if (this.#format === 'f32') {
      const out = new Float32Array(CHANNELS * n);
      for (let i = 0; i < n; i++) {
        out[2 * i] = left[i]!;
        out[2 * i + 1] = right[i]!;
      }
      bytes = new Uint8Array(out.buffer);
    } else if (this.#format === 'wav16') {
      const out = new Int16Array(CHANNELS * n);
      this.#clipped += quantise(left, out, 0, 32768) + quantise(right, out, 1, 32768);
      bytes = new Uint8Array(out.buffer);
    } else {
      const ints = new Int32Array(CHANNELS * n);
      this.#clipped += quantise(left, ints, 0, 8388608) + quantise(right, ints, 1, 8388608);
      bytes = new Uint8Array(3 * ints.length);
      for (let i = 0, at = 0; i < ints.length; i++, at += 3) {
        const v = ints[i]!;
        bytes[at] = v & 0xff;
        bytes[at + 1] = (v >> 8) & 0xff;
        bytes[at + 2] = (v >> 16) & 0xff;
      }
    }
    this.#written += n;
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

/**
 * Rounds `x` to integers of full scale `full` (half away from zero) into every other slot of
 * `out` from `first`, clamping to [-full, full - 1]; returns how many were clamped (NaN → 0).
 */
function quantise(x: Float32Array, out: Int16Array | Int32Array, first: number, full: number): number {
  let clipped = 0;
  const top = full - 1;
  for (let i = 0, at = first; i < x.length; i++, at += 2) {
    const v = x[i]! * full;
    if (v < full - 0.5 && v >= -full) {
      out[at] = v < 0 ? (v - 0.5) | 0 : (v + 0.5) | 0;
    } else {
      clipped++;
      out[at] = v >= 0 ? top : v < 0 ? -full : 0;
    }
  }
  return clipped;
}

/** The 44-byte RIFF/WAVE header of a stereo 44.1 kHz file of `frames` frames. */
export function wavHeader(format: WavFormat, frames: number): Buffer {
  const size = BYTES[format];
  const dataBytes = frames * CHANNELS * size;
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(TAG[format], 20);
  h.writeUInt16LE(CHANNELS, 22);
  h.writeUInt32LE(SAMPLE_RATE, 24);
  h.writeUInt32LE(SAMPLE_RATE * CHANNELS * size, 28);
  h.writeUInt16LE(CHANNELS * size, 32);
  h.writeUInt16LE(8 * size, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(Math.min(0xffffffff, dataBytes), 40);
  return h;
}
