/** Comparisons of signals, for tests and benchmarks. */

/** Largest absolute difference; Infinity for different lengths or any NaN. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (Number.isNaN(d)) return Infinity;
    if (d > m) m = d;
  }
  return m;
}

/** Signal-to-distortion ratio (dB) of an estimate against a reference, over all channels. */
export function sdr(reference: readonly Float32Array[], estimate: readonly Float32Array[]): number {
  let signal = 0;
  let error = 0;
  reference.forEach((ref, c) => {
    const est = estimate[c]!;
    for (let i = 0; i < ref.length; i++) {
      signal += ref[i]! * ref[i]!;
      error += (ref[i]! - est[i]!) ** 2;
    }
  });
  return 10 * Math.log10((signal + 1e-12) / (error + 1e-12));
}

/**
 * SNR (dB) of `decoded` against `reference` after shifting it by the lag (0…maxLag samples,
 * the encoder's delay) that matches best; both channels together, the edges left out.
 */
export function alignedSnr(reference: readonly Float32Array[], decoded: readonly Float32Array[], maxLag = 3000): { snr: number; lag: number } {
  const n = reference[0]!.length;
  const edge = 2048;
  let best = { snr: -Infinity, lag: 0 };
  for (let lag = 0; lag <= maxLag; lag++) {
    let signal = 0;
    let noise = 0;
    for (let c = 0; c < reference.length; c++) {
      const r = reference[c]!;
      const d = decoded[c]!;
      for (let i = edge; i < n - edge && i + lag < d.length; i++) {
        signal += r[i]! ** 2;
        noise += (r[i]! - d[i + lag]!) ** 2;
      }
    }
    const snr = 10 * Math.log10(signal / noise);
    if (snr > best.snr) best = { snr, lag };
  }
  return best;
}

/**
 * The frequency (Hz) of a tone in `samples[from, to)`: upward zero crossings, placed between
 * samples by linear interpolation, counted from the first to the last.
 */
export function toneFrequency(samples: ArrayLike<number>, sampleRate: number, from = 0, to = samples.length): number {
  let first = -1;
  let last = -1;
  let crossings = 0;
  for (let i = Math.max(1, from); i < to; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (a < 0 && b >= 0) {
      const at = i - 1 + a / (a - b);
      if (first < 0) first = at;
      else crossings++;
      last = at;
    }
  }
  return crossings > 0 ? (crossings * sampleRate) / (last - first) : 0;
}

/** Residual energy of `estimate` against `reference` (dB, relative to the reference's energy). */
export function residualDb(reference: ArrayLike<number>, estimate: ArrayLike<number>, from = 0, to = reference.length): number {
  let signal = 0;
  let error = 0;
  for (let i = from; i < to; i++) {
    signal += reference[i]! ** 2;
    error += (estimate[i]! - reference[i]!) ** 2;
  }
  return 10 * Math.log10(error / signal);
}
