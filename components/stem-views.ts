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

/** Frames read back from disk at a time when a stored part is analysed (small: playback's reads go between). */
const BACKFILL_FRAMES = 2 * SAMPLE_RATE;

let fft: Promise<RealFft | null> | null = null;

/** PFFFT from the mixer's assets, loaded once (null: none; the timeline still has its waveforms). */
function loadFft(assets: MixerAssets): Promise<RealFft | null> {
  if (!fft) {
    locatePffft({ simd: assets.runtime.pffftSimd, scalar: assets.runtime.pffftScalar });
    fft = createRealFft(SPECTRUM_FFT).catch(() => null);
  }
  return fft;
}

export class StemViews {
  readonly length: number;
  readonly fine: Float32Array[];
  readonly spectra: StemSpectrum[];
  /** Bumped whenever something was added (the timeline redraws). */
  version = 0;
  #fft: RealFft | null = null;
  /** Regions that came before the FFT was loaded (copies), analysed once it is. */
  #waiting: { start: number; channels: Float32Array[][] }[] | null = [];
  readonly #ready: Promise<void>;
  /** By the frame where a region ended: each stem's last SPECTRUM_FFT frames (a spectrogram frame across two regions). */
  readonly #tails = new Map<number, Float32Array[][]>();
  #disposed = false;
  onChange: (() => void) | null = null;

  /** Views of a song of `length` frames with `stems` stems (the FFT is PFFFT, from the mixer's assets, loaded meanwhile). */
  constructor(stems: number, length: number, assets: MixerAssets) {
    this.length = length;
    this.fine = Array.from({ length: stems }, () => finePeaksFor(length));
    this.spectra = Array.from({ length: stems }, () => new StemSpectrum(length));
    this.#ready = loadFft(assets).then((loaded) => {
      this.#fft = loaded;
      const waiting = this.#waiting ?? [];
      this.#waiting = null;
      for (const region of waiting) this.#analyse(region.start, region.channels);
      if (waiting.length) this.#changed();
    });
  }

  /** A separated region: channels[s] = [left, right] for frames [start, …) (read now: the arrays may go elsewhere next). */
  add(start: number, channels: readonly Float32Array[][]): void {
    if (this.#disposed) return;
    addFinePeaks(this.fine, start, channels);
    if (this.#waiting) this.#waiting.push({ start, channels: channels.map((c) => c.map((x) => x.slice())) });
    else this.#analyse(start, channels);
    this.#changed();
  }

  #changed(): void {
    this.version++;
    this.onChange?.();
  }

  /** The spectrogram columns of a region (with the frames before it, when a region ended there). */
  #analyse(start: number, channels: readonly Float32Array[][]): void {
    if (!this.#fft) return;
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

  /** Analyses frames [0, frames) read back from disk (a stored separation), in pieces, in the background. */
  async backfill(reader: StemReader, frames: number): Promise<void> {
    await this.#ready;
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
