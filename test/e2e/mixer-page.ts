/**
 * What the end-to-end tests do with a page that holds a `<demucs-mixer>`, as a user and a host
 * page would: wait for the model, separate the reference sample through the file picker, play,
 * export and score the stems; go live on a click track and measure where the clicks come out.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { sdr } from '../../src/core/metrics.ts';
import type { LatencyPreset, LiveTiming } from '../../src/core/live.ts';
import { readStereoWav, REFERENCE, ROOT } from '../node/helpers.ts';
import type {} from '../../components/demucs-mixer.ts'; // types of document.querySelector('demucs-mixer')

export const STEMS = ['drums', 'bass', 'other', 'vocals'] as const;

/** The built page's twin that loads the fixture model (`dist/e2e.html`, the model beside it): call after `vite build`. */
export const FIXTURE_PAGE = 'e2e.html';
export function writeFixturePage(): void {
  mkdirSync(join(ROOT, 'dist/e2e'), { recursive: true });
  copyFileSync(join(ROOT, 'test/fixtures/models/wave4.onnx'), join(ROOT, 'dist/e2e/wave4.onnx'));
  writeFileSync(join(ROOT, 'dist', FIXTURE_PAGE), readFileSync(join(ROOT, 'dist/index.html'), 'utf8').replace('model="models/htdemucs.onnx"', 'model="/e2e/wave4.onnx"'));
}

/**
 * Waits for the mixer's model: its backend and WASM threads, or the error (also when the element
 * is not defined within a minute: its module did not load).
 */
export function modelReady(page: Page): Promise<{ backend: string; threads: number }> {
  return page.evaluate(
    () =>
      new Promise<{ backend: string; threads: number }>((resolve, reject) => {
        const since = Date.now();
        const wait = () => {
          const m = document.querySelector('demucs-mixer');
          if (!customElements.get('demucs-mixer') && Date.now() - since > 60_000) return reject(new Error('<demucs-mixer> was not defined within 60 s: its module did not load'));
          if (!m || !customElements.get('demucs-mixer')) return void setTimeout(wait, 50);
          m.shifts = 0;
          m.addEventListener('demucs-ready', (e) => resolve({ backend: e.detail.backend, threads: e.detail.threads }));
          m.addEventListener('demucs-error', (e) => reject(new Error(`${e.detail.code}: ${e.detail.message}`)));
          if (m.backend) resolve({ backend: m.backend, threads: m.threads });
        };
        wait();
      }),
  );
}

/** Drops a song file on the mixer's file input, as a user would. */
export async function dropSong(page: Page, path: string): Promise<void> {
  const input = (await page.evaluateHandle(() => document.querySelector('demucs-mixer')!.shadowRoot!.querySelector('input[type=file]'))).asElement()!;
  await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(path);
}

export interface FileModeResult {
  /** SDR of each stem against the original implementation's (shifts0/), dB. */
  readonly sdr: Record<string, number>;
  readonly seconds: number;
  readonly playedSeconds: number;
  readonly mixBytes: number;
}

/** Drops the reference sample into the file picker, separates it, plays a second, exports. */
export async function separateReference(page: Page): Promise<FileModeResult> {
  const input = (await page.evaluateHandle(() => document.querySelector('demucs-mixer')!.shadowRoot!.querySelector('input[type=file]'))).asElement();
  if (!input) throw new Error('no file input in the mixer');
  const started = Date.now();
  const separated = page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const m = document.querySelector('demucs-mixer')!;
        m.shifts = 0;
        m.consistent = false; // Demucs' own output, to compare with it
        m.addEventListener('demucs-progress', (e) => e.detail.done && resolve());
        m.addEventListener('demucs-error', (e) => reject(new Error(`${e.detail.code}: ${e.detail.message}`)));
      }),
  );
  await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(join(REFERENCE, 'mixture.wav'));
  await separated;
  const seconds = (Date.now() - started) / 1000;
  const out = await page.evaluate(async () => {
    const m = document.querySelector('demucs-mixer')!;
    m.seek(0);
    await m.play();
    await new Promise((r) => setTimeout(r, 1300));
    const playedSeconds = m.currentTime;
    m.pause();
    const toBase64 = async (blob: Blob) => {
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(s);
    };
    const stems: Record<string, string> = {};
    for (const [k, v] of Object.entries(await m.exportStems('f32'))) stems[k] = await toBase64(v);
    const mix = await m.exportMix('wav16');
    return { stems, playedSeconds, mixBytes: mix.size };
  });
  const scores: Record<string, number> = {};
  for (const stem of STEMS) {
    const ours = readStereoWav(Buffer.from(out.stems[stem]!, 'base64'));
    const want = readStereoWav(readFileSync(join(REFERENCE, 'shifts0', `${stem}.wav`)));
    scores[stem] = sdr([want.left, want.right], [ours.left, ours.right]);
  }
  return { sdr: scores, seconds, playedSeconds: out.playedSeconds, mixBytes: out.mixBytes };
}

