#!/usr/bin/env node
// Runs every test suite and ends with one plain line "N passed, N failed" summing them all.
// Suites: node (engine, CLI, real model), browser (web-test-runner), e2e (the built page).
// Each prints its own report and a line of counts above the total.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const totals = { passed: 0, failed: 0, skipped: 0 };
const env = {
  ...process.env,
  MALLOC_MMAP_MAX_: process.env.MALLOC_MMAP_MAX_ ?? '0',
  MALLOC_TRIM_THRESHOLD_: process.env.MALLOC_TRIM_THRESHOLD_ ?? String(2 ** 36),
  MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '1',
};

function run(label, command, args) {
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) console.log(`${label}: exited with ${r.status ?? r.signal}`);
  return r.status === 0;
}

function suite(label, countsFile, command, args) {
  rmSync(countsFile, { force: true });
  const ok = run(label, command, args);
  let counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    counts = JSON.parse(readFileSync(countsFile, 'utf8'));
  } catch {
    counts.failed = 1; // the suite did not report: count it as a failure
  }
  if (!ok && counts.failed === 0) counts.failed = 1;
  console.log(`${label}: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`);
  for (const k of Object.keys(totals)) totals[k] += counts[k];
}

const tsc = join(root, 'node_modules/typescript/bin/tsc');
// tsconfig.core.json checks that src/core stays environment-free (no DOM, no Node types);
// tsconfig.json checks the browser code (components, worker, worklet, browser tests).
const built =
  run('typecheck src/core', process.execPath, [tsc, '-p', 'tsconfig.core.json']) &&
  run('typecheck browser', process.execPath, [tsc, '-p', 'tsconfig.json']) &&
  run('build', process.execPath, [tsc, '-p', 'tsconfig.node.json']) &&
  run('build lib/node', process.execPath, [tsc, '-p', 'tsconfig.package.json']) &&
  run('build e2e', process.execPath, [tsc, '-p', 'tsconfig.e2e.json']);
if (!built) totals.failed++;
else {
  const nodeTest = (name, files) => {
    const counts = join(root, `build/${name}-counts.json`);
    suite(name, counts, process.execPath, [
      '--test',
      '--test-concurrency=1',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${join(root, 'test/count-reporter.mjs')}`,
      `--test-reporter-destination=${counts}`,
      ...files,
    ]);
  };
  // Engine, CLI and the real model in Node.
  nodeTest('node', ['plan', 'spectrogram', 'separator', 'live', 'ring', 'memory-tail', 'model', 'elements-manifest', 'views', 'cli', 'inputs', 'alac', 'outputs', 'key-tempo', 'convert', 'int8', 'graph-forms', 'convert-cli', 'reference', 'structure'].map((f) => `build/test/node/${f}.test.js`));
  // Components, worker and audio in Debian's Chromium (web-test-runner).
  suite('browser', join(root, 'build/browser-counts.json'), process.execPath, [join(root, 'node_modules/@web/test-runner/dist/bin.js'), '--config', 'web-test-runner.config.mjs']);
  // The built page end to end, real model in WASM.
  nodeTest('e2e', ['build/test/e2e/page.test.js', 'build/test/e2e/private.test.js', 'build/test/e2e/package.test.js', 'build/test/e2e/look.test.js']);
}
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed > 0 ? 1 : 0);
