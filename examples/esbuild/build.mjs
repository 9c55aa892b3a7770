// esbuild bundles the app into dist/ but does not copy files referenced with
// `new URL('assets/…', import.meta.url)`: copy the package's assets/ beside the bundle.
import { cpSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as esbuild from 'esbuild';

const here = import.meta.dirname;
const out = join(here, 'dist');
mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: [join(here, 'main.js')],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  outfile: join(out, 'main.js'),
});
const web = dirname(createRequire(import.meta.url).resolve('demucs-mixer'));
cpSync(join(web, 'assets'), join(out, 'assets'), { recursive: true });
cpSync(join(here, 'index.html'), join(out, 'index.html'));
