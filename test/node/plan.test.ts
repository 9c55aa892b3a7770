import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SEGMENT } from '../../src/core/constants.ts';
import { isDemucsError } from '../../src/core/errors.ts';
import { measureTrack, normScale, StatsAccumulator } from '../../src/core/normalize.ts';
import { planPass, planPasses, randomShiftOffsets, strideFor, triangleWeight } from '../../src/core/split.ts';
import { stereoSignal } from './helpers.ts';

describe('split plan (apply.py)', () => {
  test('stride and triangle weight', () => {
    assert.equal(strideFor(0.25, SEGMENT), 257985);
    assert.equal(strideFor(0, SEGMENT), SEGMENT);
    const w = triangleWeight(SEGMENT);
    assert.equal(w.length, SEGMENT);
    assert.equal(w[0], Math.fround(1 / 171990));
    assert.equal(w[171989], 1);
    assert.equal(w[171990], 1);
    assert.equal(w[SEGMENT - 1], Math.fround(1 / 171990));
    const odd = triangleWeight(7);
    assert.deepEqual(Array.from(odd), [1, 2, 3, 4, 3, 2, 1].map((x) => Math.fround(x / 4)));
  });

  test('the shifts0 table of the reference README', () => {
    const pass = planPasses(529200, [], 257985, SEGMENT)[0]!;
    assert.deepEqual(
      pass.chunks.map((c) => [c.offset, c.length, c.readStart, c.trim]),
      [
        [0, 343980, 0, 0],
        [257985, 271215, 221603, 36382],
        [515970, 13230, 350595, 165375],
      ],
    );
  });

  test('the shift777 table of the reference README (track coordinates = padded − 22050)', () => {
    const pass = planPasses(529200, [777], 257985, SEGMENT)[0]!;
    assert.equal(pass.start, 777 - 22050);
    assert.equal(pass.length, 550473);
    assert.deepEqual(
      pass.chunks.map((c) => [c.offset, c.length, c.readStart + 22050]),
      [
        [0, 343980, 777],
        [257985, 292488, 233016],
        [515970, 34503, 362009],
      ],
    );
  });

  test('edge lengths', () => {
    assert.deepEqual(planPass(0, 1, 257985, SEGMENT).chunks, [{ offset: 0, length: 1, readStart: -171989, trim: 171989 }]);
    assert.equal(planPass(0, SEGMENT, 257985, SEGMENT).chunks.length, 2);
    assert.equal(planPass(0, 257985, 257985, SEGMENT).chunks.length, 1);
    assert.equal(planPass(0, 257986, 257985, SEGMENT).chunks.length, 2);
  });

  test('seeded offsets are uniform over [0, 22050]', () => {
    const offs = randomShiftOffsets(20000, 9);
    assert.ok(offs.every((o) => Number.isInteger(o) && o >= 0 && o <= 22050));
    const mean = offs.reduce((t, o) => t + o, 0) / offs.length;
    assert.ok(Math.abs(mean - 11025) < 300, `mean ${mean}`);
    assert.ok(offs.includes(0) || offs.some((o) => o < 50));
  });
});

describe('normalisation statistics (api.py)', () => {
  test('match a two-pass float64 computation, block by block or whole', () => {
    const [l, r] = stereoSignal(100001, 4);
    const ref = Float64Array.from(l, (x, i) => Math.fround((x + r[i]!) / 2));
    const mean = ref.reduce((t, x) => t + x, 0) / ref.length;
    const std = Math.sqrt(ref.reduce((t, x) => t + (x - mean) ** 2, 0) / (ref.length - 1));
    const whole = measureTrack(l, r);
    assert.equal(whole.mean, Math.fround(mean));
    assert.equal(whole.std, Math.fround(std));
    const acc = new StatsAccumulator();
    for (let at = 0; at < l.length; at += 7777) acc.add(l.subarray(at, at + 7777), r.subarray(at, at + 7777));
    const blocks = acc.result();
    assert.ok(Math.abs(blocks.mean - whole.mean) <= 1e-9 && Math.abs(blocks.std - whole.std) <= 1e-8);
  });

  test('silence and a single sample have std 0; the divisor is float32(std + 1e-8)', () => {
    assert.deepEqual(measureTrack(new Float32Array(10), new Float32Array(10)), { mean: 0, std: 0 });
    assert.deepEqual(measureTrack(Float32Array.of(0.5), Float32Array.of(0.25)), { mean: 0.375, std: 0 });
    assert.equal(normScale({ mean: 0, std: 0.10927095264196396 }), 0.10927096009254456);
  });

  test('NaN or infinity is refused with its position', () => {
    const l = new Float32Array(100);
    l[42] = NaN;
    assert.throws(() => measureTrack(l, new Float32Array(100)), (e: unknown) => isDemucsError(e) && e.code === 'AUDIO_NOT_FINITE' && /42/.test(e.message));
    const r = new Float32Array(100);
    r[7] = Infinity;
    assert.throws(() => measureTrack(new Float32Array(100), r), (e: unknown) => isDemucsError(e) && e.code === 'AUDIO_NOT_FINITE');
  });
});
