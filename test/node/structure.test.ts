/**
 * The code's shape, checked on the sources: no import cycle among our files, only the entry
 * points import the element, and no function longer than MAX_LINES outside tests and the
 * worklet's process(). Parsed with the TypeScript compiler API of the one TypeScript 5 the dev
 * dependencies bring (the custom-elements analyzer's; TypeScript 7 has no JS API yet).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers.ts';

// Types from the same copy (a relative path: TypeScript 7 is what `typescript` resolves to).
type Ts = typeof import('../../node_modules/@custom-elements-manifest/analyzer/node_modules/typescript/lib/typescript.js');
const analyzer = createRequire(join(ROOT, 'package.json')).resolve('@custom-elements-manifest/analyzer/package.json');
const ts = createRequire(analyzer)('typescript') as Ts;

/** "~80 lines" (the style guide): a function's body longer than this holds several steps. */
const MAX_LINES = 80;
const FOLDERS = ['components', 'src', 'worklet'];

function sources(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(folder, f));
}

const files = FOLDERS.flatMap(sources);
const parsed = new Map(files.map((f) => [f, ts.createSourceFile(f, readFileSync(join(ROOT, f), 'utf8'), ts.ScriptTarget.Latest, true)]));

/** Our files each file imports (relative specifiers, queries such as ?worker&url dropped). */
function imports(file: string): string[] {
  const out: string[] = [];
  parsed.get(file)!.forEachChild((node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const spec = node.moduleSpecifier.text.split('?')[0]!;
      if (spec.startsWith('.')) out.push(relative(ROOT, resolve(ROOT, dirname(file), spec)));
    }
  });
  return out.filter((f) => parsed.has(f));
}

test('no import cycle among our files', () => {
  const graph = new Map(files.map((f) => [f, imports(f)]));
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
      return;
    }
    state.set(file, 'open');
    for (const next of graph.get(file)!) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of files) visit(file, []);
  assert.deepEqual(cycles, []);
});

test('only the entry points import the element', () => {
  const element = 'components/demucs-mixer.ts';
  const importers = files.filter((f) => !f.endsWith('.test.ts') && imports(f).includes(element));
  assert.deepEqual(importers, ['components/index.ts']);
});

test(`no function over ${MAX_LINES} lines outside tests and the worklet's process()`, () => {
  const long: string[] = [];
  for (const [file, source] of parsed) {
    if (file.endsWith('.test.ts')) continue;
    const visit = (node: import('../../node_modules/@custom-elements-manifest/analyzer/node_modules/typescript/lib/typescript.js').Node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const name = node.name && ts.isIdentifier(node.name) ? node.name.text : node.name && ts.isPrivateIdentifier(node.name) ? node.name.text : '(anonymous)';
        const lines = source.getLineAndCharacterOfPosition(node.body.getEnd()).line - source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        const exempt = file.startsWith('worklet/') && name === 'process';
        if (lines > MAX_LINES && !exempt) long.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${name} (${lines} lines)`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  assert.deepEqual(long, []);
});

test('the README states the Content-Security-Policy the tests serve', async () => {
  const { CONTENT_SECURITY_POLICY } = await import('../../vite.config.ts');
  assert.ok(readFileSync(join(ROOT, 'README.md'), 'utf8').includes(CONTENT_SECURITY_POLICY), CONTENT_SECURITY_POLICY);
});
