/**
 * Host-side DSP cost per segment: forward STFT of the chunk and inverse STFT of four stems.
 * Prints medians of several runs (ms). Run: npm run bench:dsp
 */
import { SEGMENT, SPEC_CHANNELS } from '../src/core/constants.ts';
import { HTDEMUCS_GEOMETRY } from '../src/core/geometry.ts';
import { Spectrogram } from '../src/core/spectrogram.ts';

const SPEC_SIZE = HTDEMUCS_GEOMETRY.specSize;

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const STEMS = 4;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

let seed = 1;
const rand = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
const mix = Float32Array.from({ length: 2 * SEGMENT }, rand);
const specOut = Float32Array.from({ length: STEMS * SPEC_SIZE }, rand);
const spectrogram = await Spectrogram.create();
const spec = new Float32Array(SPEC_SIZE);
const y = new Float32Array(2 * SEGMENT);

const forward: number[] = [];
const inverse: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  let t = performance.now();
  spectrogram.forward(mix, spec);
  forward.push(performance.now() - t);
  t = performance.now();
  for (let s = 0; s < STEMS; s++) spectrogram.inverseAdd(specOut, s * SPEC_SIZE, y);
  inverse.push(performance.now() - t);
}
console.log(`forward STFT (stereo chunk): ${median(forward).toFixed(1)} ms`);
console.log(`inverse STFT (${STEMS} stems): ${median(inverse).toFixed(1)} ms`);
console.log(`spectrogram channels ${SPEC_CHANNELS}, rounds ${ROUNDS}`);
