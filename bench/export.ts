/**
 * Export speed: seconds per minute of audio for each output format, in the CLI's encoders (Node)
 * and in the browser (the built page in Debian's Chromium, the fixture model, the stems on
 * disk: the store's worker renders and encodes them), medians of `--runs` (default 3). Prints
 * the bytes per minute beside them.
 *
 *   npm run bench:export -- [--minutes 3] [--runs 3]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilePathTarget } from 'mediabunny';
import puppeteer from 'puppeteer-core';
import { build, preview } from 'vite';
import type {} from '../components/demucs-mixer.ts';
import { renderEncoded, renderNiStems, type FrameReader } from '../src/core/export-render.ts';
import { encodeWav } from '../src/core/wav.ts';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/chromium.mjs';
import { writeSong } from '../test/e2e/long-song.ts';
import { dropSong, modelReady } from '../test/e2e/mixer-page.ts';
import { ROOT } from './measure.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const minutes = Number(option('--minutes', '3'));
const runs = Number(option('--runs', '3'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const FORMATS = [
  { label: 'wav16', format: 'wav16' },
  { label: 'flac 16-bit', format: 'flac', bits: 16 },
  { label: 'flac 24-bit', format: 'flac', bits: 24 },
  { label: 'mp3 320', format: 'mp3' },
  { label: 'm4a (AAC) 256', format: 'm4a' },
  { label: 'NI Stems (5 tracks)', format: 'stem' },
] as const;

/** A music-like minute: a chord with a little noise, the same every run. */
function signal(frames: number): [Float32Array, Float32Array] {
  let seed = 1;
  const noise = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.05;
  const at = (i: number, f: number[]) => f.reduce((s, hz) => s + Math.sin((2 * Math.PI * hz * i) / 44100), 0) / f.length;
  return [Float32Array.from({ length: frames }, (_, i) => 0.5 * at(i, [220, 277.2, 329.6]) + noise()), Float32Array.from({ length: frames }, (_, i) => 0.5 * at(i, [165, 246.9, 392]) + noise())];
}

async function nodeRow(format: (typeof FORMATS)[number], dir: string, audio: [Float32Array, Float32Array]): Promise<{ seconds: number; bytes: number }> {
  const length = audio[0].length;
  const read: FrameReader = (from, n) => [audio[0].subarray(from, from + n), audio[1].subarray(from, from + n)];
  const path = join(dir, `out-${format.label.replace(/\W+/g, '-')}`);
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    if (format.format === 'wav16') writeFileSync(path, Buffer.concat(encodeWav(audio[0], audio[1], 'wav16')));
    else if (format.format === 'stem') await renderNiStems({ target: new FilePathTarget(path) }, read, [read, read, read, read], length);
    else await renderEncoded(new FilePathTarget(path), format.format, read, length, 'bits' in format ? { bits: format.bits } : {});
    times.push((performance.now() - started) / 1000);
  }
  return { seconds: median(times) / minutes, bytes: statSync(path).size / minutes };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-export-'));
const audio = signal(minutes * 60 * 44100);
const rows = new Map<string, { node: { seconds: number; bytes: number }; browser?: { seconds: number; bytes: number } }>();
for (const format of FORMATS) rows.set(format.label, { node: await nodeRow(format, dir, audio) });

await build({ root: ROOT, logLevel: 'warn' });
mkdirSync(join(ROOT, 'dist/bench'), { recursive: true });
copyFileSync(join(ROOT, 'test/fixtures/models/wave4.onnx'), join(ROOT, 'dist/bench/wave4.onnx'));
writeFileSync(join(ROOT, 'dist/bench.html'), readFileSync(join(ROOT, 'dist/index.html'), 'utf8').replace('model="models/htdemucs.onnx"', 'model="/bench/wave4.onnx"'));
const server = await preview({ root: ROOT, logLevel: 'warn', preview: { port: 0, host: '127.0.0.1' } });
const browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, protocolTimeout: 3_600_000 });
try {
  const page = await browser.newPage();
  await page.goto(new URL('bench.html', server.resolvedUrls!.local[0]!).href);
  await modelReady(page);
  const song = join(dir, 'song.wav');
  writeSong(song, minutes * 60);
  const separated = page.evaluate(() => new Promise<void>((done) => document.querySelector('demucs-mixer')!.addEventListener('demucs-progress', (e) => e.detail.done && done())));
  await dropSong(page, song);
  await separated;
  for (const format of FORMATS) {
    const times: number[] = [];
    let bytes = 0;
    for (let r = 0; r < runs; r++) {
      const { seconds, size } = await page.evaluate(async (f) => {
        const m = document.querySelector('demucs-mixer')!;
        const started = performance.now();
        const blob = await m.exportMix(f.format as never, f.bits ? { bits: f.bits } : {});
        return { seconds: (performance.now() - started) / 1000, size: blob.size };
      }, format as { format: string; bits?: 16 | 24 });
      times.push(seconds);
      bytes = size;
    }
    rows.get(format.label)!.browser = { seconds: median(times) / minutes, bytes: bytes / minutes };
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`export of ${minutes} min of stereo 44.1 kHz, medians of ${runs} | CLI encoders (Node): s per minute | MB per minute | browser (built page, exportMix): s per minute | MB per minute`);
for (const [label, row] of rows) {
  const b = row.browser!;
  console.log(`${label.padEnd(20)} | ${row.node.seconds.toFixed(3).padStart(6)} s | ${(row.node.bytes / 1e6).toFixed(2).padStart(6)} MB | ${b.seconds.toFixed(3).padStart(6)} s | ${(b.bytes / 1e6).toFixed(2).padStart(6)} MB`);
}
process.exit(0);
