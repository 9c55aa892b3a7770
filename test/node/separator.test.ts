import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_SHIFT, SEGMENT } from '../../src/core/constants.ts';
import { isDemucsError } from '../../src/core/errors.ts';
import type { Bag } from '../../src/core/model.ts';
import { planSeparation, separate, type SeparateOptions } from '../../src/core/separator.ts';
import type { StemRegion } from '../../src/core/track.ts';
import { strideFor } from '../../src/core/split.ts';
import { FOUR_STEMS, SIX_STEMS } from '../../src/core/stems.ts';
import { geometryOf, HTDEMUCS_GEOMETRY } from '../../src/core/geometry.ts';
import { separateOneMemberAtATime, type LazyMember, type MemberProgress } from '../../src/core/sequential-bag.ts';
import { GainModel, maxAbsDiff, memorySource, stereoSignal } from './helpers.ts';
import { referenceSeparate } from './reference-apply.ts';

const WAVE = { a: [0, 0, 0, 0], b: [1, 0.5, -0.25, 2] };
const MIXED = { a: [0.5, 0, 1, -0.5], b: [0.25, 1, 0, 0.5], c: [0.5, -1, 0.25, 0] };

function bagOf(model: GainModel): Bag {
  return { stems: FOUR_STEMS, members: [{ model, weights: [1, 1, 1, 1] }] };
}

/** Runs the streaming engine and joins its regions, checking they tile [0, N) in order. */
async function collect(bag: Bag, left: Float32Array, right: Float32Array, options: SeparateOptions) {
  const N = left.length;
  const regions: StemRegion[] = [];
  for await (const region of separate(bag, memorySource(left, right), options)) regions.push(region);
  const stems = regions[0]!.channels.length;
  const out = Array.from({ length: stems }, () => [new Float32Array(N), new Float32Array(N)]);
  let at = 0;
  for (const r of regions) {
    assert.equal(r.start, at, 'regions are contiguous');
    assert.ok(r.length > 0);
    r.channels.forEach((stem, s) => stem.forEach((ch, c) => out[s]![c]!.set(ch, r.start)));
    at += r.length;
  }
  assert.equal(at, N, 'regions cover the whole track');
  return { out, regions };
}

const STRIDE = strideFor(0.25, SEGMENT);
const LENGTHS: [string, number][] = [
  ['a single sample', 1],
  ['shorter than one chunk', 5000],
  ['one sample short of a chunk', SEGMENT - 1],
  ['exactly one chunk', SEGMENT],
  ['one sample past a chunk', SEGMENT + 1],
  ['three chunks and a bit', 2 * STRIDE + SEGMENT + 17],
];

describe('separate: waveform-branch model, stems are exact multiples of the normalised mix', () => {
  for (const [what, N] of LENGTHS) {
    for (const shiftOffsets of [[], [0], [MAX_SHIFT], [777, 12345]]) {
      test(`${what} (${N} samples), shifts [${shiftOffsets}]`, async () => {
        const [left, right] = stereoSignal(N, N);
        const model = new GainModel(WAVE);
        const { out } = await collect(bagOf(model), left, right, { shiftOffsets });
        const src = memorySource(left, right);
        const scale = Math.fround(src.stats.std + 1e-8);
        for (let s = 0; s < 4; s++) {
          const b = WAVE.b[s]!;
          // b (x - m) + m, in the engine's float32 steps: ((x - m) / d) · d · b + m.
          const expect = [left, right].map((x) => Float32Array.from(x, (v) => (Math.fround(v - src.stats.mean) / scale) * b * scale + src.stats.mean));
          assert.ok(maxAbsDiff(out[s]![0]!, expect[0]!) < 2e-6, `stem ${s} left`);
          assert.ok(maxAbsDiff(out[s]![1]!, expect[1]!) < 2e-6, `stem ${s} right`);
        }
      });
    }
  }
});

