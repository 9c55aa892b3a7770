/**
 * Long songs in bounded memory: the worker decodes the file into OPFS, the stems go to disk as
 * they are separated, the page keeps only a window around the playhead, seeks read back from
 * disk, exports are written to disk piece by piece.
 */
import { MixerError, type DemucsMixer } from '../../components/index.ts';
import { encodeWav } from '../../src/core/wav.ts';
import { deepEqual, equal, ok } from './assert.ts';
import { MODELS, readWav } from './helpers.ts';
import { recordOutput, testMixer } from './mixer-helpers.ts';

const SECONDS = 150;
const N = SECONDS * 44100;
/** A ramp: each sample tells which sample it is (the stems add up to it: consistent). */
const ramp = Float32Array.from({ length: N }, (_, i) => i / N - 0.5);
const index = (y: number) => (y + 0.5) * N;

describe('long songs in bounded memory', function () {
  this.timeout(300000);
  let el: DemucsMixer;
  let song: File;

  before(async () => {
    el = await testMixer();
    await el.loadModel(`${MODELS}/wave4.onnx`);
    song = new File(encodeWav(ramp, ramp, 'f32') as BlobPart[], 'long.wav');
    await el.load(song);
  });
  after(() => el.remove());

  it(`a ${SECONDS} s song: stems on disk, about 22 s of them in memory`, () => {
    equal(el.duration, SECONDS);
    ok(el.stemsOnDisk, 'stems on disk');
    ok(el.bufferedSeconds <= 30, `${el.bufferedSeconds} s of stems in memory`);
  });

  it('kept as a stored separation, its sha256 recorded (hashed after the first region: 53 MB)', async () => {
    ok(song.size > 32 << 20, `${song.size} bytes`);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await song.arrayBuffer()));
    const expected = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
    let stored = (await el.stored()).find((s) => s.id === el.session?.id);
    for (let i = 0; i < 50 && !stored?.songSha256; i++) {
      await new Promise((r) => setTimeout(r, 100));
      stored = (await el.stored()).find((s) => s.id === el.session?.id);
    }
    equal(stored?.songSha256, expected);
    ok(stored!.complete && stored!.duration === SECONDS, 'complete, its duration');
  });

  it('a seek into a part only on disk plays from there at once, the right samples', async () => {
    const recording = await recordOutput(el.output);
    const target = 123.4;
    const started = performance.now();
    el.seek(target);
    await el.play();
    while (el.playState !== 'playing' && performance.now() - started < 5000) await new Promise((r) => setTimeout(r, 10));
    const waited = performance.now() - started;
    equal(el.playState, 'playing');
    ok(waited < 1000, `playing ${waited.toFixed(0)} ms after the seek`);
    await new Promise((r) => setTimeout(r, 800));
    el.pause();
    const out = recording.stop();
    const first = out.findIndex((y) => Math.abs(y) > 1e-6);
    ok(first >= 0, 'sound was recorded');
    const at = index(out[first + 100]!) - 100;
    ok(Math.abs(at - target * 44100) < 128, `playback started at sample ${at.toFixed(0)}, the seek asked ${target * 44100}`);
    let worst = 0;
    for (let i = first + 100; i < first + 20000; i++) worst = Math.max(worst, Math.abs(index(out[i]!) - (at + (i - first))));
    ok(worst < 2, `contiguous samples from there (worst ${worst.toFixed(2)})`);
    ok(el.bufferedSeconds <= 30, `${el.bufferedSeconds} s in memory after the seek`);
  });

  it('exports a stem and the mix from disk: whole, right values far into the song', async () => {
    const stems = await el.exportStems('f32');
    equal(stems['vocals']!.size, 44 + N * 8);
    const mix = await readWav(await el.exportMix('f32'));
    equal(mix.left.length, N);
    for (const i of [0, 1234567, N - 1]) ok(Math.abs(mix.left[i]! - ramp[i]!) < 1e-6, `mix sample ${i}: ${mix.left[i]} vs ${ramp[i]}`);
  });
});

