/**
 * Key and tempo: what the stretch costs on the audio thread, and whether playback through it
 * drops out while a separation runs.
 *
 * 1. Render time per render quantum, in the AudioWorklet: a minute of four stems rendered in an
 *    OfflineAudioContext through the mixer's own graph (stem-player.ts → key-tempo-stage.ts) at
 *    100 % / 0 st (the stretch bypassed) and with it (+2 st; 75 %; 75 % +2 st; formants kept),
 *    medians of `--runs`; the stretch's share is the difference, per quantum of output, against
 *    the real-time budget of a quantum (128 frames: 2.90 ms).
 * 2. Dropouts: the built page plays the reference sample looped at 75 % and +2 st while the real
 *    model separates it (both cores busy), and the same at 100 % / 0 st; Chromium's
 *    `AudioContext.playoutStats` counts the frames the output had to fill itself.
 *
 *   npm run bench:stretch -- [--runs 3] [--seconds 60] [--play 40]
 */
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { build, createServer, preview } from 'vite';
import type {} from '../components/demucs-mixer.ts';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/chromium.mjs';
import { ROOT } from './measure.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const runs = Number(option('--runs', '3'));
const seconds = Number(option('--seconds', '60'));
const play = Number(option('--play', '40'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const QUANTUM_MS = (128 / 44100) * 1000;

const SETTINGS = [
  { label: '100 %, 0 st (bypassed)', tempo: 100, key: 0, formants: false },
  { label: '100 %, +2 st', tempo: 100, key: 2, formants: false },
  { label: '75 %, 0 st', tempo: 75, key: 0, formants: false },
  { label: '75 %, +2 st', tempo: 75, key: 2, formants: false },
  { label: '75 %, +2 st, formants kept', tempo: 75, key: 2, formants: true },
] as const;

/** Milliseconds to render `seconds` of four stems offline at each setting (one run each). */
async function renderTimes(browser: Browser, url: string): Promise<number[]> {
  const page = await browser.newPage();
  await page.goto(url);
  const times = await page.evaluate(
    async (settings, seconds) => {
      // The source modules, from the dev server (as the demo page loads them).
      const load = (path: string) => import(path) as Promise<Record<string, never>>;
      const { KeyTempoStage } = (await load('/components/audio/key-tempo-stage.ts')) as unknown as typeof import('../components/audio/key-tempo-stage.ts');
      const { StemPlayer } = (await load('/components/audio/stem-player.ts')) as unknown as typeof import('../components/audio/stem-player.ts');
      const { pitchShift } = (await load('/src/core/key-tempo.ts')) as unknown as typeof import('../src/core/key-tempo.ts');
      const url = ((await load('/worklet/stretch.processor.ts?worker&url')) as unknown as { default: string }).default;
      const rate = 44100;
      const n = seconds * rate;
      const stems = [1, 2, 3, 4].map((k) =>
        [0, 1].map((c) => Float32Array.from({ length: n }, (_, i) => 0.2 * Math.sin((2 * Math.PI * (110 * k + 30 * c) * i) / rate) + 0.05 * Math.sin(i * 0.37 * k))),
      );
      const out: number[] = [];
      for (const s of settings) {
        const speed = s.tempo / 100;
        const context = new OfflineAudioContext({ numberOfChannels: 2, length: Math.round(n / speed), sampleRate: rate });
        const stage = new KeyTempoStage(context, context.destination);
        const player = new StemPlayer(context, ['drums', 'bass', 'other', 'vocals'], n, stage.input);
        player.addRegion(0, stems);
        await stage.prepare(url);
        player.setSpeed(speed);
        await stage.set(pitchShift(s.key, speed, s.formants), 0, url);
        player.play();
        const started = performance.now();
        await context.startRendering();
        out.push(performance.now() - started);
        player.dispose();
      }
      return out;
    },
    SETTINGS as unknown as { tempo: number; key: number; formants: boolean }[],
    seconds,
  );
  await page.close();
  return times;
}

/** Frames the output filled itself (dropouts) while the built page plays the sample during a separation. */
async function dropouts(browser: Browser, url: string, key: number, tempo: number): Promise<{ events: number; ms: number; separated: boolean } | null> {
  const page = await browser.newPage();
  await page.goto(url);
  const result = await page.evaluate(
    async (key, tempo, play) => {
      const m = document.querySelector('demucs-mixer')!;
      await new Promise<void>((done, fail) => {
        m.addEventListener('demucs-ready', () => done(), { once: true });
        m.addEventListener('demucs-error', (e) => fail(new Error(e.detail.message)), { once: true });
      });
      const context = m.output.context as AudioContext & { playoutStats?: { fallbackFramesEvents: number; fallbackDuration: number } };
      if (!context.playoutStats) return null;
      m.key = key;
      m.tempo = tempo;
      const song = await (await fetch('/sample.wav')).blob();
      const separated = m.load(new File([song], 'sample.wav'));
      await new Promise((r) => setTimeout(r, 50));
      m.setLoop(0, 11.9);
      await m.play();
      const before = { events: context.playoutStats.fallbackFramesEvents, ms: context.playoutStats.fallbackDuration };
      const busy = await Promise.race([separated.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), play * 1000))]);
      const after = context.playoutStats;
      m.pause();
      return { events: after.fallbackFramesEvents - before.events, ms: after.fallbackDuration - before.ms, separated: !busy };
    },
    key,
    tempo,
    play,
  );
  await page.close();
  return result;
}