describe('separate: agrees with a whole-array transcription of apply.py (both branches, position-dependent model)', () => {
  const cases: [string, number, number[], number][] = [
    ['single sample, no shift', 1, [], 0.25],
    ['short track, one shift', 20000, [5000], 0.25],
    ['one past a chunk, no shift', SEGMENT + 1, [], 0.25],
    ['three chunks, no shift', 2 * STRIDE + 1000, [], 0.25],
    ['three chunks, shift 777', 2 * STRIDE + 1000, [777], 0.25],
    ['two shifts, overlap 0.5', SEGMENT + 50000, [0, 22050], 0.5],
    ['no overlap', SEGMENT + 9, [], 0],
  ];
  for (const [what, N, shiftOffsets, overlap] of cases) {
    test(what, async () => {
      const [left, right] = stereoSignal(N, 3 + N);
      const { out } = await collect(bagOf(new GainModel(MIXED)), left, right, { shiftOffsets, overlap });
      const expect = await referenceSeparate(left, right, MIXED, { shiftOffsets, overlap });
      for (let s = 0; s < 4; s++) {
        for (let c = 0; c < 2; c++) {
          const d = maxAbsDiff(out[s]![c]!, expect[s]![c]!);
          assert.ok(d < 1e-5, `stem ${s} channel ${c}: max |Δ| ${d}`);
        }
      }
    });
  }
});

describe('separate: streaming and options', () => {
  test('silence gives silent stems, not NaN', async () => {
    const N = 30000;
    const { out } = await collect(bagOf(new GainModel(MIXED)), new Float32Array(N), new Float32Array(N), { shifts: 0 });
    for (const stem of out) for (const ch of stem) assert.ok(ch.every((x) => x === 0));
  });

  test('regions arrive while later chunks are still to run', async () => {
    const N = 4 * STRIDE;
    const [left, right] = stereoSignal(N);
    const model = new GainModel(WAVE);
    const runsAtRegion: number[] = [];
    for await (const region of separate(bagOf(model), memorySource(left, right), { shifts: 0 })) {
      runsAtRegion.push(model.runs);
      assert.ok(region.length <= SEGMENT, 'a region is at most one segment');
    }
    const total = planSeparation(bagOf(model), N, { shifts: 0 }).runsTotal;
    assert.equal(model.runs, total);
    assert.equal(runsAtRegion[0], 1, 'the first region comes right after the first run');
    assert.ok(runsAtRegion.length >= total - 1);
  });

  test('resuming at a sample: the stems of a whole run from there on, bit for bit, and only the runs that reach it', async () => {
    const N = 5 * STRIDE + 1234;
    const [left, right] = stereoSignal(N, 11);
    const MIXED_POSITION = { ...MIXED, c: [0.5, -0.25, 1, 0.75] };
    for (const options of [{ shiftOffsets: [] }, { shiftOffsets: [777, 22050] }, { shiftOffsets: [3000], consistent: true }] as SeparateOptions[]) {
      const whole = await collect(bagOf(new GainModel(MIXED_POSITION)), left, right, options);
      const wholeRuns = planSeparation(bagOf(new GainModel(MIXED_POSITION)), N, options).runsTotal;
      for (const from of [1, STRIDE - 1, STRIDE + 5, 3 * STRIDE, N - 1, N]) {
        const model = new GainModel(MIXED_POSITION);
        const regions: StemRegion[] = [];
        for await (const region of separate(bagOf(model), memorySource(left, right), { ...options, from })) regions.push(region);
        const what = `from ${from}, ${JSON.stringify(options)}`;
        assert.equal(model.runs, planSeparation(bagOf(model), N, { ...options, from }).runsTotal, what);
        if (from >= 2 * SEGMENT) assert.ok(model.runs < wholeRuns, `${what}: ${model.runs} runs of ${wholeRuns}`);
        let at = from;
        for (const r of regions) {
          assert.equal(r.start, at, `${what}: regions tile the rest of the track`);
          r.channels.forEach((stem, s) =>
            stem.forEach((ch, c) => assert.ok(ch.every((x, i) => x === whole.out[s]![c]![r.start + i]), `${what}: stem ${s} channel ${c} differs from the whole run`)),
          );
          at += r.length;
        }
        assert.equal(at, N, what);
      }
    }
  });

  test('with the pipeline on, one run is queued ahead of the outputs in use', async () => {
    const N = 4 * STRIDE;
    const [left, right] = stereoSignal(N);
    const model = new GainModel(WAVE);
    const runsAtRegion: number[] = [];
    const a = await collect(bagOf(new GainModel(WAVE)), left, right, { shifts: 0 });
    const regions: StemRegion[] = [];
    for await (const region of separate(bagOf(model), memorySource(left, right), { shifts: 0, pipeline: true })) {
      runsAtRegion.push(model.runs);
      regions.push(region);
    }
    assert.equal(runsAtRegion[0], 2);
    assert.deepEqual(regions.map((r) => r.channels[1]![0]), a.regions.map((r) => r.channels[1]![0]), 'same stems either way');
  });

  test('several shifts advance together: the first region needs one run per shift', async () => {
    const [left, right] = stereoSignal(5 * STRIDE);
    const model = new GainModel(WAVE);
    let first = -1;
    for await (const _ of separate(bagOf(model), memorySource(left, right), { shiftOffsets: [100, 20000, 9000] })) {
      if (first < 0) first = model.runs;
    }
    assert.equal(first, 3);
  });

  test('requested stems come in the requested order', async () => {
    const [left, right] = stereoSignal(1000);
    const all = await collect(bagOf(new GainModel(WAVE)), left, right, { shifts: 0 });
    const some = await collect(bagOf(new GainModel(WAVE)), left, right, { shifts: 0, stems: ['vocals', 'drums'] });
    assert.equal(some.out.length, 2);
    assert.deepEqual(some.out[0], all.out[3]);
    assert.deepEqual(some.out[1], all.out[0]);
  });

  test('seeded shifts repeat; different seeds differ', () => {
    const bag = bagOf(new GainModel(WAVE));
    const a = planSeparation(bag, 1000, { shifts: 3, seed: 42 }).shiftOffsets;
    assert.deepEqual(planSeparation(bag, 1000, { shifts: 3, seed: 42 }).shiftOffsets, a);
    assert.notDeepEqual(planSeparation(bag, 1000, { shifts: 3, seed: 43 }).shiftOffsets, a);
    assert.equal(a.length, 3);
    assert.ok(a.every((o) => Number.isInteger(o) && o >= 0 && o <= MAX_SHIFT));
  });

  test('cancellation stops with CANCELLED', async () => {
    const [left, right] = stereoSignal(3 * SEGMENT);
    const controller = new AbortController();
    const model = new GainModel(WAVE);
    await assert.rejects(
      (async () => {
        for await (const _ of separate(bagOf(model), memorySource(left, right), { shifts: 0, signal: controller.signal })) controller.abort();
      })(),
      (e: unknown) => isDemucsError(e) && e.code === 'CANCELLED',
    );
    assert.equal(model.runs, 1, 'no run after the cancellation');
  });

  test('bad options name the problem', () => {
    const bag = bagOf(new GainModel(WAVE));
    const code = (fn: () => unknown, want: string) => assert.throws(fn, (e: unknown) => isDemucsError(e) && e.code === want);
    code(() => planSeparation(bag, 0), 'AUDIO_EMPTY');
    code(() => planSeparation(bag, 10, { overlap: 1 }), 'BAD_ARGUMENT');
    code(() => planSeparation(bag, 10, { shifts: -1 }), 'BAD_ARGUMENT');
    code(() => planSeparation(bag, 10, { shiftOffsets: [22051] }), 'BAD_ARGUMENT');
    code(() => planSeparation(bag, 10, { stems: ['kazoo'] }), 'BAD_ARGUMENT');
    code(() => planSeparation(bag, 10, { stems: ['bass', 'bass'] }), 'BAD_ARGUMENT');
  });
});

