/**
 * The built demo page in a private window: an off-the-record browser context, whose storage
 * Chromium holds in memory with a quota the page cannot read (`navigator.storage.estimate()`
 * reports an artificial figure; the quota was 1.66 GB on this 24 GB machine). Fixture model.
 * A 20-minute song separates completely; a 60-minute one passes the quota (its decoded mix
 * alone takes 1.27 GB of it), goes on in memory within the stated budget and either completes
 * or stops with STORAGE_FULL saying what to do; what was separated plays and exports; the tab
 * never crashes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { build, preview, type PreviewServer } from 'vite';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../chromium.mjs';
import { ROOT } from '../node/helpers.ts';
import { writeSong } from './long-song.ts';
import { dropSong, FIXTURE_PAGE, modelReady, writeFixturePage } from './mixer-page.ts';

/** What the mixer reports once a song has separated or stopped. */
interface Outcome {
  readonly duration: number;
  readonly separated: number;
  readonly error: { code: string; message: string } | null;
  /** stemsInMemory at the end, and the status line's words about it while separating. */
  readonly memory: { fromSeconds: number; bytes: number; budgetBytes: number } | null;
  readonly said: string;
}

/** Waits for the song dropped next to finish or stop. */
function outcome(tab: Page): Promise<Outcome> {
  return tab.evaluate(
    () =>
      new Promise<Outcome>((done) => {
        const m = document.querySelector('demucs-mixer')!;
        let said = '';
        const end = (error: Outcome['error']) => done({ duration: m.duration, separated: m.separatedSeconds, error, memory: m.stemsInMemory, said });
        m.addEventListener('demucs-progress', (e) => {
          said ||= m.shadowRoot!.querySelector('demucs-status')?.querySelector('.memory')?.textContent ?? '';
          if (e.detail.done) end(null);
        });
        m.addEventListener('demucs-error', (e) => end({ code: e.detail.code, message: e.detail.message }), { once: true });
      }),
  );
}

/** Plays from `seconds`: whether it plays on by itself (the stems are there), and where it got to. */
function playsFrom(tab: Page, seconds: number): Promise<{ state: string; at: number }> {
  return tab.evaluate(async (from) => {
    const m = document.querySelector('demucs-mixer')!;
    m.seek(from);
    await m.play();
    await new Promise((r) => setTimeout(r, 700));
    const result = { state: m.playState, at: m.currentTime };
    m.pause();
    return result;
  }, seconds);
}

/** The mix exported as 16-bit WAV: its bytes, and the peak of its last second (the end of what was separated). */
function exportedMix(tab: Page): Promise<{ bytes: number; lastPeak: number }> {
  return tab.evaluate(async () => {
    const blob = await document.querySelector('demucs-mixer')!.exportMix('wav16');
    const last = new Int16Array(await blob.slice(blob.size - 44100 * 4).arrayBuffer());
    return { bytes: blob.size, lastPeak: last.reduce((p, x) => Math.max(p, Math.abs(x)), 0) / 32768 };
  });
}

