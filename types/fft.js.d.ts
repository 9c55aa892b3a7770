// Types for fft.js 4 (radix-4 FFT over interleaved complex arrays), which ships none.
declare module 'fft.js' {
  type NumArray = number[] | Float64Array | Float32Array;
  export default class FFT {
    constructor(size: number);
    readonly size: number;
    createComplexArray(): number[];
    transform(out: NumArray, data: NumArray): void;
    realTransform(out: NumArray, data: NumArray): void;
    inverseTransform(out: NumArray, data: NumArray): void;
    completeSpectrum(spectrum: NumArray): void;
  }
}