describe('separate: the model describes itself (a 3.9 s window, six stems)', () => {
  const SHORT = geometryOf(171990);
  const SIX = { a: [0.5, 0, 0, 0, 0, 0.25], b: [1, 2, 3, 4, 5, 6], c: [0, 0, 0, 0, 0, 0.5] };
  const cases: [string, number, number[], number][] = [
    ['three short chunks, shift 777', 3 * 128992 + 5000, [777], 0.25],
    ['two shifts, overlap 0.5', 171990 + 50000, [0, 22050], 0.5],
  ];
  for (const [what, N, shiftOffsets, overlap] of cases) {
    test(`${what}: split, padding and STFT framing follow the model's segment`, async () => {
      const [left, right] = stereoSignal(N, 11 + N);
      const model = new GainModel(SIX, SHORT);
      const bag: Bag = { stems: SIX_STEMS, members: [{ model, weights: SIX_STEMS.map(() => 1) }] };
      const plan = planSeparation(bag, N, { shiftOffsets, overlap });
      assert.equal(plan.geometry.segment, 171990);
      assert.equal(plan.geometry.frames, 168);
      assert.ok(plan.passes[0]!.chunks.every((c) => c.length <= 171990));
      const { out } = await collect(bag, left, right, { shiftOffsets, overlap });
      const expect = await referenceSeparate(left, right, SIX, { shiftOffsets, overlap, segment: 171990 });
      assert.equal(out.length, 6);
      for (let s = 0; s < 6; s++) {
        for (let c = 0; c < 2; c++) assert.ok(maxAbsDiff(out[s]![c]!, expect[s]![c]!) < 1e-5, `stem ${s} channel ${c}`);
      }
      // The same track through the full window differs (the model's output depends on its window).
      const full = await referenceSeparate(left, right, SIX, { shiftOffsets, overlap });
      assert.ok(maxAbsDiff(out[5]![0]!, full[5]![0]!) > 1e-3);
    });
  }

  test('bag members must share their segment', () => {
    const bag: Bag = {
      stems: FOUR_STEMS,
      members: [
        { model: new GainModel(MIXED, SHORT), weights: [1, 1, 1, 1], label: 'short.onnx' },
        { model: new GainModel(MIXED, HTDEMUCS_GEOMETRY), weights: [1, 1, 1, 1], label: 'full.onnx' },
      ],
    };
    assert.throws(() => planSeparation(bag, 1000, {}), (e: unknown) => isDemucsError(e) && e.code === 'MANIFEST' && /short.onnx takes 171990 samples, full.onnx 343980/.test(e.message));
  });
});

