/** Interleaved stereo samples as planar [left, right], of the same type (Node and browser tests alike). */
export function planar<T extends Float32Array | Int16Array | Int32Array>(all: T): [T, T] {
  const Kind = all.constructor as new (n: number) => T;
  const n = all.length / 2;
  const left = new Kind(n);
  const right = new Kind(n);
  for (let i = 0; i < n; i++) {
    left[i] = all[2 * i]!;
    right[i] = all[2 * i + 1]!;
  }
  return [left, right];
}
