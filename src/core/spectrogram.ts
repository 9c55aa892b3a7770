import FFT from 'fft.js';
import {
  CHANNELS,
  FRAMES,
  FREQ_BINS,
  HOP,
  N_FFT,
  SEGMENT,
  SPEC_CHANNELS,
  SPEC_PAD_LEFT,
  SPEC_PAD_RIGHT,
  SPEC_PADDED_LENGTH,
} from './constants.ts';

/** Elements of one complex-as-channels spectrogram: [4, 2048, 336]. */
export const SPEC_SIZE = SPEC_CHANNELS * FREQ_BINS * FRAMES;

/** Periodic Hann window of length N_FFT, as torch.hann_window(N_FFT). */
export function hannWindow(length = N_FFT): Float64Array {
  const w = new Float64Array(length);
  for (let n = 0; n < length; n++) w[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / length);
  return w;
}

/**
 * The spectrogram branch of htdemucs around the network (`_spec` and `_ispec`) for one
 * segment, stereo at once: the two channels share one complex FFT per frame (x = L + iR),
 * and two inverse transforms share one the same way.
 *
 * Frames: the chunk is reflect-padded by 1536 left and 1620 right; frame f (of the 336 the
 * network sees) covers padded samples [f*HOP, f*HOP + N_FFT). The centred STFT's own reflect
 * padding lies only under the frames the network drops, so it never needs computing.
 */
export class Spectrogram {
  readonly #fft = new FFT(N_FFT);
  readonly #window = hannWindow();
  /** Inverse synthesis gain per frame sample: window / (summed squared window) * sqrt(N)/N. */
  readonly #synthesis = new Float64Array(N_FFT);
  readonly #padded = [new Float32Array(SPEC_PADDED_LENGTH), new Float32Array(SPEC_PADDED_LENGTH)];
  readonly #time = new Float64Array(2 * N_FFT);
  readonly #freq = new Float64Array(2 * N_FFT);

  constructor() {
    const w = this.#window;
    // Summed squared window of the overlap-add, by position within a hop. Every sample the
    // network keeps is covered by N_FFT / HOP frames, so this holds across the whole segment.
    const envelope = new Float64Array(HOP);
    for (let n = 0; n < N_FFT; n++) envelope[n % HOP]! += w[n]! * w[n]!;
    const scale = Math.sqrt(N_FFT) / N_FFT;
    for (let n = 0; n < N_FFT; n++) this.#synthesis[n] = (w[n]! * scale) / envelope[n % HOP]!;
  }

  /**
   * CaC spectrogram of a stereo chunk. `mix` is planar [2, SEGMENT]; `out` receives
   * [4, FREQ_BINS, FRAMES] with channels [L.re, L.im, R.re, R.im], normalized (× 1/√N_FFT).
   */
  forward(mix: Float32Array, out: Float32Array): void {
    const [padL, padR] = this.#padded as [Float32Array, Float32Array];
    reflectPad(mix.subarray(0, SEGMENT), padL);
    reflectPad(mix.subarray(SEGMENT, 2 * SEGMENT), padR);
    const w = this.#window;
    const time = this.#time;
    const freq = this.#freq;
    const norm = 1 / Math.sqrt(N_FFT);
    const half = 0.5 * norm;
    const plane = FREQ_BINS * FRAMES;
    for (let f = 0; f < FRAMES; f++) {
      const start = f * HOP;
      for (let n = 0; n < N_FFT; n++) {
        const wn = w[n]!;
        time[2 * n] = wn * padL[start + n]!;
        time[2 * n + 1] = wn * padR[start + n]!;
      }
      this.#fft.transform(freq, time);
      // Unpack the two real spectra: L[k] = (Z[k] + conj Z[N-k]) / 2, R[k] = (Z[k] - conj Z[N-k]) / 2i.
      let o = f;
      for (let k = 0; k < FREQ_BINS; k++, o += FRAMES) {
        const m = (N_FFT - k) & (N_FFT - 1);
        const zr = freq[2 * k]!;
        const zi = freq[2 * k + 1]!;
        const cr = freq[2 * m]!;
        const ci = freq[2 * m + 1]!;
        out[o] = (zr + cr) * half;
        out[o + plane] = (zi - ci) * half;
        out[o + 2 * plane] = (zi + ci) * half;
        out[o + 3 * plane] = (cr - zr) * half;
      }
    }
  }

  /**
   * Adds `gain ×` the inverse of one stem's CaC spectrogram to `out` (planar [2, SEGMENT]).
   * `spec` holds [.., 4, FREQ_BINS, FRAMES] blocks; `specOffset` points at the stem's block.
   * The Nyquist bin and the 2 + 2 frames the network never sees are zero, as in `_ispec`.
   */
  inverseAdd(spec: Float32Array, specOffset: number, out: Float32Array, gain = 1): void {
    const time = this.#time;
    const freq = this.#freq;
    const g = this.#synthesis;
    const plane = FREQ_BINS * FRAMES;
    const outR = SEGMENT;
    freq.fill(0);
    for (let f = 0; f < FRAMES; f++) {
      // Y = L + iR, Hermitian halves filled from bins 1..2047; conjugated so that the forward
      // transform computes N · IFFT(Y)* (no separate inverse and scaling pass).
      let o = specOffset + f;
      for (let k = 0; k < FREQ_BINS; k++, o += FRAMES) {
        const lr = spec[o]!;
        const li = spec[o + plane]!;
        const rr = spec[o + 2 * plane]!;
        const ri = spec[o + 3 * plane]!;
        if (k === 0) {
          // A real inverse ignores the imaginary part of the DC bin (as irfft does).
          freq[0] = lr;
          freq[1] = -rr;
        } else {
          // Y[k] = (lr - ri) + i (li + rr); stored conjugated.
          freq[2 * k] = lr - ri;
          freq[2 * k + 1] = -(li + rr);
          // Y[N-k] = conj(L[k]) + i conj(R[k]) = (lr + ri) + i (rr - li); conjugated.
          const m = N_FFT - k;
          freq[2 * m] = lr + ri;
          freq[2 * m + 1] = li - rr;
        }
      }
      this.#fft.transform(time, freq);
      // time = conj(N · y): real part is N·yL, imaginary part is -N·yR.
      const start = f * HOP - SPEC_PAD_LEFT;
      const n0 = Math.max(0, -start);
      const n1 = Math.min(N_FFT, SEGMENT - start);
      for (let n = n0; n < n1; n++) {
        const s = g[n]! * gain;
        out[start + n]! += time[2 * n]! * s;
        out[outR + start + n]! -= time[2 * n + 1]! * s;
      }
    }
  }
}

/** Reflect padding of one channel (no edge repeat, as torch's 'reflect'). */
function reflectPad(x: Float32Array, out: Float32Array): void {
  out.set(x, SPEC_PAD_LEFT);
  for (let i = 1; i <= SPEC_PAD_LEFT; i++) out[SPEC_PAD_LEFT - i] = x[i]!;
  const last = x.length - 1;
  for (let i = 1; i <= SPEC_PAD_RIGHT; i++) out[SPEC_PAD_LEFT + last + i] = x[last - i]!;
}

/** Channels per stem in the time domain. */
export const WAVE_SIZE = CHANNELS * SEGMENT;
