/**
 * What "consistent" stems (the residual mix − Σ stems spread equally over them) do to quality,
 * on mixes made from separate tracks: the reference sample's stems (as the original
 * implementation separated them) are the tracks; the mixes are their sum as they are, and a
 * new song from the same tracks each rotated in time by a different amount (0, 1.3, 2.9, 4.7 s)
 * so that the model meets a combination it has not separated before. The real model separates
 * each mix with and without `consistent`; each result is scored against the tracks (SDR).
 *
 *   npm run bench:consistent -- [--tracks DIR]   (default: ../shared/reference/sample/shifts0)
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sdr } from '../src/core/metrics.ts';
import { separate } from '../src/core/separator.ts';
import { memorySource } from '../src/core/track.ts';
import { FOUR_STEMS } from '../src/core/stems.ts';
import { defaultModelPath, loadBag } from '../src/cli/load-model.ts';
import { ROOT } from './measure.ts';

const args = process.argv.slice(2);
const dir = resolve(args.includes('--tracks') ? args[args.indexOf('--tracks') + 1]! : join(ROOT, '../shared/reference/sample/shifts0'));

function readFloatWav(path: string): [Float32Array, Float32Array] {
  const b = readFileSync(path);
  const data = new Float32Array(b.buffer.slice(b.byteOffset + 44, b.byteOffset + b.length));
  return [data.filter((_, i) => i % 2 === 0), data.filter((_, i) => i % 2 === 1)];
}

const original = FOUR_STEMS.map((stem) => readFloatWav(join(dir, `${stem}.wav`)));
const N = original[0]![0].length;
const rotate = (x: Float32Array, by: number) => Float32Array.from({ length: N }, (_, i) => x[(i + by) % N]!);
const mixes: [string, [Float32Array, Float32Array][]][] = [
  ['the tracks as they are', original],
  ['the tracks rotated in time', original.map(([l, r], s) => [rotate(l, Math.round([0, 1.3, 2.9, 4.7][s]! * 44100)), rotate(r, Math.round([0, 1.3, 2.9, 4.7][s]! * 44100))])],
];
const loaded = await loadBag(defaultModelPath(), undefined, {});
const results: [string, Record<string, number[]>][] = [];
try {
  for (const [label, tracks] of mixes) {
    const mix = [0, 1].map((c) => Float32Array.from({ length: N }, (_, i) => tracks.reduce((t, track) => t + track[c]![i]!, 0))) as [Float32Array, Float32Array];
    const scores: Record<string, number[]> = {};
    for (const consistent of [false, true]) {
      const out = FOUR_STEMS.map(() => [new Float32Array(N), new Float32Array(N)]);
      for await (const r of separate(loaded.bag, memorySource(mix[0], mix[1]), { shifts: 0, consistent, pipeline: true })) {
        r.channels.forEach((stem, s) => stem.forEach((x, c) => out[s]![c]!.set(x, r.start)));
      }
      scores[consistent ? 'consistent' : 'Demucs'] = FOUR_STEMS.map((_, s) => sdr(tracks[s]!, out[s]!));
    }
    results.push([label, scores]);
  }
} finally {
  await loaded.dispose();
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`tracks: ${dir} (${(N / 44100).toFixed(1)} s); htdemucs, no shifts; SDR against the tracks (dB)`);
for (const [label, scores] of results) {
  console.log(`\nmix: ${label}`);
  console.log(`${'stems'.padEnd(12)}${FOUR_STEMS.map((s) => s.padStart(8)).join('')}    mean`);
  for (const [name, xs] of Object.entries(scores)) console.log(`${name.padEnd(12)}${xs.map((x) => x.toFixed(2).padStart(8)).join('')}  ${mean(xs).toFixed(2).padStart(6)}`);
  console.log(`consistent − Demucs: ${(mean(scores['consistent']!) - mean(scores['Demucs']!)).toFixed(2)} dB mean`);
}
