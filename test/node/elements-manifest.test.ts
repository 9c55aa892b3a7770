import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, tempDir } from './helpers.ts';

test('custom-elements.json is generated from the component JSDoc and up to date', () => {
  // In a scratch folder: cem also writes a "customElements" field into the package.json of its
  // working directory, which must not touch the project's.
  const dir = tempDir();
  mkdirSync(join(dir, 'components'));
  copyFileSync(join(ROOT, 'components/demucs-mixer.ts'), join(dir, 'components/demucs-mixer.ts'));
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/@custom-elements-manifest/analyzer/cem.js'), 'analyze', '--litelement', '--globs', 'components/demucs-mixer.ts', '--outdir', '.'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const fresh = JSON.parse(readFileSync(join(dir, 'custom-elements.json'), 'utf8'));
  const committed = JSON.parse(readFileSync(join(ROOT, 'custom-elements.json'), 'utf8'));
  assert.deepEqual(committed, fresh, 'run `npm run manifest`');
  const element = fresh.modules[0].declarations.find((d: { tagName?: string }) => d.tagName === 'demucs-mixer');
  for (const name of ['demucs-model-progress', 'demucs-ready', 'demucs-progress', 'demucs-error']) {
    assert.ok(element.events.some((e: { name: string }) => e.name === name), name);
  }
  for (const name of ['loadModel', 'load', 'play', 'pause', 'seek', 'setGain', 'setMute', 'setSolo', 'exportStems', 'exportMix']) {
    assert.ok(element.members.some((m: { name: string }) => m.name === name), name);
  }
});
