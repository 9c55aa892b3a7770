/**
 * Key and tempo: what the stretch costs on the audio thread, and whether playback through it
 * drops out while a separation runs.
 *
 * 1. Per render quantum: the stretch's processor itself (the very AudioWorkletProcessor, run in
 *    Node's V8 through src/worker/stretch-offline.ts, as exports run it), each process() call
 *    timed after a warm-up: mean, median, 99th percentile and worst, against the real-time
 *    budget of a quantum (128 frames: 2.90 ms). The processor does its FFTs every 30 ms, so
 *    most quanta cost nothing and one in ten costs the most.
 * 2. In the AudioWorklet: a minute of four stems rendered in an OfflineAudioContext through the
 *    mixer's own graph (stem-player.ts → key-tempo-stage.ts) at 100 % / 0 st (the stretch
 *    bypassed) and with it, medians of `--runs` after a warm-up render.
 * 3. Dropouts: the built page plays a minute (the reference sample five times) from its first
 *    region on while the real model separates the rest (both cores busy), at 100 % / 0 st and at
 *    75 % / +2 st, for `--play` seconds; Chromium's `AudioContext.playbackStats` counts the
 *    underruns.
 *
 *   npm run bench:stretch -- [--runs 3] [--seconds 60] [--play 40]
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { build, createServer, preview } from 'vite';
import type {} from '../components/demucs-mixer.ts';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/chromium.mjs';
import { pitchShift } from '../src/core/key-tempo.ts';
import { offlineShifter } from '../src/worker/stretch-offline.ts';
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

/** Microseconds per process() call of the processor in Node: mean, median, 99th percentile, worst. */
async function perQuantum(key: number, speed: number, formants: boolean): Promise<[number, number, number, number]> {
  const shifter = await offlineShifter(pitchShift(key, speed, formants));
  const input: [Float32Array, Float32Array] = [new Float32Array(128), new Float32Array(128)];
  const output: [Float32Array, Float32Array] = [new Float32Array(128), new Float32Array(128)];
  const times: number[] = [];
  for (let q = 0, n = 0; q < 400 + seconds * 345; q++) {
    for (let i = 0; i < 128; i++, n++) {
      input[0][i] = 0.3 * Math.sin(n * 0.05) + 0.05 * Math.sin(n * 1.3);
      input[1][i] = 0.3 * Math.sin(n * 0.031) + 0.05 * Math.sin(n * 0.9);
    }
    const started = performance.now();
    shifter.process(input, output);
    if (q >= 400) times.push((performance.now() - started) * 1000);
  }
  shifter.close();
  times.sort((a, b) => a - b);
  return [times.reduce((a, b) => a + b, 0) / times.length, times[Math.floor(times.length / 2)]!, times[Math.floor(times.length * 0.99)]!, times[times.length - 1]!];
}

/** Milliseconds to render `seconds` of four stems offline at each setting (one run each). */
async function renderTimes(browser: Browser, url: string): Promise<number[]> {
  const page = await browser.newPage();
  await page.goto(url);
  const times = await page.evaluate(
    async (settings, seconds) => {
      // The source modules, from the dev server (as the demo page loads them).
      // (A Function, so that TypeScript leaves the import as it is.)
      const load = new Function('path', 'return import(path)') as (path: string) => Promise<Record<string, never>>;
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
      // A warm-up render first (the worklet's module and WASM compiled), not counted.
      for (const s of [settings[1]!, ...settings]) {
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
      return out.slice(1);
    },
    SETTINGS as unknown as { tempo: number; key: number; formants: boolean }[],
    seconds,
  );
  await page.close();
  return times;
}

/** Frames the output filled itself (dropouts) while the built page plays the sample during a separation. */
async function dropouts(browser: Browser, url: string, key: number, tempo: number, threads = 0, separating = true, fresh = true): Promise<{ events: number; ms: number; separated: boolean } | null> {
  const page = await browser.newPage();
  await page.goto(url);
  const result = await page.evaluate(
    async (key, tempo, play, threads, separating, fresh) => {
      const m = document.querySelector('demucs-mixer')!;
      await new Promise<void>((done, fail) => {
        m.addEventListener('demucs-ready', (e) => {
          if (!threads || e.detail.threads === threads) return done();
          m.threads = threads;
          void m.loadModel(m.model);
        });
        m.addEventListener('demucs-error', (e) => fail(new Error(e.detail.message)), { once: true });
      });
      const context = m.output.context as AudioContext & { playbackStats?: { underrunEvents: number; underrunDuration: number } };
      if (!context.playbackStats) return null;
      // Separated afresh each time (not reopened from an earlier case's stored separation).
      if (fresh) for (const stored of await m.stored()) await m.forget(stored.id);
      m.key = key;
      m.tempo = tempo;
      const song = await (await fetch('/sample.wav')).blob();
      const separated = m.load(new File([song], 'sample.wav'));
      // Plays from the first region on, while the rest separates (or once it is separated).
      if (separating) await new Promise<void>((r) => m.addEventListener('demucs-progress', () => r(), { once: true }));
      else await separated;
      await m.play();
      const before = { events: context.playbackStats.underrunEvents, ms: context.playbackStats.underrunDuration * 1000 };
      const busy = await Promise.race([separated.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), play * 1000))]);
      const after = context.playbackStats;
      m.pause();
      return { events: after.underrunEvents - before.events, ms: after.underrunDuration * 1000 - before.ms, separated: !busy };
    },
    key,
    tempo,
    play,
    threads,
    separating,
    fresh,
  );
  await page.close();
  return result;
}

