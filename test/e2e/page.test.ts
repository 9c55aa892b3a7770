/**
 * End to end on the built page (vite build + vite preview, cross-origin isolated) in Debian's
 * Chromium, with the real htdemucs model in WASM: load the reference sample through the file
 * picker, separate, play a second, export, and check the stems against the original
 * implementation's (≥ 40 dB SDR). Slow (about a minute); runs in CI.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../chromium.mjs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { build, preview, type PreviewServer } from 'vite';
import { sdr } from '../../src/core/metrics.ts';
import { readStereoWav, REFERENCE, ROOT } from '../node/helpers.ts';
import type {} from '../../components/demucs-mixer.ts'; // types of document.querySelector('demucs-mixer')

const STEMS = ['drums', 'bass', 'other', 'vocals'];
const present = existsSync(join(REFERENCE, 'mixture.wav'));

describe(`built page, real model in WASM${present ? '' : ' (skipped: ../shared/reference is not beside the checkout)'}`, { skip: !present }, () => {
  let server: PreviewServer;
  let browser: Browser;
  let page: Page;
  const logs: string[] = [];

  before(async () => {
    await build({ root: ROOT, logLevel: 'warn', build: { outDir: join(ROOT, 'dist') } });
    server = await preview({ root: ROOT, logLevel: 'warn', preview: { port: 0, host: '127.0.0.1' }, build: { outDir: join(ROOT, 'dist') } });
    browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, protocolTimeout: 600_000 });
    page = await browser.newPage();
    page.on('console', (m) => logs.push(m.text()));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e}`));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('loads the default model, separates the reference sample, plays, exports; stems ≥ 40 dB SDR', async () => {
    const url = server.resolvedUrls!.local[0]!;
    await page.goto(url);
    const ready = await page.evaluate(
      () =>
        new Promise<{ backend: string; threads: number }>((resolve, reject) => {
          const m = document.querySelector('demucs-mixer')!;
          m.shifts = 0;
          if (m.backend) resolve({ backend: m.backend, threads: 0 });
          m.addEventListener('demucs-ready', (e) => resolve(e.detail));
          m.addEventListener('demucs-error', (e) => reject(new Error(e.detail.message)));
        }),
    );
    assert.equal(ready.backend, 'wasm');
    const input = (await page.evaluateHandle(() => document.querySelector('demucs-mixer')!.shadowRoot!.querySelector('input[type=file]'))).asElement();
    assert.ok(input);
    const started = Date.now();
    const separated = page.evaluate(
      () =>
        new Promise<{ first: number; done: number }>((resolve, reject) => {
          const m = document.querySelector('demucs-mixer')!;
          const t0 = performance.now();
          let first = 0;
          m.addEventListener('demucs-progress', (e) => {
            if (!first) first = performance.now() - t0;
            if (e.detail.done) resolve({ first, done: performance.now() - t0 });
          });
          m.addEventListener('demucs-error', (e) => reject(new Error(e.detail.message)));
        }),
    );
    await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(join(REFERENCE, 'mixture.wav'));
    const timing = await separated;
    console.log(`separation in the page: first region after ${(timing.first / 1000).toFixed(1)} s, done after ${(timing.done / 1000).toFixed(1)} s (${((Date.now() - started) / 1000).toFixed(1)} s wall)`);

    const played = await page.evaluate(async () => {
      const m = document.querySelector('demucs-mixer')!;
      m.seek(0);
      await m.play();
      await new Promise((r) => setTimeout(r, 1300));
      const at = m.currentTime;
      m.pause();
      return at;
    });
    assert.ok(played >= 1, `played ${played} s`);

    const exported = await page.evaluate(async () => {
      const m = document.querySelector('demucs-mixer')!;
      const toBase64 = async (blob: Blob) => {
        const bytes = new Uint8Array(await blob.arrayBuffer());
        let s = '';
        for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        return btoa(s);
      };
      const stems = await m.exportStems('f32');
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(stems)) out[k] = await toBase64(v);
      m.karaoke(true);
      const mix = await m.exportMix('wav16');
      return { stems: out, mixBytes: mix.size };
    });
    assert.equal(exported.mixBytes, 44 + 529200 * 4, 'the mix is a whole 16-bit stereo WAV');
    for (const stem of STEMS) {
      const ours = readStereoWav(Buffer.from(exported.stems[stem]!, 'base64'));
      const want = readStereoWav(readFileSync(join(REFERENCE, 'shifts0', `${stem}.wav`)));
      const db = sdr([want.left, want.right], [ours.left, ours.right]);
      console.log(`${stem}: ${db.toFixed(1)} dB SDR against shifts0/`);
      assert.ok(db >= 40, `${stem}: ${db.toFixed(1)} dB`);
    }
    assert.ok(!logs.some((l) => l.startsWith('pageerror')), logs.join('\n'));
  });
});
