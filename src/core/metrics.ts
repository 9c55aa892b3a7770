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
