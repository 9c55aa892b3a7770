// Browser tests in Debian's Chromium (never a downloaded browser): components/*.test.ts and
// test/browser/*.test.ts, TypeScript through esbuild, cross-origin isolated like the app.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { defaultReporter } from '@web/test-runner';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, WEBGPU_FLAG } from './test/chromium.mjs';


/** Writes the totals for test/run-all.mjs and prints one plain line. */
function countReporter(file) {
  return {
    onTestRunFinished({ sessions }) {
      const counts = { passed: 0, failed: 0, skipped: 0 };
      const visit = (suite) => {
        for (const t of suite.tests) {
          if (t.skipped) counts.skipped++;
          else if (t.passed) counts.passed++;
          else counts.failed++;
        }
        for (const child of suite.suites) visit(child);
      };
      for (const session of sessions) {
        if (session.testResults) visit(session.testResults);
        // A file that failed to load or threw outside a test counts as a failure.
        if (!session.passed && (!session.testResults || session.errors?.length)) counts.failed++;
      }
      writeFileSync(file, JSON.stringify(counts));
    },
  };
}

/** Server command for tests: runs the Node CLI on a WAV and returns its stems (float32, base64). */
function cliPlugin() {
  return {
    name: 'demucs-cli',
    executeCommand({ command, payload }) {
      if (command === 'ffmpeg-read') return ffmpegRead(payload);
      if (command !== 'cli-separate') return undefined;
      const dir = mkdtempSync(join(tmpdir(), 'wtr-cli-'));
      try {
        writeFileSync(join(dir, 'input.wav'), Buffer.from(payload.wav, 'base64'));
        const r = spawnSync(process.execPath, ['bin/demucs-mixer.js', 'separate', join(dir, 'input.wav'), '--format', 'f32', '-o', dir, ...payload.args], { encoding: 'utf8' });
        if (r.status !== 0) return { error: r.stderr };
        const stems = {};
        for (const stem of payload.stems) stems[stem] = readFileSync(join(dir, 'input', `${stem}.wav`)).subarray(44).toString('base64');
        return { stems };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A file the page wrote, read by an independent decoder (Debian's ffprobe and ffmpeg): its
 * streams (with dispositions) and each audio stream's samples as interleaved f32 (base64), or
 * as s16/s32 integers when asked.
 */
function ffmpegRead({ file, name, sampleFormat = 'f32' }) {
  const dir = mkdtempSync(join(tmpdir(), 'wtr-ffmpeg-'));
  try {
    const path = join(dir, name);
    writeFileSync(path, Buffer.from(file, 'base64'));
    const probe = spawnSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path], { encoding: 'utf8' });
    if (probe.status !== 0) return { error: probe.stderr };
    const { streams, format } = JSON.parse(probe.stdout);
    const samples = streams.map((_, k) => {
      const r = spawnSync('ffmpeg', ['-v', 'error', '-i', path, '-map', `0:a:${k}`, '-f', `${sampleFormat}le`, '-ac', '2', '-'], { maxBuffer: 1 << 30 });
      return r.status === 0 ? r.stdout.toString('base64') : null;
    });
    return { streams, format, samples, bytes: [...readFileSync(path)].length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Emscripten glue (PFFFT, ONNX Runtime) imports Node builtins on a Node-only path: resolve them to a stub. */
function nodeBuiltinStub() {
  return {
    name: 'node-builtin-stub',
    resolveImport({ source }) {
      // mediabunny's Node file access (its package.json maps it away for browsers).
      return source === 'module' || source === 'worker_threads' || source === 'node:fs/promises' ? '/test/browser/node-module-stub.js' : undefined;
    },
  };
}

/**
 * Vite's `?worker&url` imports (workers, AudioWorklet modules) and `?url` imports (WASM files):
 * a module whose default export is the file's URL.
 */
function urlImports() {
  return {
    name: 'url-imports',
    resolveImport({ source, context }) {
      const suffix = ['?worker&url', '?url'].find((s) => source.endsWith(s));
      if (!suffix) return undefined;
      const path = new URL(source.slice(0, -suffix.length), `http://host${context.path}`).pathname;
      return `${path}?url-module`;
    },
    serve(context) {
      if (context.URL.searchParams.has('url-module')) return { body: `export default ${JSON.stringify(context.path)};`, type: 'js' };
      return undefined;
    },
  };
}

/**
 * /interrupted/<id>/<fixture model>: the first request for an id gets the headers of the whole
 * file and half its bytes, then the connection is cut; later ones get the whole file.
 */
function interruptedDownloads() {
  const seen = new Set();
  return async (ctx, next) => {
    const match = /^\/interrupted\/([^/]+)\/([\w.-]+\.onnx)$/.exec(ctx.path);
    if (!match) return next();
    const bytes = readFileSync(join(import.meta.dirname, 'test/fixtures/models', match[2]));
    const first = !seen.has(match[1]);
    seen.add(match[1]);
    ctx.respond = false;
    const res = ctx.res;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length), 'cross-origin-resource-policy': 'same-origin' });
    if (!first) return void res.end(bytes);
    res.write(bytes.subarray(0, bytes.length >> 1), () => setTimeout(() => res.destroy(), 50));
  };
}

/**
 * libsamplerate-js ships one UMD file and fft.js one CommonJS file: served here as ES modules
 * whose default export is their `module.exports` (what Vite and esbuild make of them when they
 * bundle).
 */
function umdAsModule() {
  return {
    name: 'umd-as-module',
    transform(context) {
      const commonJs = ['@alexanderolsen/libsamplerate-js/dist/libsamplerate.js', 'fft.js/lib/fft.js'];
      if (!commonJs.some((path) => context.path.includes(path))) return undefined;
      return { body: `const module = { exports: {} }; const exports = module.exports;\n${context.body}\nexport default module.exports;` };
    },
  };
}

export default {
  files: ['components/**/*.test.ts', 'test/browser/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  browserStartTimeout: 120000,
  testsStartTimeout: 120000,
  testsFinishTimeout: 900000,
  testFramework: { config: { timeout: 300000 } },
  plugins: [urlImports(), nodeBuiltinStub(), umdAsModule(), esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }), cliPlugin()],
  middleware: [
    (ctx, next) => {
      ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
      ctx.set('Cross-Origin-Embedder-Policy', 'require-corp');
      return next();
    },
    interruptedDownloads(),
  ],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: CHROMIUM_PATH,
        // A deterministic microphone: a 440 Hz tone from a file (test/fixtures/audio/fake-mic.wav).
        args: [...CHROMIUM_FLAGS, WEBGPU_FLAG, `--use-file-for-fake-audio-capture=${join(import.meta.dirname, 'test/fixtures/audio/fake-mic.wav')}`],
      },
    }),
  ],
  reporters: [defaultReporter(), countReporter('build/browser-counts.json')],
};
