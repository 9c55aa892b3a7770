/**
 * Memory against track length: peak RSS of `demucs-mixer separate` on a 1-minute and a
 * 10-minute input (the reference mixture tiled), and the difference (goal: ≤ 200 MB).
 *
 *   npm run bench:memory -- [--runs N]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure, ROOT } from './measure.ts';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 1) || 1;
const dir = mkdtempSync(join(tmpdir(), 'bench-memory-'));
const source = readFileSync(join(ROOT, '../shared/reference/sample/mixture.wav'));
const header = source.subarray(0, 44);
const data = source.subarray(44);

/** A 16-bit stereo WAV of `seconds`, tiling the reference mixture. */
function tiled(seconds: number): string {
  const bytes = seconds * 44100 * 4;
  const body = Buffer.alloc(bytes);
  for (let at = 0; at < bytes; at += data.length) data.copy(body, at, 0, Math.min(data.length, bytes - at));
  const h = Buffer.from(header);
  h.writeUInt32LE(36 + bytes, 4);
  h.writeUInt32LE(bytes, 40);
  const path = join(dir, `${seconds}s.wav`);
  writeFileSync(path, Buffer.concat([h, body]));
  return path;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  const peaks: Record<number, number[]> = { 60: [], 600: [] };
  for (const seconds of [60, 600]) {
    const input = tiled(seconds);
    for (let r = 0; r < runs; r++) {
      const { sample } = await measure(process.execPath, [join(ROOT, 'bin/demucs-mixer.js'), 'separate', input, '-o', join(dir, 'out'), '--json']);
      peaks[seconds]!.push(sample.rssMB);
      console.log(`${seconds / 60} min: peak RSS ${sample.rssMB.toFixed(0)} MB, ${sample.process.toFixed(1)} s`);
    }
  }
  const one = median(peaks[60]!);
  const ten = median(peaks[600]!);
  console.log(`median peak RSS: 1 min ${one.toFixed(0)} MB, 10 min ${ten.toFixed(0)} MB, difference ${(ten - one).toFixed(0)} MB (goal ≤ 200 MB)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
