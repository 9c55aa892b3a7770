import { defineConfig } from 'vite';

// Cross-origin isolation (SharedArrayBuffer: threaded WASM and live mode).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  server: { headers: isolation },
  preview: { headers: isolation },
  // The dev server's dependency pre-bundling would move the module away from its assets.
  optimizeDeps: { exclude: ['demucs-mixer'] },
});