const explore = args.includes('--explore');
const browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, protocolTimeout: 3_600_000 });
if (!explore) {
  // 1. The processor per quantum, in Node.
  console.log(`the stretch's processor per render quantum (Node, ${seconds} s of quanta after a warm-up); the real-time budget is ${QUANTUM_MS.toFixed(2)} ms`);
  console.log('setting                      | mean (µs) | median (µs) | 99th pct (µs) | worst (µs) | mean / budget | worst / budget');
  for (const s of SETTINGS.slice(1)) {
    const [mean, mid, p99, worst] = await perQuantum(s.key, s.tempo / 100, s.formants);
    const share = (us: number) => `${((us / 1000 / QUANTUM_MS) * 100).toFixed(1)} %`;
    console.log(`${s.label.padEnd(28)} | ${mean.toFixed(1).padStart(9)} | ${mid.toFixed(1).padStart(11)} | ${p99.toFixed(0).padStart(13)} | ${worst.toFixed(0).padStart(10)} | ${share(mean).padStart(13)} | ${share(worst).padStart(14)}`);
  }

  // 2. Render cost in the AudioWorklet, on the dev server (the source modules, the same processor).
  const dev = await createServer({ root: ROOT, logLevel: 'error', server: { port: 0, host: '127.0.0.1' } });
  await dev.listen();
  try {
    const times: number[][] = SETTINGS.map(() => []);
    for (let r = 0; r < runs; r++) (await renderTimes(browser, `${dev.resolvedUrls!.local[0]}bench/stretch.html`)).forEach((t, k) => times[k]!.push(t));
      console.log(`\nthe mixer's graph rendering ${seconds} s of four stems in an OfflineAudioContext (Chromium, medians of ${runs})`);
    console.log('setting                      | render (s) | the whole graph per quantum of output (µs)');
    SETTINGS.forEach((s, k) => {
      const t = median(times[k]!);
      const quanta = (seconds * 44100) / (s.tempo / 100) / 128;
      console.log(`${s.label.padEnd(28)} | ${(t / 1000).toFixed(2).padStart(10)} | ${((t / quanta) * 1000).toFixed(1).padStart(42)}`);
    });
  } finally {
    await dev.close();
  }
}

// 3. Dropouts on the built page while the real model separates.
await build({ root: ROOT, logLevel: 'warn' });
const dist = join(ROOT, 'dist');
// The reference sample five times over: a minute to separate while it plays.
execFileSync('ffmpeg', ['-v', 'error', '-y', '-stream_loop', '4', '-i', join(ROOT, '../shared/reference/sample/mixture.wav'), '-c', 'copy', join(dist, 'sample.wav')]);
const server = await preview({ root: ROOT, logLevel: 'warn', preview: { port: 0, host: '127.0.0.1' } });
try {
  console.log(`\nplayback while the real model separates the sample (${play} s at most), Chromium's playbackStats:`);
  console.log('setting          | underruns | underrun (ms) | separation finished meanwhile');
  const cases = explore
    ? ([[0, 100, 0, true, true], [2, 75, 0, true, false], [0, 100, 0, true, true], [0, 100, 0, true, false]] as const)
    : ([[0, 100, 0, true, true], [2, 75, 0, true, true]] as const);
  for (const [key, tempo, threads, separating, fresh] of cases) {
    const found = await dropouts(browser, server.resolvedUrls!.local[0]!, key, tempo, threads, separating, fresh);
    if (!found) {
      console.log('this Chromium has no AudioContext.playbackStats: dropouts not measured');
      break;
    }
    console.log(`${`${tempo} %, ${key ? '+' : ''}${key} st${threads ? `, ${threads} thread` : ''}${separating ? '' : ', separated'}${fresh ? '' : ', resumed'}`.padEnd(16)} | ${String(found.events).padStart(9)} | ${found.ms.toFixed(1).padStart(13)} | ${found.separated ? 'yes' : 'no'}`);
  }
} finally {
  await browser.close();
  await new Promise<void>((r) => server.httpServer.close(() => r()));
  rmSync(join(dist, 'sample.wav'), { force: true });
}
