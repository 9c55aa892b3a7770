import libsamplerate from '@alexanderolsen/libsamplerate-js';
import type { SRC } from '@alexanderolsen/libsamplerate-js/dist/src.js';

/**
 * Streaming stereo resampling with libsamplerate (SRC_SINC_BEST_QUALITY, compiled to WASM).
 * libsamplerate's output is time-aligned with its input but holds back the filter's
 * look-ahead; `finish()` flushes it with silence and trims the total to
 * round(inputFrames × ratio) frames.
 */
/** Interleaved samples fed to libsamplerate at once. */
const PIECE = 2 * 65536;

// A CommonJS module: its named exports exist only on the default export under Node's ESM.
const { ConverterType, create } = libsamplerate;

export class StereoResampler {
  readonly #src: SRC;
  readonly #ratio: number;
  #inFrames = 0;
  #outFrames = 0;

  private constructor(src: SRC, ratio: number) {
    this.#src = src;
    this.#ratio = ratio;
  }

  static async create(inputRate: number, outputRate: number): Promise<StereoResampler> {
    const src = await create(2, inputRate, outputRate, { converterType: ConverterType.SRC_SINC_BEST_QUALITY });
    return new StereoResampler(src, outputRate / inputRate);
  }

  /** Resamples interleaved stereo frames; returns the interleaved frames ready so far. */
  push(interleaved: Float32Array): Float32Array[] {
    this.#inFrames += interleaved.length / 2;
    const outs: Float32Array[] = [];
    // libsamplerate-js copies through a fixed-size WASM buffer: feed it in modest pieces.
    for (let at = 0; at < interleaved.length; at += PIECE) {
      const out = this.#src.full(interleaved.subarray(at, at + PIECE));
      this.#outFrames += out.length / 2;
      outs.push(out);
    }
    return outs;
  }

  /** The held-back frames, then frees the resampler. */
  finish(): Float32Array {
    const expected = Math.round(this.#inFrames * this.#ratio);
    const parts: Float32Array[] = [];
    let missing = expected - this.#outFrames;
    const silence = new Float32Array(2 * 8192);
    for (let round = 0; missing > 0 && round < 64; round++) {
      const out = this.#src.full(silence);
      const take = Math.min(missing, out.length / 2);
      parts.push(out.subarray(0, 2 * take));
      missing -= take;
    }
    this.#src.destroy();
    const total = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      total.set(p, at);
      at += p.length;
    }
    this.#outFrames += total.length / 2;
    return total;
  }
}
