/**
 * The mixer's states on the built page, for the accessibility and layout audit (look.test.ts)
 * and the screenshots (tools/screenshots.ts): empty, model loading, separating, separated,
 * live, error; each at 360, 768 and 1280 px wide, light and dark. The page is the built
 * index.html without its `model` attribute (nothing loads until a state asks), and the model is
 * the small test model (test/fixtures/models/wave4.onnx) copied beside the real one.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { build, preview, type PreviewServer } from 'vite';
import { ROOT } from '../node/helpers.ts';
import type {} from '../../components/demucs-mixer.ts';

export const STATES = ['empty', 'model-loading', 'separating', 'separated', 'live', 'error'] as const;
export type MixerState = (typeof STATES)[number];
export const WIDTHS = [360, 768, 1280] as const;
export const THEMES = ['light', 'dark'] as const;

const DIST = join(ROOT, 'dist');
const TEST_MODEL = 'models/test-wave4.onnx';

/** Builds the page (vite build) with the states' page and model beside it, and serves it (vite preview). */
export async function serveStatesPage(): Promise<{ server: PreviewServer; url: string }> {
  await build({ root: ROOT, logLevel: 'warn', build: { outDir: DIST } });
  copyFileSync(join(ROOT, 'test/fixtures/models/wave4.onnx'), join(DIST, TEST_MODEL));
  const page = readFileSync(join(DIST, 'index.html'), 'utf8').replace(/ model="[^"]*"/, '');
  writeFileSync(join(DIST, 'states.html'), page);
  const server = await preview({ root: ROOT, logLevel: 'warn', preview: { port: 0, host: '127.0.0.1' }, build: { outDir: DIST } });
  return { server, url: new URL('states.html', server.resolvedUrls!.local[0]!).href };
}

/** Puts a new mixer on the page in `state` (the last one goes, live mode stopped). */
export async function enterState(page: Page, state: MixerState): Promise<void> {
  await page.evaluate(
    async (state, model) => {
      const old = document.querySelector('demucs-mixer')!;
      await old.stopLive();
      const m = document.createElement('demucs-mixer');
      m.backends = ['wasm'];
      m.shifts = 0;
      old.replaceWith(m);
      await m.updateComplete;
      /** A song: a chord and some noise, as a 16-bit WAV file. */
      const song = (seconds: number, name: string) => {
        const n = seconds * 44100;
        const data = new Int16Array(2 * n);
        let seed = 7;
        for (let i = 0; i < n; i++) {
          seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
          const t = i / 44100;
          const v = 0.2 * Math.sin(2 * Math.PI * 220 * t) + 0.15 * Math.sin(2 * Math.PI * 277 * t) + 0.1 * Math.sin(2 * Math.PI * 330 * t) * (t % 1 < 0.5 ? 1 : 0.2) + 0.05 * (seed / 2 ** 32 - 0.5);
          data[2 * i] = data[2 * i + 1] = Math.round(v * 32767);
        }
        const header = new DataView(new ArrayBuffer(44));
        const text = (at: number, s: string) => [...s].forEach((c, k) => header.setUint8(at + k, c.charCodeAt(0)));
        text(0, 'RIFF');
        header.setUint32(4, 36 + data.byteLength, true);
        text(8, 'WAVEfmt ');
        header.setUint32(16, 16, true);
        header.setUint16(20, 1, true);
        header.setUint16(22, 2, true);
        header.setUint32(24, 44100, true);
        header.setUint32(28, 44100 * 4, true);
        header.setUint16(32, 4, true);
        header.setUint16(34, 16, true);
        text(36, 'data');
        header.setUint32(40, data.byteLength, true);
        return new File([header, data], name, { type: 'audio/wav', lastModified: Date.now() });
      };
      const until = (check: () => boolean) =>
        new Promise<void>((resolve, reject) => {
          const started = Date.now();
          const poll = () => (check() ? resolve() : Date.now() - started > 120_000 ? reject(new Error(`${state}: not reached`)) : setTimeout(poll, 20));
          poll();
        });
      switch (state) {
        case 'empty':
          break;
        case 'model-loading':
          // Each stage lasts 30 s: it stays loading through the audit.
          m._stageDelayForTests = 30_000;
          void m.loadModel(`${model}?loading=${Date.now()}`).catch(() => undefined);
          await until(() => /downloading|from the cache/.test(m.shadowRoot!.querySelector('[part=status]')?.textContent ?? ''));
          break;
        case 'separating': {
          await m.loadModel(model);
          void m.load(song(600, 'ten-minutes.wav')).catch(() => undefined);
          await until(() => m.separatedSeconds > 0);
          break;
        }
        case 'separated':
          await m.loadModel(model);
          await m.load(song(30, 'thirty-seconds.wav'));
          m.seek(7.5);
          m.setLoop(10, 14);
          m.setPan('bass', -0.5);
          m.setGain('drums', -6);
          break;
        case 'live':
          m.model = model;
          await m.startLive({ source: song(60, 'live.wav'), latency: 'balanced', autoLatency: false });
          break;
        case 'error':
          await m.loadModel(model);
          await m.load(new File([new Uint8Array(4096).fill(7)], 'broken.mp3', { type: 'audio/mpeg' })).catch(() => undefined);
          await until(() => m.shadowRoot!.querySelector('.error') !== null);
          break;
      }
      await m.updateComplete;
    },
    state,
    TEST_MODEL,
  );
}

/** Sets the page's width and the mixer's theme, and waits for the layout to follow. */
export async function showAt(page: Page, width: number, theme: (typeof THEMES)[number]): Promise<void> {
  await page.setViewport({ width, height: 900 });
  await page.evaluate(async (theme) => {
    const m = document.querySelector('demucs-mixer')!;
    m.theme = theme;
    await m.updateComplete;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    await m.updateComplete;
    // The colours' transitions to the new theme have ended.
    await Promise.all(m.shadowRoot!.getAnimations().map((a) => a.finished.catch(() => undefined)));
  }, theme);
}

/** Where the page overflows: its own width past the viewport, and controls of the mixer outside it. */
export function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width) problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px in ${width}`);
    const m = document.querySelector('demucs-mixer')!;
    for (const control of m.shadowRoot!.querySelectorAll<HTMLElement>('button, input, select, [tabindex="0"], [part=status] span')) {
      const r = control.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue; // not shown
      if (r.left < -0.5 || r.right > width + 0.5) {
        problems.push(`${control.tagName.toLowerCase()} "${control.getAttribute('aria-label') ?? control.textContent?.trim().slice(0, 30)}" at ${r.left.toFixed(0)}…${r.right.toFixed(0)} px of ${width}`);
      }
    }
    return problems;
  });
}
