/**
 * Long songs in the browser: the built page (vite build + preview, cross-origin isolated) in
 * Debian's Chromium separates 1, 10 and 60-minute WAV files (uploaded as files, as a user
 * would) with the tiny fixture model, a fresh browser for each; `--real` adds a 10-minute song
 * with the default (real) model. Prints the peak of all Chromium processes together (the sum
 * of their proportional set sizes, sampled every 250 ms), the largest single process, the
 * page's and workers' JavaScript and WASM memory at the end, and the time to the first region
 * (first possible sound) and to the end.
 *
 * `--format m4a` uploads the songs as AAC in M4A (encoded from the WAV by Debian's ffmpeg, 256
 * kbps), decoded in the worker by mediabunny and WebCodecs.
 *
 * `--private` separates each song in a private window (an off-the-record context: storage held
 * in memory within a quota; stems past it kept in memory within the mixer's budget) and says
 * how far it got, where its stems were, and how much memory they took; no reopening.
 *
 *   npm run bench:long -- [--minutes 1,10,60] [--real] [--format wav|m4a] [--private]
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { build, preview } from 'vite';
import type {} from '../components/demucs-mixer.ts';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/chromium.mjs';
import { writeSong } from '../test/e2e/long-song.ts';
import { dropSong, modelReady } from '../test/e2e/mixer-page.ts';
import { ROOT } from './measure.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const minutes = option('--minutes', '1,10,60').split(',').map(Number);
const real = args.includes('--real');
const format = option('--format', 'wav');
const privateWindow = args.includes('--private');

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

/**
 * Seconds from dropping the song again on a reloaded page (its model loaded) to the first sound
 * of its stored separation: the song hashed, its session found, read back from disk, playing.
 */
async function reopenTime(page: Page, path: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    await page.reload();
    await modelReady(page);
    const sounding = page.evaluate(
      () =>
        new Promise<number>((done, fail) => {
          const m = document.querySelector('demucs-mixer')!;
          const input = m.shadowRoot!.querySelector('input[type=file]')!;
          let t0 = 0;
          input.addEventListener('change', () => (t0 = performance.now()), { capture: true });
          m.addEventListener('demucs-error', (e) => fail(new Error(e.detail.message)));
          m.addEventListener('demucs-progress', (e) => {
            if (!e.detail.done) return;
            if (m.session?.restoredSeconds !== m.duration) fail(new Error('the song was separated again, not reopened'));
            void m.play();
            const poll = () => (m.playState === 'playing' ? done((performance.now() - t0) / 1000) : requestAnimationFrame(poll));
            poll();
          });
        }),
    );
    await dropSong(page, path);
    times.push(await sounding);
  }
  return times;
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
console.log('song                    | peak, all Chromium processes (PSS) | largest process (RSS) | JS + WASM at the end | first region | separated in | reopened after a reload: first sound (3 runs)');
try {
  for (const run of runs) {
    const wav = join(dir, `song-${run.minutes}.wav`);
    writeSong(wav, run.minutes * 60);
    const path = format === 'm4a' ? join(dir, `song-${run.minutes}.m4a`) : wav;
    if (format === 'm4a') {
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', wav, '-c:a', 'aac', '-b:a', '256k', path]);
      rmSync(wav);
    }
    const browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_FLAGS, '--enable-blink-features=ForceEagerMeasureMemory'], protocolTimeout: 7_200_000 });
    let peak = { pss: 0, largest: 0 };
    const timer = setInterval(() => {
      const s = sample(browser);
      peak = { pss: Math.max(peak.pss, s.pss), largest: Math.max(peak.largest, s.largest) };
    }, 250);
    try {
      const page = await (privateWindow ? await browser.createBrowserContext() : browser.defaultBrowserContext()).newPage();
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
      type Finished = {
        stats: HTMLElementTagNameMap['demucs-mixer']['separationStats'];
        buffered: number;
        onDisk: boolean;
        separated: number;
        memory: HTMLElementTagNameMap['demucs-mixer']['stemsInMemory'];
        stopped: string | null;
      };
      const finished = page.evaluate(
        (inPrivate) =>
          new Promise<Finished>((done, fail) => {
            const m = document.querySelector('demucs-mixer')!;
            const end = (stopped: string | null) => done({ stats: m.separationStats, buffered: m.bufferedSeconds, onDisk: m.stemsOnDisk, separated: m.separatedSeconds, memory: m.stemsInMemory, stopped });
            m.addEventListener('demucs-progress', (e) => {
              if (e.detail.done) setTimeout(() => end(null));
            });
            // In a private window a song may stop where the memory budget ends.
            m.addEventListener('demucs-error', (e) => (inPrivate && e.detail.code === 'STORAGE_FULL' ? setTimeout(() => end(e.detail.code)) : fail(new Error(e.detail.message))));
          }),
        privateWindow,
      );
      await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(path);
      const { stats, buffered, onDisk, separated, memory, stopped } = await finished;
      const heaps = await page.evaluate(async () => {
        const measure = (performance as unknown as { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> }).measureUserAgentSpecificMemory;
        return measure ? (await measure.call(performance)).bytes : NaN;
      });
      // The peak of the separation; reloads below overlap two pages for a moment.
      clearInterval(timer);
      const reopen = privateWindow ? [] : await reopenTime(page, path);
      const where = memory ? `on disk to ${memory.fromSeconds.toFixed(0)} s, ${(memory.bytes / 1e6).toFixed(0)} MB in memory (budget ${(memory.budgetBytes / 1e6).toFixed(0)} MB)` : onDisk ? 'on disk' : 'in memory';
      const end = stopped ? `stopped (${stopped}) at ${separated.toFixed(0)} s` : `${((stats?.totalMilliseconds ?? NaN) / 1000).toFixed(1).padStart(6)} s   `;
      console.log(
        `${`${run.label}${format === 'wav' ? '' : ` (${format})`}${privateWindow ? ', private' : ''}`.padEnd(23)} | ${(peak.pss / 1024).toFixed(0).padStart(6)} MB${' '.repeat(27)}| ${(peak.largest / 1024).toFixed(0).padStart(6)} MB${' '.repeat(14)}| ` +
          `${(heaps / 1e6).toFixed(0).padStart(6)} MB${' '.repeat(12)}| ${stats ? `${(stats.firstRegionMilliseconds / 1000).toFixed(1).padStart(6)} s` : '     — '}    | ${end} | ` +
          `${reopen.length ? `${reopen.map((r) => r.toFixed(2)).join(' / ')} s ` : ''}(stems ${where}, ${buffered.toFixed(0)} s of them in the player)`,
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