describe('storage', function () {
  this.timeout(120000);

  it('a song whose stems would not fit: STORAGE_FULL before separating, naming the sizes; the mixer works after', async () => {
    const el = await testMixer();
    const estimate = navigator.storage.estimate;
    try {
      await el.loadModel(`${MODELS}/wave4.onnx`);
      const song = () => new File(encodeWav(ramp.subarray(0, 441000), ramp.subarray(0, 441000), 'f32') as BlobPart[], 'ten-seconds.wav');
      navigator.storage.estimate = async () => ({ usage: 0, quota: 10e6 });
      let message = '';
      el.addEventListener('demucs-error', (e) => (message = (e as CustomEvent<{ code: string; message: string }>).detail.message), { once: true });
      let code = '';
      await el.load(song()).catch((e: { code: string }) => (code = e.code));
      equal(code, 'STORAGE_FULL');
      ok(/10 MB free; this song's stems need 15 MB/.test(message), message);
      navigator.storage.estimate = estimate;
      await el.load(song());
      equal(el.duration, 10);
    } finally {
      navigator.storage.estimate = estimate;
      el.remove();
    }
  });
});

describe('the decoded song and the storage', function () {
  this.timeout(120000);
  const n = 40 * 44100;
  /** The ramp's first 40 s as a float WAV; `rate` rewrites its header's sample rate (48 kHz: resampled, so decoded into a spool). */
  const song = (name: string, rate = 44100) => {
    const [header, ...frames] = encodeWav(ramp.subarray(0, n), ramp.subarray(0, n), 'f32');
    const h = header!.slice();
    const v = new DataView(h.buffer);
    v.setUint32(24, rate, true);
    v.setUint32(28, rate * v.getUint16(32, true), true);
    return new File([h, ...frames] as BlobPart[], name);
  };
  const mixOf = async (el: DemucsMixer) => new Uint8Array(await (await el.exportMix('f32')).arrayBuffer());

  it('PCM at 44.1 kHz is read from the file as it is: it separates with no storage and no memory for its decoded mix', async () => {
    const el = await testMixer();
    try {
      await el.loadModel(`${MODELS}/wave4.onnx`);
      await el._failSpoolAfterForTests(0, 0);
      await el.load(song('read-as-it-is.wav'));
      equal(el.separatedSeconds, 40);
      const mix = await readWav(await el.exportMix('f32'));
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(mix.left[i]! - ramp[i]!), Math.abs(mix.right[i]! - ramp[i]!));
      ok(worst < 1e-6, `the mix of the stems is the song within ${worst}`);
      // The same refusal stops a song that needs a spool.
      const failed = await el.load(song('needs-a-spool.wav', 48000)).then(
        () => null,
        (e: { code: string }) => e,
      );
      equal(failed?.code, 'STORAGE_FULL');
    } finally {
      await el._failSpoolAfterForTests(null);
      el.remove();
    }
  });

  it('a spool past what the storage takes goes on in memory: the same stems as a spool all on disk; past its budget, STORAGE_FULL names the decoded song and what to do', async () => {
    const el = await testMixer();
    try {
      await el.loadModel(`${MODELS}/wave4.onnx`);
      await el.load(song('spooled-on-disk.wav', 48000));
      const onDisk = await mixOf(el);
      ok(await el.forget(el.session!.id), 'forgotten');
      await el._failSpoolAfterForTests(3);
      await el.load(song('spooled-in-memory.wav', 48000));
      ok(Math.abs(el.duration - n / 48000) < 1e-3, `${el.duration} s`);
      const inMemory = await mixOf(el);
      equal(inMemory.length, onDisk.length);
      equal(inMemory.findIndex((x, i) => x !== onDisk[i]), -1, 'the first byte that differs');
      ok(await el.forget(el.session!.id), 'forgotten');

      await el._failSpoolAfterForTests(3, 4e6);
      const failed = await el.load(song('past-the-budget.wav', 48000)).then(
        () => null,
        (e: { code: string; message: string }) => e,
      );
      equal(failed?.code, 'STORAGE_FULL');
      ok(/past-the-budget\.wav: the browser's storage refused the decoded song past [\d.]+ s \(in a private window it is held in memory and small; otherwise the disk is full\), and the memory budget of 4 MB for the rest is used up at [\d.]+ s\. Open the mixer in a normal window or free disk space, or separate a shorter song/.test(failed!.message), failed!.message);
    } finally {
      await el._failSpoolAfterForTests(null);
      el.remove();
    }
  });
});

describe('without OPFS on the page', function () {
  this.timeout(120000);

  it('the stems stay in memory; playback and exports work the same', async () => {
    const storage = navigator.storage as unknown as { getDirectory?: unknown };
    const getDirectory = storage.getDirectory;
    storage.getDirectory = undefined;
    const el = await testMixer();
    try {
      await el.loadModel(`${MODELS}/wave4.onnx`);
      const n = 30 * 44100;
      await el.load(new File(encodeWav(ramp.subarray(0, n), ramp.subarray(0, n), 'f32') as BlobPart[], 'thirty-seconds.wav'));
      ok(!el.stemsOnDisk, 'stems in memory');
      equal(el.bufferedSeconds, 30);
      deepEqual(el.stemsInMemory, { fromSeconds: 0, bytes: n * 4 * 8, budgetBytes: 2 ** 30 });
      const mix = await readWav(await el.exportMix('f32'));
      for (const i of [0, 654321, n - 1]) ok(Math.abs(mix.left[i]! - ramp[i]!) < 1e-6, `mix sample ${i}`);
      equal((await el.exportStems('f32'))['bass']!.size, 44 + n * 8);
      // Encoding runs in the store's worker, which this page cannot have: said so, WAV offered.
      const refused = await el.exportMix('mp3').then(() => null, (e: unknown) => e);
      ok(refused instanceof MixerError && refused.code === 'EXPORT' && /needs the browser's file storage \(OPFS\).*export as WAV/.test(refused.message), String(refused));
    } finally {
      storage.getDirectory = getDirectory;
      el.remove();
    }
  });

  it('the stems in memory stay within the budget (an eighth of a 256 MB device): past it STORAGE_FULL names it; what was kept plays and exports', async () => {
    const storage = navigator.storage as unknown as { getDirectory?: unknown };
    const getDirectory = storage.getDirectory;
    storage.getDirectory = undefined;
    Object.defineProperty(navigator, 'deviceMemory', { value: 0.25, configurable: true });
    const el = await testMixer();
    try {
      await el.loadModel(`${MODELS}/wave4.onnx`);
      const n = 30 * 44100;
      const failed = await el.load(new File(encodeWav(ramp.subarray(0, n), ramp.subarray(0, n), 'f32') as BlobPart[], 'thirty-seconds.wav')).then(
        () => null,
        (e: { code: string; message: string }) => e,
      );
      equal(failed?.code, 'STORAGE_FULL');
      ok(/no file storage \(a Firefox private window has none\), and the stems' memory budget of 34 MB is used up: stems past [\d.]+ s could not be kept\. What was separated plays and exports/.test(failed!.message), failed!.message);
      // Whole regions, as many as the budget holds (2²⁵ bytes: 23.8 s of four stems).
      const kept = Math.round(el.separatedSeconds * 44100);
      ok(kept <= 2 ** 25 / (4 * 8) && kept > 15 * 44100, `${kept} frames kept`);
      ok(failed!.message.includes(`past ${(kept / 44100).toFixed(1)} s`), failed!.message);
      equal(el.stemsInMemory!.bytes, kept * 4 * 8);
      const mix = await readWav(await el.exportMix('f32'));
      equal(mix.left.length, kept);
      for (const i of [0, 654321, kept - 1]) ok(Math.abs(mix.left[i]! - ramp[i]!) < 1e-6, `mix sample ${i}`);
      el.seek(kept / 44100 - 2);
      await el.play();
      await new Promise((r) => setTimeout(r, 500));
      ok(el.playState === 'playing', el.playState);
      el.pause();
    } finally {
      delete (navigator as { deviceMemory?: number }).deviceMemory;
      storage.getDirectory = getDirectory;
      el.remove();
    }
  });
});