/**
 * A live timing for the real model in WASM on this 2-core machine, where a run takes 6–9 s: a
 * 6.5 s hop cannot keep up for long, so the margin (18.5 s, 26 s of latency in all) holds the
 * first three runs' stems in time (the first 19 s of input), after which it would fall back
 * to the dry signal. A device that keeps up needs none of this (README, "Live mode").
 */
export const REAL_MODEL_LIVE: LiveTiming = { hop: 286720, lookahead: 44100, margin: 815850, crossfade: 4096 };

export interface LiveResult {
  /** Stated latency (samples). */
  readonly stated: number;
  /** Measured latency of each click (samples), and whether the stems (not the dry signal) played it. */
  readonly clicks: { readonly latency: number; readonly throughStems: boolean }[];
  readonly realtimeFactor: number;
  readonly xruns: number;
  /** The live states the element announced, in order (a restart shows as off, starting, running again). */
  readonly states: string[];
  /** The live panel's status line at the end. */
  readonly panel: string;
  /** The window the live panel shows as running (null where it offers no choice). */
  readonly liveWindow: string | null;
  /**
   * The dropouts as heard and as counted: spans of render quanta whose output is exactly the
   * input a latency earlier (the dry fallback; separated stems never add up to it exactly), where
   * that input is not silent; and the playback's counters when it stopped.
   */
  readonly dropouts: { readonly heard: number; readonly heardSeconds: number; readonly counted: number; readonly countedSeconds: number };
}

/**
 * Where a test server serves the recorder worklet (test/browser/recorder.processor.js) on the
 * page's origin: a page under the documented Content-Security-Policy may load no blob: script.
 */
export const RECORDER_PATH = '/__test/recorder.processor.js';
export const RECORDER_FILE = join(ROOT, 'test/browser/recorder.processor.js');

/** Samples of one click: a Hann-windowed burst of noise, broadband like a drum stick's tick. */
const CLICK = 256;
/** Clicks over the song, every 2 s from 1 s on. */
const CLICK_EVERY = 2 * 44100;
const FIRST_CLICK = 44100;

/**
 * Goes live on a click track over music (the reference sample, looped, with a click every 2 s:
 * the real model separates music, not clicks in silence) for `seconds`, records the input and
 * the mixer's output sample-aligned, and finds each click in the output by cross-correlation
 * (its own samples against the output) within 8192 samples of the stated latency.
 */
