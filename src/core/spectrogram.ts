import { CHANNELS, FREQ_BINS, HOP, N_FFT } from './constants.ts';
import { createRealFft, type RealFft } from './fft.ts';
import { HTDEMUCS_GEOMETRY, type Geometry } from './geometry.ts';

/** Periodic Hann window of length N_FFT, as torch.hann_window(N_FFT). */
export function hannWindow(length = N_FFT): Float64Array {
  const w = new Float64Array(length);
  for (let n = 0; n < length; n++) w[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / length);
  return w;
}

/**
 * The spectrogram branch of htdemucs around the network (`_spec` and `_ispec`) for one
 * segment, on a real FFT (PFFFT in WebAssembly, see fft.ts).
 *
 * Frames: the chunk is reflect-padded by `padLeft` (1536) and `padRight` (1620 for 7.8 s);
 * frame f (of the `frames`, 336, the network sees) covers padded samples [f*HOP, f*HOP + N_FFT).
 * The centred STFT's own reflect padding lies only under the frames the network drops, so it
 * never needs computing.
 */
export class Spectrogram {
  readonly geometry: Geometry;
  readonly #fft: RealFft;
  readonly #window = hannWindow();
  /** Inverse synthesis gain per frame sample: window / (summed squared window) × √N / N. */
  readonly #synthesis = new Float32Array(N_FFT);
  readonly #padded: Float32Array;

  private constructor(fft: RealFft, geometry: Geometry) {
    this.#fft = fft;
    this.geometry = geometry;
    this.#padded = new Float32Array(geometry.paddedLength);
    const w = this.#window;
    // Summed squared window of the overlap-add, by position within a hop. Every sample the
    // network keeps is covered by N_FFT / HOP frames, so this holds across the whole segment.
    const envelope = new Float64Array(HOP);
    for (let n = 0; n < N_FFT; n++) envelope[n % HOP]! += w[n]! * w[n]!;
    const scale = Math.sqrt(N_FFT) / N_FFT;
    for (let n = 0; n < N_FFT; n++) this.#synthesis[n] = (w[n]! * scale) / envelope[n % HOP]!;
  }

  static async create(geometry: Geometry = HTDEMUCS_GEOMETRY): Promise<Spectrogram> {
    return new Spectrogram(await createRealFft(N_FFT), geometry);
  }

  /**
   * CaC spectrogram of a stereo chunk. `mix` is planar [2, segment]; `out` receives
   * [4, FREQ_BINS, frames] with channels [L.re, L.im, R.re, R.im], normalized (× 1/√N_FFT).
   */
  forward(mix: Float32Array, out: Float32Array): void {
    const { input, output } = this.#fft;
    const padded = this.#padded;
    const w = this.#window;
    const norm = 1 / Math.sqrt(N_FFT);
    const { segment, frames, padLeft, padRight } = this.geometry;
    const plane = FREQ_BINS * frames;
    for (let c = 0; c < CHANNELS; c++) {
      reflectPad(mix.subarray(c * segment, (c + 1) * segment), padded, padLeft, padRight);
      const re = 2 * c * plane;
      const im = re + plane;
      for (let f = 0; f < frames; f++) {
        const start = f * HOP;
        for (let n = 0; n < N_FFT; n++) input[n] = w[n]! * padded[start + n]!;
        this.#fft.forward();
        out[re + f] = output[0]! * norm;
        out[im + f] = 0;
        for (let k = 1, o = frames + f; k < FREQ_BINS; k++, o += frames) {
          out[re + o] = output[2 * k]! * norm;
          out[im + o] = output[2 * k + 1]! * norm;
        }
      }
    }
  }

  /**
   * Adds `gain ×` the inverse of one stem's CaC spectrogram to `out` (planar [2, segment]).
   * `spec` holds [.., 4, FREQ_BINS, frames] blocks; `specOffset` points at the stem's block.
   * The Nyquist bin, the imaginary part of DC (as irfft) and the 2 + 2 frames the network
   * never sees are zero, as in `_ispec`.
   */
  inverseAdd(spec: Float32Array, specOffset: number, out: Float32Array, gain = 1): void {
    const { input, output } = this.#fft;
    const g = this.#synthesis;
    const { segment, frames, padLeft } = this.geometry;
    const plane = FREQ_BINS * frames;
    for (let c = 0; c < CHANNELS; c++) {
      const re = specOffset + 2 * c * plane;
      const im = re + plane;
      const dst = c * segment;
      for (let f = 0; f < frames; f++) {
        input[0] = spec[re + f]!;
        input[1] = 0;
        for (let k = 1, o = frames + f; k < FREQ_BINS; k++, o += frames) {
          input[2 * k] = spec[re + o]!;
          input[2 * k + 1] = spec[im + o]!;
        }
        this.#fft.inverse();
        const start = f * HOP - padLeft;
        const n0 = Math.max(0, -start);
        const n1 = Math.min(N_FFT, segment - start);
        const at = dst + start;
        for (let n = n0; n < n1; n++) out[at + n]! += output[n]! * g[n]! * gain;
      }
    }
  }

  /** Frees the FFT's WebAssembly buffers. */
  dispose(): void {
    this.#fft.dispose();
  }
}

/** Reflect padding of one channel (no edge repeat, as torch's 'reflect'). */
function reflectPad(x: Float32Array, out: Float32Array, left: number, right: number): void {
  out.set(x, left);
  for (let i = 1; i <= left; i++) out[left - i] = x[i]!;
  const last = x.length - 1;
  for (let i = 1; i <= right; i++) out[left + last + i] = x[last - i]!;
}
