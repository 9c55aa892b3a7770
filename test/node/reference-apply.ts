/**
 * An independent, whole-array transcription of the Demucs procedure (api.py normalisation,
 * apply.py shifts and split, TensorChunk.padded, center_trim) for the GainModel test double,
 * in float64 where Demucs' own arithmetic allows. The streaming engine must agree with it.
 */
import { CHANNELS, SEGMENT } from '../../src/core/constants.ts';
import { gainModelStem, type GainModel } from './helpers.ts';
import { Spectrogram } from '../../src/core/spectrogram.ts';
import { geometryOf } from '../../src/core/geometry.ts';

const MAX_SHIFT = 22050;

export async function referenceSeparate(
  left: Float32Array,
  right: Float32Array,
  gains: GainModel['gains'],
  options: { shiftOffsets: number[]; overlap: number; segment?: number },
): Promise<Float64Array[][]> {
  const N = left.length;
  const T = options.segment ?? SEGMENT;
  const S = gains.a.length;
  // api.py: statistics of the mono reference (float64 here, rounded to float32 like torch's).
  const ref = Float64Array.from({ length: N }, (_, i) => Math.fround((left[i]! + right[i]!) / 2));
  const mean = ref.reduce((t, x) => t + x, 0) / N;
  const variance = N > 1 ? ref.reduce((t, x) => t + (x - mean) ** 2, 0) / (N - 1) : 0;
  const m = Math.fround(mean);
  const d = Math.fround(Math.fround(Math.sqrt(variance)) + 1e-8);
  const norm = [left, right].map((x) => Float32Array.from(x, (v) => Math.fround(v - m) / d));

  const spectrogram = await Spectrogram.create(geometryOf(T));
  const stride = Math.floor((1 - options.overlap) * T);
  const half = Math.floor(T / 2);
  const weight = Float64Array.from({ length: T }, (_, i) => (i < half ? i + 1 : T - i) / (T - half));

  /** apply.py's split over the window [start, start + L) of the normalised track (zeros outside it). */
  const split = (start: number, L: number): Float64Array[][] => {
    const out = Array.from({ length: S }, () => Array.from({ length: CHANNELS }, () => new Float64Array(L)));
    const sum = new Float64Array(L);
    for (let o = 0; o < L; o += stride) {
      const l = Math.min(T, L - o);
      const delta = T - l;
      const from = start + o - Math.floor(delta / 2);
      const chunk = new Float32Array(CHANNELS * T);
      for (let c = 0; c < CHANNELS; c++) {
        for (let i = 0; i < T; i++) {
          const j = from + i;
          chunk[c * T + i] = j >= 0 && j < N ? norm[c]![j]! : 0;
        }
      }
      for (let s = 0; s < S; s++) {
        const y = gainModelStem(gains, s, chunk, spectrogram);
        for (let c = 0; c < CHANNELS; c++) {
          for (let i = 0; i < l; i++) out[s]![c]![o + i]! += weight[i]! * y[c * T + Math.floor(delta / 2) + i]!;
        }
      }
      for (let i = 0; i < l; i++) sum[o + i]! += weight[i]!;
    }
    for (const stem of out) for (const ch of stem) for (let i = 0; i < L; i++) ch[i] = ch[i]! / sum[i]!;
    return out;
  };

  let result: Float64Array[][];
  if (options.shiftOffsets.length === 0) {
    result = split(0, N);
  } else {
    result = Array.from({ length: S }, () => Array.from({ length: CHANNELS }, () => new Float64Array(N)));
    for (const off of options.shiftOffsets) {
      const pass = split(off - MAX_SHIFT, N + MAX_SHIFT - off);
      for (let s = 0; s < S; s++) {
        for (let c = 0; c < CHANNELS; c++) {
          for (let i = 0; i < N; i++) result[s]![c]![i]! += pass[s]![c]![MAX_SHIFT - off + i]! / options.shiftOffsets.length;
        }
      }
    }
  }
  for (const stem of result) for (const ch of stem) for (let i = 0; i < N; i++) ch[i] = ch[i]! * d + m;
  return result;
}
