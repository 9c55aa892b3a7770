/**
 * What the timeline draws of a song's stems, grown as regions arrive: fine waveform peaks
 * (src/core/peaks.ts) and spectrograms (src/core/spectrum.ts). A separation reopened from
 * storage brings no regions for its stored part: that part is read back from disk in the
 * background and analysed the same way.
 */
import { SAMPLE_RATE } from '../../src/core/constants.ts';
import { createJsRealFft, type ForwardFft } from '../../src/core/js-fft.ts';
import { addFinePeaks, finePeaksFor } from '../../src/core/peaks.ts';
import { addSpectrum, SPECTRUM_FFT, StemSpectrum } from '../../src/core/spectrum.ts';
import type { StemReader } from './stem-player.ts';

/** Frames read back from disk at a time when a stored part is analysed (small: playback's reads go between). */
const BACKFILL_FRAMES = 2 * SAMPLE_RATE;

export class StemViews {
  readonly length: number;
  readonly fine: Float32Array[];
  readonly spectra: StemSpectrum[];
  /** Bumped whenever something was added (the timeline redraws). */
  version = 0;
  readonly #fft: ForwardFft = createJsRealFft(SPECTRUM_FFT);
  /** Where the stems separated so far are read back, and how many frames that is. */
  readonly #reader: StemReader;
  readonly #separated: () => number;
  /** Spectrograms are computed once one is shown (they cost the main thread a little per region). */
  #spectra: Promise<void> | null = null;
  /** By the frame where a region ended: each stem's last SPECTRUM_FFT frames (a spectrogram frame across two regions). */
  readonly #tails = new Map<number, Float32Array[][]>();
  #disposed = false;
  onChange: (() => void) | null = null;

  /** Views of a song of `length` frames with `stems` stems, whose separated part `reader` reads back. */
  constructor(stems: number, length: number, reader: StemReader, separated: () => number) {
    this.length = length;
    this.#reader = reader;
    this.#separated = separated;
    this.fine = Array.from({ length: stems }, () => finePeaksFor(length));
    this.spectra = Array.from({ length: stems }, () => new StemSpectrum(length));
  }

  /** A separated region: channels[s] = [left, right] for frames [start, …) (read now: the arrays may go elsewhere next). */
  add(start: number, channels: readonly Float32Array[][]): void {
    if (this.#disposed) return;
    addFinePeaks(this.fine, start, channels);
    if (this.#spectra) this.#analyse(start, channels);
    this.#changed();
  }

  #changed(): void {
    this.version++;
    this.onChange?.();
  }

  /** The spectrogram columns of a region (with the frames before it, when a region ended there). */
  #analyse(start: number, channels: readonly Float32Array[][]): void {
    const n = channels[0]![0]!.length;
    const end = start + n;
    // The frames before this region, when a region ended there (regions from the separation
    // and from the stored part read back arrive interleaved).
    const before = this.#tails.get(start);
    this.#tails.delete(start);
    const fft = this.#fft;
    const after: Float32Array[][] = [];
    /** `a` then `b`, as one array. */
    const join = (a: Float32Array, b: Float32Array) => {
      const out = new Float32Array(a.length + b.length);
      out.set(a);
      out.set(b, a.length);
      return out;
    };
    channels.forEach(([left, right], s) => {
      const spectrum = this.spectra[s]!;
      // Frames across the boundary with the region before; then those within this one.
      const tail = before?.[s];
      if (tail) addSpectrum(spectrum, fft, start - tail[0]!.length, join(tail[0]!, left!.subarray(0, SPECTRUM_FFT)), join(tail[1]!, right!.subarray(0, SPECTRUM_FFT)));
      addSpectrum(spectrum, fft, start, left!, right!);
      const last = [left!.subarray(Math.max(0, n - SPECTRUM_FFT)), right!.subarray(Math.max(0, n - SPECTRUM_FFT))];
      // At the song's end, silence after it completes the last frames.
      if (end >= this.length) addSpectrum(spectrum, fft, end - last[0]!.length, join(last[0]!, new Float32Array(SPECTRUM_FFT)), join(last[1]!, new Float32Array(SPECTRUM_FFT)));
      // A region shorter than a frame carries the frames before it on.
      after[s] = last.map((x, c) => (tail && n < SPECTRUM_FFT ? join(tail[c]!, x).slice(-SPECTRUM_FFT) : x.slice()));
    });
    if (end < this.length) this.#tails.set(end, after);
  }

  /**
   * Computes the spectrograms from now on: of each region as it arrives, and of what is
   * separated already (read back in the background); resolves when those are done.
   */
  showSpectra(): Promise<void> {
    if (!this.#spectra) {
      // Set first, so that regions arriving while the separated part is read back are analysed.
      this.#spectra = Promise.resolve();
      // Their waveform peaks are there already: only the spectrograms are computed.
      this.#spectra = this.#readBack(this.#reader, this.#separated(), (at, channels) => {
        this.#analyse(at, channels);
        this.#changed();
      });
    }
    return this.#spectra;
  }

  /** Analyses frames [0, frames) of a stored separation, read back in pieces in the background. */
  backfill(reader: StemReader, frames: number): Promise<void> {
    return this.#readBack(reader, frames, (at, channels) => this.add(at, channels));
  }

  async #readBack(reader: StemReader, frames: number, use: (at: number, channels: Float32Array[][]) => void): Promise<void> {
    for (let at = 0; at < frames && !this.#disposed; at += BACKFILL_FRAMES) {
      const channels = await reader.read(at, Math.min(BACKFILL_FRAMES, frames - at));
      if (this.#disposed) return;
      use(at, channels);
    }
  }

  dispose(): void {
    this.#disposed = true;
    this.onChange = null;
  }
}
