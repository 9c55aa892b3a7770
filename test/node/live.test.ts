import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SAMPLE_RATE, SEGMENT } from '../../src/core/constants.ts';
import { geometryOf, type Geometry } from '../../src/core/geometry.ts';
import { HOLD_HOP, HOLD_MARGIN, holdingTiming, LATENCY_PRESETS, latencyPreset, LiveSeparator, statedLatency, checkTiming, widenHop, type LiveTiming } from '../../src/core/live.ts';
import { separate } from '../../src/core/separator.ts';
import { FOUR_STEMS } from '../../src/core/stems.ts';
import { GainModel, memorySource, stereoSignal } from './helpers.ts';

/** Gains with a + b = 1: every stem equals the input wherever the model's window is whole. */
const UNITY = { a: [0, 0.5, 1, 0.25], b: [1, 0.5, 0, 0.75] };

async function stream(timing: LiveTiming, left: Float32Array, right: Float32Array, block: number, gains = UNITY, geometry?: Geometry) {
  const live = await LiveSeparator.create(new GainModel(gains, geometry), 4, timing);
  const N = left.length;
  const out = [0, 1, 2, 3].map(() => [new Float32Array(N), new Float32Array(N)]);
  let at = 0;
  for (let i = 0; i < N; i += block) {
    live.push(left.subarray(i, i + block), right.subarray(i, i + block));
    while (live.due) {
      const region = await live.run();
      assert.equal(region.start, at, 'regions are contiguous');
      region.channels.forEach((ch, s) => ch.forEach((x, c) => out[s]![c]!.set(x.subarray(0, Math.max(0, Math.min(x.length, N - region.start))), region.start)));
      at += region.length;
    }
  }
  return { out, emitted: at };
}

describe('live latency model', () => {
  test('presets: stated latency = L + H + margin in whole render quanta; balanced ≤ 3 s', () => {
    for (const t of Object.values(LATENCY_PRESETS)) {
      checkTiming(t);
      const d = statedLatency(t);
      assert.equal(d % 128, 0);
      assert.ok(d >= t.lookahead + t.hop + t.margin && d < t.lookahead + t.hop + t.margin + 128);
    }
    assert.ok(statedLatency(LATENCY_PRESETS.balanced) / SAMPLE_RATE <= 3);
    assert.throws(() => checkTiming({ hop: 100, lookahead: 0, margin: 0, crossfade: 0 }));
    assert.throws(() => checkTiming({ hop: SEGMENT, lookahead: 1000, margin: 4096, crossfade: 2048 }));
    const wider = widenHop(LATENCY_PRESETS.low, 3 * SAMPLE_RATE);
    assert.ok(wider.hop >= 3 * SAMPLE_RATE && statedLatency(wider) > statedLatency(LATENCY_PRESETS.low));
  });

  test('presets scale with the model\'s window: the released 7.8 s gives the seconds they are named for, 3.9 s half', () => {
    assert.deepEqual(LATENCY_PRESETS.balanced, { hop: 44100, lookahead: 44100, margin: 33075, crossfade: 2048 });
    assert.deepEqual(LATENCY_PRESETS.low, { hop: 22050, lookahead: 22050, margin: 22050, crossfade: 1024 });
    const short = geometryOf(171990);
    for (const name of ['low', 'balanced', 'quality'] as const) {
      const full = latencyPreset(name);
      const half = checkTiming(latencyPreset(name, short), short);
      assert.ok(Math.abs(half.hop - full.hop / 2) <= 1 && Math.abs(half.lookahead - full.lookahead / 2) <= 1 && Math.abs(half.margin - full.margin / 2) <= 1, name);
      assert.equal(half.crossfade, full.crossfade);
    }
    assert.ok(statedLatency(latencyPreset('balanced', short)) / SAMPLE_RATE < 1.4);
    // A timing that fits 7.8 s but not 3.9 s is refused for the short model.
    assert.throws(() => checkTiming(LATENCY_PRESETS.quality, geometryOf(100000)), /fit in one segment \(100000 samples\)/);
    assert.ok(widenHop(latencyPreset('low', short), 10 * SAMPLE_RATE, short).hop <= 171990);
  });
});

