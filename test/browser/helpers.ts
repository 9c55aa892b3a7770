/** Browser test helpers: signals, WAV blobs, waiting for events. */
import { encodeWav } from '../../src/core/wav.ts';

export const MODELS = '/test/fixtures/models';

export function stereoSignal(length: number, seed = 1): [Float32Array, Float32Array] {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const left = new Float32Array(length);
  const right = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    left[i] = 0.3 * rnd() + 0.4 * Math.sin(i * 0.013) + 0.01;
    right[i] = 0.2 * rnd() + 0.3 * Math.cos(i * 0.007) - 0.005;
  }
  return [left, right];
}

export function wavFile(left: Float32Array, right: Float32Array, name = 'song.wav'): File {
  return new File(encodeWav(left, right, 'f32') as BlobPart[], name, { type: 'audio/wav' });
}

export function nextEvent<T extends Event>(target: EventTarget, type: string, timeout = 120000): Promise<T> {
  const event = new Promise<T>((resolve) => target.addEventListener(type, (e) => resolve(e as T), { once: true }));
  return within(event, `no ${type}`, undefined, timeout);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `promise`, or a rejection naming `step` and what `state()` says then, after `timeout` ms. */
export function within<T>(promise: Promise<T>, step: string, state: () => string = () => '', timeout = 60000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${step}: not done within ${timeout} ms (${state()})`)), timeout);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Waits until `condition()` holds (checked every 50 ms); rejects naming `what` after `timeout` ms. */
export async function until(condition: () => boolean, what: string, timeout = 60000): Promise<void> {
  const end = performance.now() + timeout;
  while (!condition()) {
    if (performance.now() > end) throw new Error(`not ${what} within ${timeout} ms`);
    await sleep(50);
  }
}


/** Reads the float32 samples of a WAV blob made by encodeWav (44-byte header), deinterleaved. */
export async function readWav(blob: Blob): Promise<{ left: Float32Array; right: Float32Array; bits: number; tag: number }> {
  const bytes = await blob.arrayBuffer();
  const view = new DataView(bytes);
  const tag = view.getUint16(20, true);
  const bits = view.getUint16(34, true);
  const n = view.getUint32(40, true) / (2 * (bits / 8));
  const left = new Float32Array(n);
  const right = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (const [c, out] of [left, right].entries()) {
      const at = 44 + (2 * i + c) * (bits / 8);
      out[i] = tag === 3 ? view.getFloat32(at, true) : bits === 16 ? view.getInt16(at, true) / 32768 : 0;
    }
  }
  return { left, right, bits, tag };
}

export { maxAbsDiff } from '../../src/core/metrics.ts';
