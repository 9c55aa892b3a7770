/**
 * Long songs in the browser: the built page (vite build + preview, cross-origin isolated) in
 * Debian's Chromium separates 1, 10 and 60-minute WAV files (uploaded as files, as a user
 * would) with the tiny fixture model, a fresh browser for each; `--real` adds a 10-minute song
 * with the default (real) model. Prints the peak of all Chromium processes together (the sum
 * of their proportional set sizes, sampled every 250 ms), the largest single process, the
 * page's and workers' JavaScript and WASM memory at the end, and the time to the first region
 * (first possible sound) and to the end.
 *
 *   npm run bench:long -- [--minutes 1,10,60] [--real]
 */
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { build, preview } from 'vite';
import type {} from '../components/demucs-mixer.ts';
import { wavHeader, encodeFrames } from '../src/core/wav.ts';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/chromium.mjs';
import { ROOT } from './measure.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const minutes = option('--minutes', '1,10,60').split(',').map(Number);
const real = args.includes('--real');

/** A stereo 16-bit WAV of noise and tones, written in pieces (a 60-minute one is 635 MB). */
function writeSong(path: string, seconds: number): void {
  const frames = seconds * 44100;
  const fd = openSync(path, 'w');
  writeSync(fd, wavHeader('wav16', frames));
  let seed = 1;
  const block = 1 << 16;
  for (let at = 0; at < frames; at += block) {
    const n = Math.min(block, frames - at);
    const left = new Float32Array(n);
    const right = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      const noise = (seed / 2 ** 32 - 0.5) * 0.2;
      left[i] = noise + 0.3 * Math.sin((at + i) * 0.031);
      right[i] = noise + 0.3 * Math.sin((at + i) * 0.017);
    }
    writeSync(fd, encodeFrames(left, right, 'wav16').bytes);
  }
  closeSync(fd);
}

/** Processes of the browser: the launcher and every descendant. */
function tree(pid: number): number[] {
  const out = [pid];
  for (const p of out) {
    try {
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const children = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim();
        for (const c of children.split(/\s+/).filter(Boolean)) out.push(Number(c));
      }
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

/** kB from a /proc file's line `name: N kB`. */
const field = (path: string, name: string) => {
  try {
    return Number(new RegExp(`${name}:\\s+(\\d+)`).exec(readFileSync(path, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

function sample(browser: Browser): { pss: number; largest: number } {
  let pss = 0;
  let largest = 0;
  for (const p of tree(browser.process()!.pid!)) {
    pss += field(`/proc/${p}/smaps_rollup`, 'Pss');
    largest = Math.max(largest, field(`/proc/${p}/status`, 'VmRSS'));
  }
  return { pss, largest };
}

await build({ root: ROOT, logLevel: 'warn' });
mkdirSync(join(ROOT, 'dist/bench'), { recursive: true });
copyFileSync(join(ROOT, 'test/fixtures/models/wave4.onnx'), join(ROOT, 'dist/bench/wave4.onnx'));
// The demo page with the fixture model from the start (a model loaded first would leave its
// WASM heap behind: wasm memory never shrinks).
writeFileSync(join(ROOT, 'dist/bench.html'), readFileSync(join(ROOT, 'dist/index.html'), 'utf8').replace('model="models/htdemucs.onnx"', 'model="/bench/wave4.onnx"'));
const server = await preview({ root: ROOT, logLevel: 'warn', preview: { port: 0, host: '127.0.0.1' } });
const dir = mkdtempSync(join(tmpdir(), 'bench-long-'));
const runs: { label: string; minutes: number; page: string }[] = [
  ...minutes.map((m) => ({ label: `${m} min, fixture model`, minutes: m, page: 'bench.html' })),
  ...(real ? [{ label: '10 min, real model', minutes: 10, page: '' }] : []),
];
console.log('song                    | peak, all Chromium processes (PSS) | largest process (RSS) | JS + WASM at the end | first region | separated in');
try {
  for (const run of runs) {
    const path = join(dir, `song-${run.minutes}.wav`);
    writeSong(path, run.minutes * 60);
    const browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_FLAGS, '--enable-blink-features=ForceEagerMeasureMemory'], protocolTimeout: 7_200_000 });
    let peak = { pss: 0, largest: 0 };
    const timer = setInterval(() => {
      const s = sample(browser);
      peak = { pss: Math.max(peak.pss, s.pss), largest: Math.max(peak.largest, s.largest) };
    }, 250);
    try {
      const page = await browser.newPage();
      await page.goto(new URL(run.page, server.resolvedUrls!.local[0]!).href);
      await page.evaluate(
        () =>
          new Promise<void>((done, fail) => {
            const m = document.querySelector('demucs-mixer')!;
            m.shifts = 0;
            if (m.backend) done();
            m.addEventListener('demucs-ready', () => done());
            m.addEventListener('demucs-error', (e) => fail(new Error(e.detail.message)));
          }),
      );
      const input = (await page.evaluateHandle(() => document.querySelector('demucs-mixer')!.shadowRoot!.querySelector('input[type=file]'))).asElement()!;
      const finished = page.evaluate(
        () =>
          new Promise<{ stats: NonNullable<HTMLElementTagNameMap['demucs-mixer']['separationStats']>; buffered: number; onDisk: boolean }>((done, fail) => {
            const m = document.querySelector('demucs-mixer')!;
            m.addEventListener('demucs-progress', (e) => {
              if (e.detail.done) setTimeout(() => done({ stats: m.separationStats!, buffered: m.bufferedSeconds, onDisk: m.stemsOnDisk }));
            });
            m.addEventListener('demucs-error', (e) => fail(new Error(e.detail.message)));
          }),
      );
      await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(path);
      const { stats, buffered, onDisk } = await finished;
      const heaps = await page.evaluate(async () => {
        const measure = (performance as unknown as { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> }).measureUserAgentSpecificMemory;
        return measure ? (await measure.call(performance)).bytes : NaN;
      });
      console.log(
        `${run.label.padEnd(23)} | ${(peak.pss / 1024).toFixed(0).padStart(6)} MB${' '.repeat(27)}| ${(peak.largest / 1024).toFixed(0).padStart(6)} MB${' '.repeat(14)}| ` +
          `${(heaps / 1e6).toFixed(0).padStart(6)} MB${' '.repeat(12)}| ${(stats.firstRegionMilliseconds / 1000).toFixed(1).padStart(6)} s    | ${(stats.totalMilliseconds / 1000).toFixed(1)} s` +
          ` (stems ${onDisk ? 'on disk' : 'in memory'}, ${buffered.toFixed(0)} s of them in memory)`,
      );
    } finally {
      clearInterval(timer);
      await browser.close();
      rmSync(path, { force: true });
    }
  }
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
