/**
 * The timeline's spectrogram of a stem: magnitude columns of its mono sum, one per `hop` frames
 * (a Hann-windowed FFT of SPECTRUM_FFT at the start of each hop), in SPECTRUM_BINS linear
 * frequency bins (the FFT's bins max-pooled), as bytes: 0 = −90 dB (or less) … 255 = 0 dBFS.
 */
import { SAMPLE_RATE } from './constants.ts';
import type { ForwardFft } from './js-fft.ts';
import { hannWindow } from './spectrogram.ts';

export const SPECTRUM_FFT = 2048;
export const SPECTRUM_BINS = 256;
/** Bottom of the byte scale (dB). */
const FLOOR_DB = -90;
/** The most columns a song's spectrogram has (longer songs take a longer hop): bounded memory. */
const MAX_COLUMNS = 8192;

/** The hop (frames) of a song's spectrogram: SPECTRUM_FFT, or longer to stay within MAX_COLUMNS. */
export function spectrumHop(length: number): number {
  return SPECTRUM_FFT * Math.max(1, Math.ceil(length / (SPECTRUM_FFT * MAX_COLUMNS)));
}

/** The frequency (Hz) at the centre of a bin. */
export function binFrequency(bin: number): number {
  return ((bin + 0.5) * SAMPLE_RATE) / 2 / SPECTRUM_BINS;
}

/** The columns of one stem's spectrogram over a song: `columns` × SPECTRUM_BINS bytes. */
export class StemSpectrum {
  readonly hop: number;
  readonly columns: number;
  readonly data: Uint8Array;
  /** Whether a column holds a value (columns arrive region by region, in any order). */
  readonly filled: Uint8Array;

  constructor(length: number) {
    this.hop = spectrumHop(length);
    this.columns = Math.ceil(length / this.hop);
    this.data = new Uint8Array(this.columns * SPECTRUM_BINS);
    this.filled = new Uint8Array(this.columns);
  }

  column(c: number): Uint8Array {
    return this.data.subarray(c * SPECTRUM_BINS, (c + 1) * SPECTRUM_BINS);
  }
}

const window = hannWindow(SPECTRUM_FFT);
/** Scale so that a full-scale sine reads 0 dB: the window's sum over 2 (one-sided amplitude). */
const FULL_SCALE = window.reduce((a, b) => a + b, 0) / 2;

/**
 * Fills the columns of `spectrum` whose FFT frame lies within frames [start, start +
 * left.length) of a stem's two channels (and are not filled yet). A frame reaching past them is
 * left out: pass the next region with the last SPECTRUM_FFT frames before it (StemViews does).
 */
export function addSpectrum(spectrum: StemSpectrum, fft: ForwardFft, start: number, left: Float32Array, right: Float32Array): void {
  const end = start + left.length;
  const first = Math.ceil(start / spectrum.hop);
  for (let c = first; c < spectrum.columns && c * spectrum.hop + SPECTRUM_FFT <= end; c++) {
    if (spectrum.filled[c]) continue;
    const at = c * spectrum.hop - start;
    for (let n = 0; n < SPECTRUM_FFT; n++) fft.input[n] = ((left[at + n]! + right[at + n]!) / 2) * window[n]!;
    fft.forward();
    writeColumn(spectrum.column(c), fft.output);
    spectrum.filled[c] = 1;
  }
}

/** Bins of the ordered half spectrum [DC, Nyquist, re1, im1, …] max-pooled into bytes. */
function writeColumn(out: Uint8Array, spectrum: Float32Array): void {
  const half = SPECTRUM_FFT / 2;
  const pool = half / SPECTRUM_BINS;
  for (let b = 0; b < SPECTRUM_BINS; b++) {
    let power = 0;
    for (let k = b * pool; k < (b + 1) * pool; k++) {
      const p = k === 0 ? spectrum[0]! ** 2 : spectrum[2 * k]! ** 2 + spectrum[2 * k + 1]! ** 2;
      if (p > power) power = p;
    }
    const db = 10 * Math.log10(power / (FULL_SCALE * FULL_SCALE) + 1e-20);
    out[b] = Math.max(0, Math.min(255, Math.round(((db - FLOOR_DB) / -FLOOR_DB) * 255)));
  }
}
