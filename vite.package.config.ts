/**
 * The package's browser build (`npm run build:package`), into lib/web/:
 * - `demucs-mixer.js`: the element for bundlers (lit, comlink and ringbuf.js stay imports);
 * - `demucs-mixer.standalone.js` (`--mode standalone`): the same with everything bundled,
 *   for a page that loads it from a static folder or a CDN;
 * - `assets/`: what both load at run time, found relative to them (components/assets.ts):
 *   the two workers (each one self-contained file, ONNX Runtime Web inside), the AudioWorklet
 *   module, ONNX Runtime's and PFFFT's WASM;
 * - `demucs-mixer-sw.js`: the opt-in service worker that makes a page cross-origin isolated.
 * Relative URLs (`base: './'`), so that the folder works wherever it is served from.
 */
import { defineConfig } from 'vite';
import { nodeOnlyImports, WORKER_OPTIONS } from './vite.config.ts';

/** What a bundler resolves for the app (so that it keeps one copy of lit). */
const PEERS = /^(lit|lit-html|lit-element|@lit\/reactive-element|@lit-labs\/ssr-dom-shim|comlink|ringbuf\.js)(\/|$)/;

export default defineConfig(({ mode }) => {
  const standalone = mode === 'standalone';
  return {
    base: './',
    publicDir: false,
    worker: WORKER_OPTIONS,
    plugins: [nodeOnlyImports()],
    build: {
      outDir: 'lib/web',
      emptyOutDir: !standalone,
      target: 'es2022',
      minify: true,
      sourcemap: false,
      assetsInlineLimit: 0,
      copyPublicDir: false,
      chunkSizeWarningLimit: 30000,
      modulePreload: false,
      rolldownOptions: {
        input: standalone
          ? { 'demucs-mixer.standalone': 'components/index.ts' }
          : { 'demucs-mixer': 'components/index.ts', 'demucs-mixer-sw': 'src/worker/isolation.sw.ts' },
        preserveEntrySignatures: 'exports-only',
        external: standalone ? [] : (id: string) => PEERS.test(id),
        output: {
          entryFileNames: '[name].js',
          chunkFileNames: 'assets/[name]-[hash].js',
          assetFileNames: 'assets/[name]-[hash][extname]',
        },
      },
    },
  };
});