describe('separate: bags', () => {
  const members = () => [new GainModel({ a: [0, 0, 0, 0], b: [1, 1, 1, 1] }), new GainModel({ a: [0, 0, 0, 0], b: [3, 3, 3, 3] })];

  test('weights combine per stem and normalise by their sum', async () => {
    const [m1, m2] = members();
    const bag: Bag = { stems: FOUR_STEMS, members: [{ model: m1!, weights: [1, 0, 1, 2] }, { model: m2!, weights: [0, 1, 1, 1] }] };
    const [left, right] = stereoSignal(4000);
    const { out } = await collect(bag, left, right, { shifts: 0 });
    const src = memorySource(left, right);
    const m = src.stats.mean;
    // Gain per stem: drums 1, bass 3, other (1+3)/2, vocals (2·1+3)/3.
    [1, 3, 2, 5 / 3].forEach((g, s) => {
      const expect = Float32Array.from(left, (x) => g * (x - m) + m);
      assert.ok(maxAbsDiff(out[s]![0]!, expect) < 1e-5, `stem ${s}`);
    });
  });

  test('models weighing nothing for the requested stems are not run', async () => {
    const [m1, m2] = members();
    const bag: Bag = { stems: FOUR_STEMS, members: [{ model: m1!, weights: [1, 0, 0, 0] }, { model: m2!, weights: [0, 1, 0, 0] }] };
    const [left, right] = stereoSignal(1000);
    await collect(bag, left, right, { shifts: 0, stems: ['bass'] });
    assert.equal(m1!.runs, 0);
    assert.equal(m2!.runs, 1);
    assert.throws(() => planSeparation(bag, 1000, { stems: ['vocals'] }), (e: unknown) => isDemucsError(e) && e.code === 'MANIFEST');
  });
});

