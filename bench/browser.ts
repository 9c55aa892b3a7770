/**
 * Browser pipeline benchmark: the built page (vite build + preview, cross-origin isolated) in
 * Debian's Chromium separates a file with the default model in WASM. Prints, per run and as
 * medians: seconds of compute per second of audio, the whole page pipeline over the summed
 * session.run time (the worker runs everything on one thread, so that sum is the bare ORT-web
 * time of these runs), and the time to the first separated region against one run's time.
 *
 *   npm run bench:browser -- [file] [--runs N] [--shifts N] [--threads N]
 *
 * --threads N: the mixer's `threads` (WASM threads; default every core), the model loaded again with them.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/chromium.mjs';
import puppeteer from 'puppeteer-core';
import { build, preview } from 'vite';
import type {} from '../components/demucs-mixer.ts';
import { ROOT, treeHighWater } from './measure.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const input = resolve(args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? join(ROOT, '../shared/reference/sample/mixture.wav'));
const runs = Number(option('--runs', '3'));
const shifts = Number(option('--shifts', '0'));
const threads = Number(option('--threads', '0'));
if (!existsSync(input)) throw new Error(`no such input: ${input}`);

await build({ root: ROOT, logLevel: 'warn' });
const server = await preview({ root: ROOT, logLevel: 'warn', preview: { port: 0, host: '127.0.0.1' } });
const browser = await puppeteer.launch({
  executablePath: CHROMIUM_PATH,
  args: CHROMIUM_FLAGS,
  protocolTimeout: 3_600_000,
});
// Largest resident memory of any one browser process (the page's renderer holds the worker).
let peakKB = 0;
const watch = setInterval(() => (peakKB = Math.max(peakKB, treeHighWater(browser.process()!.pid!))), 500);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: { perSecond: number; overhead: number; firstOverRun: number }[] = [];
try {
  for (let r = 0; r < runs; r++) {
    const page = await browser.newPage();
    await page.goto(server.resolvedUrls!.local[0]!);
    const ready = await page.evaluate(
      (shifts, threads) =>
        new Promise<{ backend: string; threads: number }>((done, fail) => {
          const m = document.querySelector('demucs-mixer')!;
          m.shifts = shifts;
          m.addEventListener('demucs-ready', (e) => {
            if (!threads || e.detail.threads === threads) return done(e.detail);
            m.threads = threads;
            void m.loadModel(m.model);
          });
          m.addEventListener('demucs-error', (e) => fail(new Error(e.detail.message)));
        }),
      shifts,
      threads,
    );
    const input$ = (await page.evaluateHandle(() => document.querySelector('demucs-mixer')!.shadowRoot!.querySelector('input[type=file]'))).asElement()!;
    const finished = page.evaluate(
      () =>
        new Promise<{ duration: number; stats: NonNullable<HTMLElementTagNameMap['demucs-mixer']['separationStats']> }>((done, fail) => {
          const m = document.querySelector('demucs-mixer')!;
          m.addEventListener('demucs-progress', (e) => {
            if (e.detail.done) setTimeout(() => done({ duration: m.duration, stats: m.separationStats! }));
          });
          m.addEventListener('demucs-error', (e) => fail(new Error(e.detail.message)));
        }),
    );
    await (input$ as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(input);
    const { duration, stats } = await finished;
    const perRun = stats.runMilliseconds / stats.runs;
    const row = {
      perSecond: stats.totalMilliseconds / 1000 / duration,
      overhead: stats.totalMilliseconds / stats.runMilliseconds,
      firstOverRun: stats.firstRegionMilliseconds / perRun,
    };
    rows.push(row);
    console.log(
      `run ${r + 1} (${ready.backend}, ${ready.threads} threads): ${duration.toFixed(1)} s of audio, ${stats.runs} session.run ` +
        `= ${(stats.runMilliseconds / 1000).toFixed(1)} s (${(perRun / 1000).toFixed(2)} s each), page pipeline ${(stats.totalMilliseconds / 1000).toFixed(1)} s, ` +
        `first region after ${(stats.firstRegionMilliseconds / 1000).toFixed(1)} s`,
    );
    // Forgotten, so that the next run separates again instead of reopening it.
    await page.evaluate(async () => {
      const m = document.querySelector('demucs-mixer')!;
      for (const kept of await m.stored()) await m.forget(kept.id);
    });
    await page.close();
  }
  console.log(`\nmedians of ${runs} runs: ${median(rows.map((x) => x.perSecond)).toFixed(3)} s compute per s of audio; ` +
    `page pipeline / session.run ${median(rows.map((x) => x.overhead)).toFixed(3)}; first region / one run ${median(rows.map((x) => x.firstOverRun)).toFixed(2)}; ` +
    `largest browser process ${(peakKB / 1024).toFixed(0)} MB`);
} finally {
  clearInterval(watch);
  await browser.close();
  await server.close();
}