export async function liveClicks(page: Page, timing: LiveTiming | LatencyPreset, seconds: number, autoLatency = false, fileModel = false): Promise<LiveResult> {
  const recorder = readFileSync(RECORDER_FILE, 'utf8');
  const song = readStereoWav(readFileSync(join(REFERENCE, 'mixture.wav')));
  let seed = 12345;
  const noise = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const burst = Float32Array.from({ length: CLICK }, (_, i) => 0.5 * noise() * Math.sin((Math.PI * (i + 0.5)) / CLICK) ** 2);
  const track = [song.left.slice(), song.right.slice()];
  const period = track[0]!.length;
  for (const channel of track) for (let t = FIRST_CLICK; t + CLICK < period; t += CLICK_EVERY) for (let i = 0; i < CLICK; i++) channel[t + i]! += burst[i]!;
  const base64 = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64');
  const recorded = await page.evaluate(
    async (recorder, timing, seconds, autoLatency, fileModel, left, right) => {
      const m = document.querySelector('demucs-mixer')!;
      const context = m.output.context as AudioContext;
      // From the page's origin where the server has it (a page whose CSP allows no blob: scripts), else from a blob.
      const own = new URL(recorder.path, location.href).href;
      const served = await fetch(own, { method: 'HEAD' }).then((r) => r.ok, () => false);
      await context.audioWorklet.addModule(served ? own : URL.createObjectURL(new Blob([recorder.source], { type: 'text/javascript' })));
      const floats = (b64: string) => new Float32Array(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer);
      const channels = [floats(left), floats(right)];
      const buffer = new AudioBuffer({ numberOfChannels: 2, length: channels[0]!.length, sampleRate: 44100 });
      channels.forEach((data, c) => buffer.copyToChannel(data, c));
      const source = new AudioBufferSourceNode(context, { buffer, loop: true });
      const node = new AudioWorkletNode(context, 'test-recorder', { numberOfInputs: 2, numberOfOutputs: 0 });
      source.connect(node, 0, 0);
      m.output.connect(node, 0, 1);
      const input: Float32Array[] = [];
      const output: Float32Array[] = [];
      await new Promise<void>((ready) => {
        node.port.onmessage = (e: MessageEvent<[Float32Array, Float32Array] | 'ready'>) => {
          if (e.data === 'ready') return ready();
          input.push(e.data[0]);
          output.push(e.data[1]);
        };
      });
      const states: string[] = [];
      m.addEventListener('demucs-live-state', (e) => states.push((e as CustomEvent<{ state: string }>).detail.state));
      await m.startLive({ source, latency: timing, autoLatency, fileModel });
      source.start();
      await new Promise((r) => setTimeout(r, seconds * 1000));
      source.disconnect(node);
      m.output.disconnect(node);
      const stated = Math.round(m.latency * 44100);
      const panel = m.shadowRoot?.querySelector('demucs-live-panel .live-state')?.textContent ?? '';
      const liveWindow = m.shadowRoot?.querySelector<HTMLSelectElement>('demucs-live-panel .live-window')?.value ?? null;
      await m.stopLive();
      const counted = { counted: m._liveCounterForTests('xruns'), countedSeconds: (m._liveCounterForTests('dryQuanta') * 128) / 44100 };
      const result = { stated, realtimeFactor: m.realtimeFactor, xruns: m.xruns, states, panel, liveWindow, counted };
      const join = (blocks: Float32Array[]) => {
        const out = new Float32Array(blocks.length * 128);
        blocks.forEach((b, i) => out.set(b, i * 128));
        const bytes = new Uint8Array(out.buffer);
        let s = '';
        for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        return btoa(s);
      };
      return { ...result, input: join(input), output: join(output) };
    },
    { source: recorder, path: RECORDER_PATH },
    timing,
    seconds,
    autoLatency,
    fileModel,
    base64(track[0]!),
    base64(track[1]!),
  );
  const floats = (b64: string) => {
    const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
    return new Float32Array(bytes.buffer);
  };
  const { stated } = recorded;
  const input = floats(recorded.input);
  const output = floats(recorded.output);
  // The recording starts before the track: its first sound is the track's first sample.
  const offset = song.left.findIndex((x) => x !== 0);
  const start = input.findIndex((x) => x !== 0) - offset;
  const clicks: LiveResult['clicks'] = [];
  const search = 8192;
  const half = 4096;
  // The click is found by its own samples (first differences: the noise burst is broadband, the
  // music's energy is low): correlating the input around it, music included, once scored a lag
  // a beat away above the true one when the stems around the click differed from the mix.
  const slope = (x: ArrayLike<number>, at: number) => x[at]! - x[at - 1]!;
  const template = Float32Array.from({ length: CLICK }, (_, i) => burst[i]! - (i > 0 ? burst[i - 1]! : 0));
  for (let k = 0; ; k++) {
    const within = FIRST_CLICK + (k % 6) * CLICK_EVERY; // six clicks a loop of the 12 s song
    const c = start + Math.floor(k / 6) * period + within;
    if (within + CLICK >= period) continue;
    if (c + stated + search + half > output.length) break;
    let best = -Infinity;
    let lag = 0;
    for (let d = stated - search; d <= stated + search; d++) {
      let r = 0;
      for (let i = 0; i < CLICK; i++) r += template[i]! * slope(output, c + d + i);
      if (r > best) [best, lag] = [r, d];
    }
    // The dry fallback plays the input exactly; separated stems add up to something close to it.
    let difference = 0;
    for (let i = -half; i < half; i++) difference = Math.max(difference, Math.abs(output[c + lag + i]! - input[c + i]!));
    clicks.push({ latency: lag, throughStems: difference > 1e-4 });
  }
  return { stated, clicks, realtimeFactor: recorded.realtimeFactor, xruns: recorded.xruns, states: recorded.states, panel: recorded.panel, liveWindow: recorded.liveWindow, dropouts: { ...heardDropouts(input, output, stated), ...recorded.counted } };
}

/** Spans of whole render quanta played dry (the output exactly the input `latency` earlier, not silent there). */
function heardDropouts(input: Float32Array, output: Float32Array, latency: number): { heard: number; heardSeconds: number } {
  let heard = 0;
  let quanta = 0;
  let inSpan = false;
  for (let at = latency; at + 128 <= output.length; at += 128) {
    let level = 0;
    let heardLevel = 0;
    let difference = 0;
    for (let i = 0; i < 128; i++) {
      level = Math.max(level, Math.abs(input[at - latency + i]!));
      heardLevel = Math.max(heardLevel, Math.abs(output[at + i]!));
      difference = Math.max(difference, Math.abs(output[at + i]! - input[at - latency + i]!));
    }
    if (level < 1e-3 || heardLevel === 0) continue; // silence: either way
    if (difference < 1e-5) {
      quanta++;
      if (!inSpan) heard++;
      inSpan = true;
    } else inSpan = false;
  }
  return { heard, heardSeconds: (quanta * 128) / 44100 };
}

/** Logs every Content-Security-Policy violation of the page (and its frames) into `logs` as `csp: …`. */
export async function watchPolicy(page: Page, logs: string[]): Promise<void> {
  page.on('console', (m) => {
    if (m.text().startsWith('csp:')) logs.push(m.text());
  });
  await page.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.log(`csp: ${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`));
  });
}
