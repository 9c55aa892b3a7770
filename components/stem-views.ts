/**
 * What the timeline draws of a song's stems, grown as regions arrive: fine waveform peaks
 * (src/core/peaks.ts) and spectrograms (src/core/spectrum.ts). A separation reopened from
 * storage brings no regions for its stored part: that part is read back from disk in the
 * background and analysed the same way.
 */
import { SAMPLE_RATE } from '../src/core/constants.ts';
import { createRealFft, locatePffft, type RealFft } from '../src/core/fft.ts';
import { addFinePeaks, finePeaksFor } from '../src/core/peaks.ts';
import { addSpectrum, SPECTRUM_FFT, StemSpectrum } from '../src/core/spectrum.ts';
import type { MixerAssets } from './assets.ts';
import type { StemReader } from './stem-player.ts';

/** Frames read back from disk at a time when a stored part is analysed. */
const BACKFILL_FRAMES = 8 * SAMPLE_RATE;

let fft: Promise<RealFft> | null = null;

export class StemViews {
  readonly length: number;
  readonly fine: Float32Array[];
  readonly spectra: StemSpectrum[];
  /** Bumped whenever something was added (the timeline redraws). */
  version = 0;
  #fft: RealFft | null = null;
  /** By the frame where a region ended: each stem's last SPECTRUM_FFT frames (a spectrogram frame across two regions). */
  readonly #tails = new Map<number, Float32Array[][]>();
  #disposed = false;
  onChange: (() => void) | null = null;

  private constructor(stems: number, length: number) {
    this.length = length;
    this.fine = Array.from({ length: stems }, () => finePeaksFor(length));
    this.spectra = Array.from({ length: stems }, () => new StemSpectrum(length));
  }

  /** Views of a song of `length` frames with `stems` stems (the FFT is PFFFT, from the mixer's assets). */
  static async create(stems: number, length: number, assets: MixerAssets): Promise<StemViews> {
    const views = new StemViews(stems, length);
    if (!fft) {
      locatePffft({ simd: assets.runtime.pffftSimd, scalar: assets.runtime.pffftScalar });
      fft = createRealFft(SPECTRUM_FFT);
      fft.catch(() => (fft = null));
    }
    // Without the FFT the timeline still has its waveforms.
    views.#fft = await fft.catch(() => null);
    return views;
  }

  /** A separated region: channels[s] = [left, right] for frames [start, …); regions come in order. */
  add(start: number, channels: readonly Float32Array[][]): void {
    if (this.#disposed) return;
    addFinePeaks(this.fine, start, channels);
    const n = channels[0]![0]!.length;
    const end = start + n;
    // The frames before this region, when a region ended there (regions from the separation
    // and from the stored part read back arrive interleaved).
    const before = this.#tails.get(start);
    this.#tails.delete(start);
    const after: Float32Array[][] = [];
    channels.forEach(([left, right], s) => {
      const tail = before?.[s] ?? [new Float32Array(0), new Float32Array(0)];
      // At the song's end, silence after it completes the last frames.
      const pad = end >= this.length ? SPECTRUM_FFT : 0;
      const joined = [tail[0]!, tail[1]!].map((t, c) => {
        const all = new Float32Array(t.length + n + pad);
        all.set(t);
        all.set(c === 0 ? left! : right!, t.length);
        return all;
      });
      if (this.#fft) addSpectrum(this.spectra[s]!, this.#fft, start - tail[0]!.length, joined[0]!, joined[1]!);
      after[s] = joined.map((a) => a.slice(Math.max(0, a.length - pad - SPECTRUM_FFT), a.length - pad));
    });
    if (end < this.length) this.#tails.set(end, after);
    this.version++;
    this.onChange?.();
  }

  /** Analyses frames [0, frames) read back from disk (a stored separation), in pieces, in the background. */
  async backfill(reader: StemReader, frames: number): Promise<void> {
    for (let at = 0; at < frames && !this.#disposed; at += BACKFILL_FRAMES) {
      const channels = await reader.read(at, Math.min(BACKFILL_FRAMES, frames - at));
      if (this.#disposed) return;
      this.add(at, channels);
    }
  }

  dispose(): void {
    this.#disposed = true;
    this.onChange = null;
  }
}
