import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { FREQ_BINS, SEGMENT } from '../../src/core/constants.ts';
import { HTDEMUCS_GEOMETRY } from '../../src/core/geometry.ts';
import { hannWindow, Spectrogram } from '../../src/core/spectrogram.ts';
import { REFERENCE, ROOT } from './helpers.ts';

/** Inputs of tools/make-dsp-fixtures.py, by the same formulas. */
const { frames: FRAMES, specSize: SPEC_SIZE } = HTDEMUCS_GEOMETRY;
const hash = (i: number): number => (Math.imul(i, 2654435761) >>> 0) / 2 ** 32 - 0.5;
function fixtureSignal(): Float32Array {
  const x = new Float32Array(2 * SEGMENT);
  for (let i = 0; i < SEGMENT; i++) {
    x[i] = 0.5 * Math.sin((2 * Math.PI * 220 * i) / 44100) + 0.1 * hash(i);
    x[SEGMENT + i] = 0.3 * Math.sin((2 * Math.PI * 331.5 * i) / 44100 + 1) + 0.2 * Math.cos((2 * Math.PI * 5000 * i) / 44100);
  }
  return x;
}
const fixture = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/dsp-reference.json'), 'utf8')) as {
  forward: { index: number[]; value: number[]; sumsq: number[] };
  inverse: { index: number[]; left: number[]; right: number[]; sumsq: number[] };
};

describe('spectrogram (htdemucs _spec / _ispec) against torch.stft / torch.istft', () => {
  let spectrogram: Spectrogram;
  before(async () => {
    spectrogram = await Spectrogram.create();
  });

  test('periodic Hann window', () => {
    const w = hannWindow(8);
    assert.deepEqual(Array.from(w, (x) => +x.toFixed(12)), [0, 0.146446609407, 0.5, 0.853553390593, 1, 0.853553390593, 0.5, 0.146446609407]);
  });

  test('forward: sampled bins within 2e-5, energy per channel within 1e-6 relative', () => {
    const spec = new Float32Array(SPEC_SIZE);
    spectrogram.forward(fixtureSignal(), spec);
    let worst = 0;
    fixture.forward.index.forEach((k, j) => (worst = Math.max(worst, Math.abs(spec[k]! - fixture.forward.value[j]!))));
    assert.ok(worst < 2e-5, `max |Δ| ${worst}`);
    const plane = FREQ_BINS * FRAMES;
    fixture.forward.sumsq.forEach((want, c) => {
      let e = 0;
      for (let i = 0; i < plane; i++) e += spec[c * plane + i]! ** 2;
      assert.ok(Math.abs(e - want) / want < 1e-6, `channel ${c}: ${e} vs ${want}`);
    });
  });

  test('inverse: sampled samples (edges included) within 1e-5, energy within 1e-6 relative', () => {
    const spec = Float32Array.from({ length: SPEC_SIZE }, (_, k) => hash(k));
    const y = new Float32Array(2 * SEGMENT);
    spectrogram.inverseAdd(spec, 0, y);
    let worst = 0;
    fixture.inverse.index.forEach((i, j) => {
      worst = Math.max(worst, Math.abs(y[i]! - fixture.inverse.left[j]!), Math.abs(y[SEGMENT + i]! - fixture.inverse.right[j]!));
    });
    assert.ok(worst < 1e-5, `max |Δ| ${worst}`);
    fixture.inverse.sumsq.forEach((want, c) => {
      let e = 0;
      for (let i = 0; i < SEGMENT; i++) e += y[c * SEGMENT + i]! ** 2;
      assert.ok(Math.abs(e - want) / want < 1e-6, `channel ${c}: ${e} vs ${want}`);
    });
  });

  test('inverse adds gain × signal to what is already there, and reads the stem at its offset', () => {
    const spec = Float32Array.from({ length: 2 * SPEC_SIZE }, (_, k) => hash(k + 17));
    const once = new Float32Array(2 * SEGMENT);
    spectrogram.inverseAdd(spec, SPEC_SIZE, once);
    const twice = Float32Array.from({ length: 2 * SEGMENT }, () => 1);
    spectrogram.inverseAdd(spec, SPEC_SIZE, twice, -2);
    let worst = 0;
    for (let i = 0; i < 2 * SEGMENT; i++) worst = Math.max(worst, Math.abs(twice[i]! - (1 - 2 * once[i]!)) / (1 + Math.abs(once[i]!)));
    assert.ok(worst < 1e-6, `max relative |Δ| ${worst}`);
  });

  test('round trip of a random multi-sine is exact (float32) where four network frames cover a sample', () => {
    let seed = 5;
    const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const x = new Float32Array(2 * SEGMENT);
    for (let k = 0; k < 12; k++) {
      const f = 20 + rnd() * 15000;
      const p = rnd() * 6.28;
      const a = 0.05 + 0.1 * rnd();
      for (let i = 0; i < SEGMENT; i++) {
        x[i]! += a * Math.sin((2 * Math.PI * f * i) / 44100 + p);
        x[SEGMENT + i]! += a * Math.cos((2 * Math.PI * f * 0.7 * i) / 44100 + p);
      }
    }
    const spec = new Float32Array(SPEC_SIZE);
    spectrogram.forward(x, spec);
    const y = new Float32Array(2 * SEGMENT);
    spectrogram.inverseAdd(spec, 0, y);
    let worst = 0;
    for (let c = 0; c < 2; c++) for (let i = 2560; i < 342528; i++) worst = Math.max(worst, Math.abs(y[c * SEGMENT + i]! - x[c * SEGMENT + i]!));
    assert.ok(worst < 5e-5, `max |Δ| ${worst}`);
    // Near the edges only two or three frames are kept, as in Demucs: the inverse is attenuated there.
    assert.ok(Math.abs(y[0]!) < Math.abs(x[0]!) + 1e-6);
  });

  const chunkPath = join(REFERENCE, 'intermediates/seg0_chunk.f32');
  test(`shared reference: spectrogram of segment 0 within 1e-5 of the original implementation${existsSync(chunkPath) ? '' : ' (skipped: ../shared/reference missing)'}`, { skip: !existsSync(chunkPath) }, () => {
    const read = (p: string) => {
      const b = readFileSync(p);
      return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
    };
    const chunk = read(chunkPath);
    const want = read(join(REFERENCE, 'intermediates/seg0_spec.f32'));
    const spec = new Float32Array(SPEC_SIZE);
    spectrogram.forward(chunk, spec);
    let worst = 0;
    for (let i = 0; i < SPEC_SIZE; i++) worst = Math.max(worst, Math.abs(spec[i]! - want[i]!));
    assert.ok(worst < 1e-5, `max |Δ| ${worst}`);
  });
});
