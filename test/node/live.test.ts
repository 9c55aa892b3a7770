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

describe('the live processor (worklet/live.processor.ts, on a stand-in of the audio thread)', () => {
  type Processor = { process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean };
  type ProcessorClass = new (options: { processorOptions: unknown }) => Processor;
  const STEMS = 4;
  const LATENCY = 16 * 128;

  const registered: Record<string, ProcessorClass> = {};
  /** The worklet module loaded (once) with the AudioWorkletGlobalScope names it uses; its processor class. */
  async function processorClass(): Promise<ProcessorClass> {
    const scope = globalThis as unknown as Record<string, unknown>;
    scope.AudioWorkletProcessor ??= class {};
    scope.registerProcessor ??= (name: string, ctor: ProcessorClass) => (registered[name] = ctor);
    await import('../../worklet/live.processor.ts');
    return registered['demucs-live']!;
  }

  /** A processor with its shared memory (an input ring of `inputFrames`), and a quantum at a time. */
  async function liveProcessor(inputFrames: number) {
    const { RingBuffer } = await import('ringbuf.js');
    const { CONTROL_SLOTS, FILLER_RING_FLOATS } = await import('../../src/core/live-shared.ts');
    const Live = await processorClass();
    const control = new SharedArrayBuffer(CONTROL_SLOTS * 4);
    const input = RingBuffer.getStorageForCapacity(2 * inputFrames, Float32Array);
    const stems = Array.from({ length: STEMS }, () => RingBuffer.getStorageForCapacity(2 * 128 * 256, Float32Array));
    const filler = RingBuffer.getStorageForCapacity(FILLER_RING_FLOATS, Float64Array);
    const processor = new Live({ processorOptions: { control, input, stems, filler, latency: LATENCY } });
    const outputs = Array.from({ length: STEMS }, () => [new Float32Array(128), new Float32Array(128)]);
    const scope = globalThis as unknown as { currentFrame: number };
    return {
      control: new Int32Array(control),
      input: new RingBuffer(input, Float32Array),
      stems: stems.map((sab) => new RingBuffer(sab, Float32Array)),
      /** Processes one quantum whose input samples are `first`, `first` + 1, …; what each stem played. */
      quantum(first: number, currentFrame: number): Float32Array[] {
        scope.currentFrame = currentFrame;
        const samples = Float32Array.from({ length: 128 }, (_, i) => first + i);
        processor.process([[samples, samples]], outputs);
        return outputs.map(([left]) => left!.slice());
      },
    };
  }

  test("stem frame j plays exactly `latency` frames after input frame j, counted in its own quanta: the context's currentFrame (stale in some quanta in Chromium) plays no part", async () => {
    const live = await liveProcessor(128 * 64);
    // The worker's part: stem s of frame j is (j + 1) · (s + 1), written as soon as the input comes.
    const relay = () => {
      const got = new Float32Array(live.input.availableRead());
      live.input.pop(got);
      for (let s = 0; s < STEMS; s++) live.stems[s]!.push(got.map((x) => (x + 1) * (s + 1)));
    };
    // currentFrame as Chromium gave it under a busy main thread: repeated for streaks, then caught up.
    let frame = 1000 * 128;
    for (let q = 0; q < 80; q++) {
      if (q % 7 >= 3) frame += 128 * (q % 7 === 3 ? 4 : 0);
      const played = live.quantum(q * 128, frame);
      relay();
      for (let i = 0; i < 128; i++) {
        const n = q * 128 + i;
        const j = n - LATENCY; // the input frame whose stems are due
        // Before the first input's time, the equally delayed dry input (silence here); in the
        // first quantum of stems, the cross-fade from it; then the stems themselves, exactly.
        const w = j < 0 ? 0 : j < 128 ? (i + 0.5) / 128 : 1;
        for (let s = 0; s < STEMS; s++) {
          const want = j < 0 ? 0 : w * (j + 1) * (s + 1) + (1 - w) * (j / STEMS);
          const exact = w === 0 || w === 1;
          if (exact ? played[s]![i] !== want : Math.abs(played[s]![i]! - want) > 1e-5 * want) assert.fail(`frame ${n}, stem ${s}: played ${played[s]![i]}, want ${want}`);
        }
      }
    }
  });

  test('when the input ring is full (the worker stalled), the quanta lost are counted and owed as silence: input frame j stays the j-th frame taken in', async () => {
    const { CONTROL } = await import('../../src/core/live-shared.ts');
    const live = await liveProcessor(128 * 8);
    // Eight quanta fill the ring, the next four are lost; once the worker reads, four quanta of
    // silence go in before the newer input.
    for (let q = 0; q < 12; q++) live.quantum(q * 128, 0);
    const first = new Float32Array(live.input.availableRead());
    live.input.pop(first);
    for (let q = 12; q < 16; q++) live.quantum(q * 128, 0);
    const rest = new Float32Array(live.input.availableRead());
    live.input.pop(rest);
    const got = new Float32Array(first.length + rest.length);
    got.set(first);
    got.set(rest, first.length);
    const frames = got.length / 2;
    assert.equal(frames, 16 * 128, 'every quantum has its frames: those taken and those owed');
    assert.equal(live.control[CONTROL.overruns], 4 * 128);
    for (let j = 0; j < frames; j++) {
      const expected = j >= 8 * 128 && j < 12 * 128 ? 0 : j;
      if (got[2 * j] !== expected) assert.fail(`input frame ${j}: ${got[2 * j]}, expected ${expected}`);
    }
  });
});
