/** Drawing the timeline's canvases: the time ruler, and a stem's lane as waveform or spectrogram. */
import { SAMPLE_RATE } from '../../src/core/constants.ts';
import { PEAK_COLUMNS, peakColumns } from '../../src/core/peaks.ts';
import { SPECTRUM_BINS, type StemSpectrum } from '../../src/core/spectrum.ts';

/** What part of the song a canvas shows: seconds at its left edge, and pixels per second. */
export interface TimeView {
  readonly offset: number;
  readonly pxPerSecond: number;
}

/** Ruler tick spacings (s); the first one at least MIN_TICK_PX apart is used. */
const TICKS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800];
const MIN_TICK_PX = 64;
/** The spectrogram's frequency axis: logarithmic from LOW_HZ to Nyquist. */
const LOW_HZ = 30;

function tickLabel(seconds: number, step: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - 60 * m;
  const digits = step < 1 ? 1 : 0;
  return `${m}:${s.toFixed(digits).padStart(digits ? 4 : 2, '0')}`;
}

/** The ruler: ticks and times, in the canvas' `color`, with the separated part underlined in `accent`. */
export function drawRuler(canvas: HTMLCanvasElement, view: TimeView, duration: number, separated: number, accent: string): void {
  const g = canvas.getContext('2d');
  if (!g) return;
  const { width: w, height: h } = canvas;
  const ratio = devicePixelRatio || 1;
  g.clearRect(0, 0, w, h);
  const colour = getComputedStyle(canvas).color;
  const pps = view.pxPerSecond * ratio;
  const step = TICKS.find((t) => t * pps >= MIN_TICK_PX * ratio) ?? TICKS.at(-1)!;
  g.fillStyle = colour;
  g.font = `${11 * ratio}px system-ui, sans-serif`;
  g.textBaseline = 'top';
  for (let t = Math.floor(view.offset / step) * step; t <= Math.min(duration, view.offset + w / pps); t += step) {
    const x = Math.round((t - view.offset) * pps);
    if (x < 0) continue;
    g.fillRect(x, h * 0.45, ratio, h * 0.55);
    g.fillText(tickLabel(t, step), x + 3 * ratio, 2 * ratio);
  }
  // The separated part, as a band along the ruler's foot.
  g.fillStyle = accent;
  const end = Math.min(w, (separated - view.offset) * pps);
  if (end > 0) g.fillRect(0, h - 3 * ratio, end, 3 * ratio);
}

/** A stem's waveform: the fine peaks (or the overview when a pixel spans more than a column of it). */
export function drawWaveform(canvas: HTMLCanvasElement, view: TimeView, length: number, fine: Float32Array | undefined, overview: Float32Array | undefined): void {
  const g = canvas.getContext('2d');
  if (!g) return;
  const { width: w, height: h } = canvas;
  g.clearRect(0, 0, w, h);
  const ratio = devicePixelRatio || 1;
  const from = view.offset * SAMPLE_RATE;
  const to = from + (w / ratio / view.pxPerSecond) * SAMPLE_RATE;
  const perPixel = (to - from) / w;
  let peaks: Float32Array;
  if (overview && perPixel >= length / PEAK_COLUMNS) {
    peaks = new Float32Array(w);
    for (let x = 0; x < w; x++) {
      const c = Math.floor(((from + x * perPixel) / length) * PEAK_COLUMNS);
      peaks[x] = c < PEAK_COLUMNS ? overview[c]! : 0;
    }
  } else if (fine) peaks = peakColumns(fine, from, to, w);
  else return;
  g.fillStyle = getComputedStyle(canvas).color;
  const limit = Math.min(w, Math.ceil((length - from) / perPixel));
  for (let x = 0; x < limit; x++) {
    const v = Math.min(1, peaks[x]!);
    if (v > 0) g.fillRect(x, (h * (1 - v)) / 2, 1, Math.max(1, h * v));
  }
}

/** A stem's spectrogram: log frequency upwards, loudness as the stem's colour's opacity. */
export function drawSpectrogram(canvas: HTMLCanvasElement, view: TimeView, spectrum: StemSpectrum | undefined): void {
  const g = canvas.getContext('2d');
  if (!g) return;
  const { width: w, height: h } = canvas;
  g.clearRect(0, 0, w, h);
  if (!spectrum || w === 0 || h === 0) return;
  const [r, gr, b] = (getComputedStyle(canvas).color.match(/\d+(\.\d+)?/g) ?? ['255', '255', '255']).map(Number);
  const image = g.createImageData(w, h);
  const ratio = devicePixelRatio || 1;
  const nyquist = SAMPLE_RATE / 2;
  const rows = Array.from({ length: h }, (_, y) => {
    const f = LOW_HZ * (nyquist / LOW_HZ) ** ((h - 1 - y) / Math.max(1, h - 1));
    return Math.min(SPECTRUM_BINS - 1, Math.floor((f / nyquist) * SPECTRUM_BINS));
  });
  for (let x = 0; x < w; x++) {
    const frame = (view.offset + x / ratio / view.pxPerSecond) * SAMPLE_RATE;
    const c = Math.floor(frame / spectrum.hop);
    if (c < 0 || c >= spectrum.columns || !spectrum.filled[c]) continue;
    const column = spectrum.column(c);
    for (let y = 0; y < h; y++) {
      const i = 4 * (y * w + x);
      image.data[i] = r!;
      image.data[i + 1] = gr!;
      image.data[i + 2] = b!;
      image.data[i + 3] = column[rows[y]!]!;
    }
  }
  g.putImageData(image, 0, 0);
}