describe('built demo page in a private window (fixture model)', () => {
  let server: PreviewServer;
  let browser: Browser;
  let dir: string;

  before(async () => {
    await build({ root: ROOT, logLevel: 'warn' });
    writeFixturePage();
    server = await preview({ root: ROOT, logLevel: 'warn', preview: { port: 0, host: '127.0.0.1' } });
    browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, protocolTimeout: 900_000 });
    dir = mkdtempSync(join(tmpdir(), 'e2e-private-'));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A tab in a private window of its own (a new off-the-record context: an empty storage of its own), the model ready. */
  async function privateTab(): Promise<{ tab: Page; errors: string[]; close(): Promise<void> }> {
    const context = await browser.createBrowserContext();
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    // A crashed tab ('error'): never.
    tab.on('error', (e) => errors.push(`crashed: ${e}`));
    await tab.goto(new URL(FIXTURE_PAGE, server.resolvedUrls!.local[0]!).href);
    await modelReady(tab);
    return { tab, errors, close: () => context.close() };
  }

  test('a 20-minute song separates completely, plays at its end and exports whole', async () => {
    const song = join(dir, 'twenty-minutes.wav');
    writeSong(song, 1200, 11);
    const { tab, errors, close } = await privateTab();
    try {
      const finished = outcome(tab);
      await dropSong(tab, song);
      const result = await finished;
      console.log(`private window, 20 min: ${result.error ? `${result.error.code}: ${result.error.message}` : 'complete'}; in memory: ${result.memory ? `from ${result.memory.fromSeconds.toFixed(1)} s, ${(result.memory.bytes / 1e6).toFixed(0)} MB` : 'none'}`);
      assert.equal(result.error, null);
      assert.equal(result.separated, 1200);
      const played = await playsFrom(tab, 1190);
      assert.ok(played.state === 'playing' && played.at > 1190.3, JSON.stringify(played));
      const mix = await exportedMix(tab);
      assert.equal(mix.bytes, 44 + 1200 * 44100 * 4);
      assert.ok(mix.lastPeak > 0.05, `the mix's last second peaks at ${mix.lastPeak}`);
      assert.deepEqual(errors, []);
    } finally {
      await close();
      rmSync(song, { force: true });
    }
  });

  test('a 60-minute song passes the private quota: the rest is kept in memory within the budget (the status line says so), then it completes or stops with STORAGE_FULL saying what to do; what was separated plays and exports; no crash', async () => {
    const song = join(dir, 'sixty-minutes.wav');
    writeSong(song, 3600, 13);
    const { tab, errors, close } = await privateTab();
    try {
      const finished = outcome(tab);
      await dropSong(tab, song);
      const result = await finished;
      const memory = result.memory!;
      console.log(
        `private window, 60 min: ${result.error ? `${result.error.code} at ${result.separated.toFixed(1)} s: ${result.error.message}` : 'complete'}; ` +
          `on disk to ${memory?.fromSeconds.toFixed(1)} s, then ${(memory?.bytes / 1e6).toFixed(0)} MB in memory of a budget of ${(memory?.budgetBytes / 1e6).toFixed(0)} MB; said: "${result.said}"`,
      );
      assert.ok(memory && memory.fromSeconds > 0, 'the storage refused the stems at some point, and memory took the rest');
      assert.ok(memory.bytes <= memory.budgetBytes, `${memory.bytes} bytes in memory, budget ${memory.budgetBytes}`);
      assert.match(result.said, /^the browser's storage is full \(a private window\?\): stems past .* are kept in memory, \d+ of \d+ MB$/);
      if (result.error) {
        assert.equal(result.error.code, 'STORAGE_FULL');
        assert.match(result.error.message, /refused the stems past [\d.]+ s \(in a private window it is held in memory and small; otherwise the disk is full\); those up to [\d.]+ s were kept in memory, its budget of \d+ MB is used up\. What was separated plays and exports; for the whole song, open the mixer in a normal window or free disk space/);
        // Memory was used up to its budget, less than one region (7.8 s of four stems) short.
        const regionBytes = 8 * 44100 * 4 * 8;
        assert.ok(memory.bytes > memory.budgetBytes - regionBytes, `${memory.bytes} of ${memory.budgetBytes} bytes`);
        assert.ok(result.separated < 3600);
      } else assert.equal(result.separated, 3600);
      const end = result.separated;
      const played = await playsFrom(tab, end - 3);
      assert.ok(played.state === 'playing' && played.at > end - 2.7, JSON.stringify(played));
      const mix = await exportedMix(tab);
      assert.equal(mix.bytes, 44 + Math.round(end * 44100) * 4, 'the export holds what was separated');
      assert.ok(mix.lastPeak > 0.05, `the mix's last second peaks at ${mix.lastPeak}`);
      assert.deepEqual(errors, []);
    } finally {
      await close();
      rmSync(song, { force: true });
    }
  });
});