// 1. Render cost, on the dev server (the source modules, the same processor).
const dev = await createServer({ root: ROOT, logLevel: 'error', server: { port: 0, host: '127.0.0.1' } });
await dev.listen();
const browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, protocolTimeout: 3_600_000 });
try {
  const times: number[][] = SETTINGS.map(() => []);
  for (let r = 0; r < runs; r++) (await renderTimes(browser, `${dev.resolvedUrls!.local[0]}bench/stretch.html`)).forEach((t, k) => times[k]!.push(t));
  const base = median(times[0]!);
  console.log(`render of ${seconds} s of four stems (offline, medians of ${runs}); a quantum's real-time budget is ${QUANTUM_MS.toFixed(2)} ms`);
  console.log('setting                      | render (s) | stretch per quantum (µs) | share of the budget');
  SETTINGS.forEach((s, k) => {
    const t = median(times[k]!);
    const quanta = (seconds * 44100) / (s.tempo / 100) / 128;
    const per = k === 0 ? 0 : ((t - base * (100 / s.tempo)) / quanta) * 1000;
    console.log(`${s.label.padEnd(28)} | ${(t / 1000).toFixed(2).padStart(10)} | ${k === 0 ? '—'.padStart(24) : per.toFixed(0).padStart(24)} | ${k === 0 ? '—' : `${((per / 1000 / QUANTUM_MS) * 100).toFixed(1)} %`}`);
  });
} finally {
  await dev.close();
}

// 2. Dropouts on the built page while the real model separates.
await build({ root: ROOT, logLevel: 'warn' });
const dist = join(ROOT, 'dist');
copyFileSync(join(ROOT, '../shared/reference/sample/mixture.wav'), join(dist, 'sample.wav'));
const server = await preview({ root: ROOT, logLevel: 'warn', preview: { port: 0, host: '127.0.0.1' } });
try {
  console.log(`\nplayback while the real model separates the sample (${play} s at most), Chromium's playoutStats:`);
  console.log('setting          | dropout events | dropped (ms) | separation finished meanwhile');
  for (const [key, tempo] of [[0, 100], [2, 75]] as const) {
    const found = await dropouts(browser, server.resolvedUrls!.local[0]!, key, tempo);
    if (!found) {
      console.log('this Chromium has no AudioContext.playoutStats: dropouts not measured');
      break;
    }
    console.log(`${`${tempo} %, ${key ? '+' : ''}${key} st`.padEnd(16)} | ${String(found.events).padStart(14)} | ${found.ms.toFixed(1).padStart(12)} | ${found.separated ? 'yes' : 'no'}`);
  }
} finally {
  await browser.close();
  await new Promise<void>((r) => server.httpServer.close(() => r()));
  rmSync(join(dist, 'sample.wav'), { force: true });
}