describe('a timing that holds, chosen in one step from a run\'s time', () => {
  const balanced = LATENCY_PRESETS.balanced;
  const rtf = (t: LiveTiming, compute: number) => compute / t.hop;

  test('a timing that already holds stays as it is', () => {
    const { timing, holds } = holdingTiming(balanced, 0.4 * SAMPLE_RATE);
    assert.deepEqual(timing, balanced);
    assert.ok(holds);
  });

  test('a slower device: hop and margin widened to HOLD_HOP and HOLD_MARGIN runs, the lookahead kept, a valid timing', () => {
    const compute = 1.6 * SAMPLE_RATE;
    const { timing, holds } = holdingTiming(balanced, compute);
    assert.ok(holds);
    assert.equal(timing.hop, Math.ceil(compute * HOLD_HOP));
    assert.equal(timing.margin, Math.ceil(compute * HOLD_MARGIN) + balanced.crossfade);
    assert.equal(timing.lookahead, balanced.lookahead);
    assert.ok(rtf(timing, compute) <= 1 / HOLD_HOP + 1e-9, 'runs take at most 80 % of a hop');
    assert.deepEqual(checkTiming(timing), timing);
  });

  test('where the window cannot take the hop after the lookahead, the lookahead gives way; past the window, it says it does not hold', () => {
    const compute = 5 * SAMPLE_RATE; // the real model in WASM on two cores
    const { timing, holds } = holdingTiming(LATENCY_PRESETS.quality, compute);
    assert.ok(holds);
    assert.equal(timing.hop, Math.ceil(compute * HOLD_HOP));
    assert.equal(timing.lookahead, SEGMENT - timing.crossfade - timing.hop);
    assert.deepEqual(checkTiming(timing), timing);
    const short = geometryOf(171990);
    const hopeless = holdingTiming(latencyPreset('balanced', short), 5 * SAMPLE_RATE, short);
    assert.ok(!hopeless.holds);
    assert.equal(hopeless.timing.lookahead, 0);
    assert.deepEqual(checkTiming(hopeless.timing, short), hopeless.timing, 'still a timing the pipeline takes');
  });
});

describe('live separation against the offline engine', () => {
  const timing: LiveTiming = { hop: 30000, lookahead: 40000, margin: 4096, crossfade: 2048 };
  const N = 400000;
  const [left, right] = stereoSignal(N, 8);

  test('a waveform-branch unity stem: the stream equals the input wherever the run saw the whole window', async () => {
    const { out, emitted } = await stream(timing, left, right, 128);
    assert.ok(emitted > N - timing.hop - timing.lookahead - timing.crossfade);
    // From the first run whose window is all real input (no leading zeros) on.
    const from = SEGMENT;
    // Stem 0 is b = 1 on the waveform branch (the spectral branch drops the Nyquist bin, as Demucs does).
    let worst = 0;
    for (let i = from; i < emitted; i++) worst = Math.max(worst, Math.abs(out[0]![0]![i]! - left[i]!), Math.abs(out[0]![1]![i]! - right[i]!));
    assert.ok(worst < 1e-5, `max |Δ| ${worst}`);
  });

  test('equal to the offline engine away from the edges, whatever the block size', async () => {
    const model = new GainModel(UNITY);
    const offline = [0, 1, 2, 3].map(() => [new Float32Array(N), new Float32Array(N)]);
    for await (const r of separate({ stems: FOUR_STEMS, members: [{ model, weights: [1, 1, 1, 1] }] }, memorySource(left, right), { shifts: 0 })) {
      r.channels.forEach((ch, s) => ch.forEach((x, c) => offline[s]![c]!.set(x, r.start)));
    }
    for (const block of [128, 1000, 44100]) {
      const { out, emitted } = await stream(timing, left, right, block);
      let worst = 0;
      for (let s = 0; s < 4; s++) for (let i = SEGMENT; i < Math.min(emitted, N - SEGMENT); i++) worst = Math.max(worst, Math.abs(out[s]![0]![i]! - offline[s]![0]![i]!));
      assert.ok(worst < 1e-4, `block ${block}: max |Δ| ${worst}`);
    }
  });

  test('a 3.9 s model: runs on its own window, equal to the offline engine with that model', async () => {
    const short = geometryOf(171990);
    const model = new GainModel(UNITY, short);
    const offline = [0, 1, 2, 3].map(() => [new Float32Array(N), new Float32Array(N)]);
    for await (const r of separate({ stems: FOUR_STEMS, members: [{ model, weights: [1, 1, 1, 1] }] }, memorySource(left, right), { shifts: 0 })) {
      r.channels.forEach((ch, s) => ch.forEach((x, c) => offline[s]![c]!.set(x, r.start)));
    }
    const t = latencyPreset('balanced', short);
    const { out, emitted } = await stream(t, left, right, 1000, UNITY, short);
    assert.ok(emitted > N - t.hop - t.lookahead - t.crossfade);
    let worst = 0;
    for (let s = 0; s < 4; s++) for (let i = 171990; i < Math.min(emitted, N - 171990); i++) worst = Math.max(worst, Math.abs(out[s]![0]![i]! - offline[s]![0]![i]!));
    // Live mode normalises with running statistics, offline with the track's: rounding differs
    // (1.2e-4 here); a wrong window or framing would differ by the signal itself (~0.5).
    assert.ok(worst < 3e-4, `max |Δ| ${worst}`);
    assert.ok(model.runs > 0);
  });

  test('cross-fades keep sample-to-sample jumps small when runs disagree', async () => {
    // A model that is not a unity gain: each run's running statistics differ a little.
    const { out, emitted } = await stream(timing, left, right, 512, { a: [0, 0, 0, 0], b: [2, 2, 2, 2] });
    let jump = 0;
    let signalJump = 0;
    for (let i = 1; i < emitted; i++) {
      jump = Math.max(jump, Math.abs(out[0]![0]![i]! - out[0]![0]![i - 1]!));
      signalJump = Math.max(signalJump, 2 * Math.abs(left[i]! - left[i - 1]!));
    }
    assert.ok(jump <= signalJump + 1e-3, `largest jump ${jump} vs the signal's own ${signalJump}`);
  });
});

