/**
 * A forward real FFT on fft.js (pure JavaScript, radix-4), in the layout of fft.ts' PFFFT
 * transform: [DC, Nyquist, re1, im1, …, re(N/2-1), im(N/2-1)]. For the page's spectrogram view,
 * where loading PFFFT's WebAssembly would mean another file beside the module.
 */
import FFT from 'fft.js';
import type { RealFft } from './fft.ts';

export type ForwardFft = Pick<RealFft, 'size' | 'input' | 'output' | 'forward'>;

export function createJsRealFft(size: number): ForwardFft {
  const fft = new FFT(size);
  const input = new Float32Array(size);
  const output = new Float32Array(size);
  const complex: number[] = fft.createComplexArray();
  return {
    size,
    input,
    output,
    forward() {
      fft.realTransform(complex, input);
      output[0] = complex[0]!;
      output[1] = complex[size]!;
      for (let i = 2; i < size; i++) output[i] = complex[i]!;
    },
  };
}