describe('separate: a bag one member at a time (the browser, within one WASM heap)', () => {
  const specialists = [
    { gains: { a: [0, 0, 0, 0], b: [1, 1, 1, 1] }, weights: [1, 0, 1, 2] },
    { gains: MIXED, weights: [0, 1, 1, 1] },
    { gains: { a: [0, 0, 0, 0], b: [3, 3, 3, 3] }, weights: [0, 0, 0, 1] },
  ];
  const lazy = (opened: string[], models: GainModel[]): LazyMember[] =>
    specialists.map((m, k) => ({
      label: `m${k}`,
      weights: m.weights,
      open: async () => {
        opened.push(`open m${k}`);
        const model = new GainModel(m.gains);
        models[k] = model;
        return Object.assign(model, { release: async () => void opened.push(`release m${k}`) });
      },
    }));

  test('equals the lockstep bag; one member open at a time; progress names each member', async () => {
    const [left, right] = stereoSignal(2 * STRIDE + 3000, 5);
    const lockstep: Bag = { stems: FOUR_STEMS, members: specialists.map((m) => ({ model: new GainModel(m.gains), weights: m.weights })) };
    const { out: expect } = await collect(lockstep, left, right, { shiftOffsets: [1234] });
    const opened: string[] = [];
    const progress: MemberProgress[] = [];
    const got = Array.from({ length: 4 }, () => [new Float32Array(left.length), new Float32Array(left.length)]);
    for await (const r of separateOneMemberAtATime(FOUR_STEMS, lazy(opened, []), memorySource(left, right), { shiftOffsets: [1234], onProgress: (p) => progress.push(p) })) {
      r.channels.forEach((stem, s) => stem.forEach((ch, c) => got[s]![c]!.set(ch, r.start)));
    }
    assert.deepEqual(opened, ['open m0', 'release m0', 'open m1', 'release m1', 'open m2', 'release m2']);
    for (let s = 0; s < 4; s++) for (let c = 0; c < 2; c++) assert.ok(maxAbsDiff(got[s]![c]!, expect[s]![c]!) < 1e-6, `stem ${s}`);
    const loading = progress.filter((p) => p.member.stage === 'loading').map((p) => `${p.member.index + 1}/${p.member.count}`);
    assert.deepEqual(loading, ['1/3', '2/3', '3/3']);
    const last = progress[progress.length - 1]!;
    assert.equal(last.runsDone, last.runsTotal, 'runs count across members');
    assert.equal(last.runsTotal, 3 * 3, 'three members × three chunks');
  });

  test('only the members the requested stems need are opened', async () => {
    const [left, right] = stereoSignal(5000, 9);
    const opened: string[] = [];
    for await (const region of separateOneMemberAtATime(FOUR_STEMS, lazy(opened, []), memorySource(left, right), { shifts: 0, stems: ['bass'] })) {
      assert.equal(region.channels.length, 1);
    }
    assert.deepEqual(opened, ['open m1', 'release m1']);
  });
});

describe('separate: consistent stems (they add up to the mix)', () => {
  test('Σ stems equals the mix within float rounding; each stem gets an equal share of the residual; a subset keeps its values', async () => {
    const [left, right] = stereoSignal(2 * STRIDE + 4321, 12);
    const { out: raw } = await collect(bagOf(new GainModel(MIXED)), left, right, { shiftOffsets: [99] });
    const { out } = await collect(bagOf(new GainModel(MIXED)), left, right, { shiftOffsets: [99], consistent: true });
    for (const [c, x] of [left, right].entries()) {
      let worst = 0;
      for (let i = 0; i < x.length; i++) {
        const sum = out.reduce((t, stem) => t + stem[c]![i]!, 0);
        worst = Math.max(worst, Math.abs(sum - x[i]!));
        const residual = (x[i]! - raw.reduce((t, stem) => t + stem[c]![i]!, 0)) / 4;
        for (let s = 0; s < 4; s++) assert.ok(Math.abs(out[s]![c]![i]! - raw[s]![c]![i]! - residual) < 1e-6);
      }
      assert.ok(worst < 1e-6, `channel ${c}: max |Σ stems − mix| ${worst}`);
    }
    const { out: vocals } = await collect(bagOf(new GainModel(MIXED)), left, right, { shiftOffsets: [99], consistent: true, stems: ['vocals'] });
    assert.equal(vocals.length, 1);
    assert.ok(maxAbsDiff(vocals[0]![0]!, out[3]![0]!) === 0);
  });

  test('a bag one member at a time gives the same consistent stems as the lockstep bag', async () => {
    const [left, right] = stereoSignal(30000, 13);
    const specialists = [
      { gains: WAVE, weights: [1, 0, 1, 1] },
      { gains: MIXED, weights: [0, 1, 1, 0] },
    ];
    const lockstep: Bag = { stems: FOUR_STEMS, members: specialists.map((m) => ({ model: new GainModel(m.gains), weights: m.weights })) };
    const { out: expect } = await collect(lockstep, left, right, { shifts: 0, consistent: true });
    const members: LazyMember[] = specialists.map((m, k) => ({ label: `m${k}`, weights: m.weights, open: async () => Object.assign(new GainModel(m.gains), { release: async () => undefined }) }));
    const got = [0, 1, 2, 3].map(() => new Float32Array(left.length));
    for await (const r of separateOneMemberAtATime(FOUR_STEMS, members, memorySource(left, right), { shifts: 0, consistent: true })) r.channels.forEach((stem, s) => got[s]!.set(stem[0]!, r.start));
    for (let s = 0; s < 4; s++) assert.ok(maxAbsDiff(got[s]!, expect[s]![0]!) < 1e-6, `stem ${s}`);
  });
});