describe('live: falling behind', () => {
  test('catchUp skips to the newest input and keeps the output positions contiguous', async () => {
    const timing: LiveTiming = { hop: 20000, lookahead: 20000, margin: 4096, crossfade: 1024 };
    const live = await LiveSeparator.create(new GainModel(UNITY), 4, timing);
    const [left, right] = stereoSignal(200000, 2);
    live.push(left, right);
    const skipped = live.catchUp();
    assert.ok(skipped && skipped.start === 0 && skipped.length === live.emitted);
    // The filler is the dry input shared by the four stems.
    assert.ok(Math.abs(skipped.channels[2]![0]![150000]! - left[150000]! / 4) < 1e-7);
    assert.ok(live.received - live.nextRunAt < timing.hop, 'the next run is on the newest input');
    const before = live.emitted;
    const region = await live.run();
    assert.equal(region.start, before);
    // The run fades in from the filler: its first sample is close to the dry share.
    assert.ok(Math.abs(region.channels[0]![0]![0]! - left[before]! / 4) < 0.05);
    assert.equal(live.catchUp(), null);
  });

  test('a run back more than a segment late: the skipped span is the dry input all along, not silence', async () => {
    const timing: LiveTiming = { hop: 44100, lookahead: 44100, margin: 4096, crossfade: 1024 };
    const live = await LiveSeparator.create(new GainModel(UNITY), 4, timing);
    // 13.6 s of input at once: a run that took that long.
    const [left, right] = stereoSignal(600000, 3);
    live.push(left, right);
    const skipped = live.catchUp()!;
    let worst = 0;
    for (let i = 0; i < skipped.length; i++) worst = Math.max(worst, Math.abs(skipped.channels[1]![0]![i]! - left[skipped.start + i]! / 4));
    assert.ok(worst < 1e-7, `the filler differs from the dry input by ${worst}`);
  });
});

describe('the capture processor (worklet/live.processor.ts, on a stand-in of the audio thread)', () => {
  type Capture = { process(inputs: Float32Array[][]): boolean };
  type CaptureClass = new (options: { processorOptions: unknown }) => Capture;

  /** The worklet module loaded with the AudioWorkletGlobalScope names it uses; its capture processor class. */
  async function captureClass(): Promise<CaptureClass> {
    const scope = globalThis as unknown as Record<string, unknown>;
    const registered: Record<string, CaptureClass> = {};
    scope.AudioWorkletProcessor = class {};
    scope.registerProcessor = (name: string, ctor: CaptureClass) => (registered[name] = ctor);
    scope.currentFrame = 0;
    await import('../../worklet/live.processor.ts');
    return registered['demucs-capture']!;
  }

  test('a quantum the audio thread did not call it for is owed as silence (and counted): input frame j stays context frame start + j', async () => {
    const { RingBuffer } = await import('ringbuf.js');
    const { CONTROL } = await import('../../src/core/live-shared.ts');
    const Capture = await captureClass();
    const control = new SharedArrayBuffer(64 * 4);
    const input = RingBuffer.getStorageForCapacity(2 * 128 * 64, Float32Array);
    const capture = new Capture({ processorOptions: { control, input } });
    const scope = globalThis as unknown as { currentFrame: number };
    const start = 40 * 128;
    // Each quantum's input holds its context frame, so that where each sample lands says which frame it was.
    const quantum = (frame: number) => {
      scope.currentFrame = frame;
      const samples = Float32Array.from({ length: 128 }, (_, i) => frame + i);
      capture.process([[samples, samples]]);
    };
    for (let q = 0; q < 4; q++) quantum(start + q * 128);
    // Eight quanta never processed (frames start + 512 … start + 1535), then on.
    for (let q = 12; q < 16; q++) quantum(start + q * 128);
    const ring = new RingBuffer(input, Float32Array);
    const got = new Float32Array(ring.availableRead());
    ring.pop(got);
    const frames = got.length / 2;
    assert.equal(frames, 16 * 128, 'every quantum has its frames: those processed and those owed');
    const ints = new Int32Array(control);
    assert.equal(ints[CONTROL.overruns], 8 * 128);
    assert.equal(ints[CONTROL.captureStart], start / 128 + 1);
    for (let j = 0; j < frames; j++) {
      const expected = j >= 4 * 128 && j < 12 * 128 ? 0 : start + j;
      if (got[2 * j] !== expected) assert.fail(`input frame ${j}: ${got[2 * j]}, expected ${expected}`);
    }
  });
});
