/**
 * Where the mixer finds the files it loads at run time: its three workers, the two AudioWorklet
 * modules (live mode's, and the key and tempo stretch), ONNX Runtime Web's WASM (and the glue that starts its threads) and PFFFT's WASM.
 *
 * Each is referenced here as a literal URL relative to this module, so the file ships beside
 * the module that loads it: Vite writes these references as `new URL("assets/…", import.meta.url)`
 * when it builds the package, and bundlers that copy such assets (Vite, webpack, Parcel, Rollup)
 * carry them into an app. A host that moves the files elsewhere names the folder that holds
 * them with the element's `assets` attribute: every file is then looked up there by its name.
 */
import separationWorker from '../../src/worker/separation.worker.ts?worker&url';
import liveWorker from '../../src/worker/live.worker.ts?worker&url';
import stemStore from '../../src/worker/stem-store.worker.ts?worker&url';
import liveProcessor from '../../worklet/live.processor.ts?worker&url';
import stretchProcessor from '../../worklet/stretch.processor.ts?worker&url';
import ortGlue from '../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.mjs?url';
import ortWasm from '../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm?url';
import pffftSimd from '../../node_modules/@echogarden/pffft-wasm/dist/simd/pffft.wasm?url';
import pffftScalar from '../../node_modules/@echogarden/pffft-wasm/dist/non-simd/pffft.wasm?url';
import type { RuntimeAssets } from '../../src/worker/protocol.ts';

/** Every run-time file, by role. */
export interface MixerAssets {
  readonly separationWorker: string;
  readonly liveWorker: string;
  readonly stemStore: string;
  readonly liveProcessor: string;
  readonly stretchProcessor: string;
  readonly runtime: RuntimeAssets;
}

const BUILT = { separationWorker, liveWorker, stemStore, liveProcessor, stretchProcessor, ortGlue, ortWasm, pffftSimd, pffftScalar };

/** The file's name: the last path segment of its URL, without query or fragment. */
function fileName(url: string): string {
  const path = new URL(url, 'http://x/').pathname;
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Absolute URLs of every file: where the build put them, or, with `base` (the `assets`
 * attribute), the file of the same name in that folder (resolved against the page).
 */
export function mixerAssets(base: string | null | undefined): MixerAssets {
  const page = globalThis.document?.baseURI ?? globalThis.location?.href;
  const folder = base ? new URL(base.endsWith('/') ? base : `${base}/`, page).href : null;
  const at = (url: string) => (folder ? new URL(fileName(url), folder).href : new URL(url, page).href);
  const urls = Object.fromEntries(Object.entries(BUILT).map(([role, url]) => [role, at(url)])) as Record<keyof typeof BUILT, string>;
  return {
    separationWorker: urls.separationWorker,
    liveWorker: urls.liveWorker,
    stemStore: urls.stemStore,
    liveProcessor: urls.liveProcessor,
    stretchProcessor: urls.stretchProcessor,
    runtime: { ortGlue: urls.ortGlue, ortWasm: urls.ortWasm, pffftSimd: urls.pffftSimd, pffftScalar: urls.pffftScalar },
  };
}

/**
 * Starts a module worker from `url`. A worker script on another origin (a CDN) cannot be
 * started directly: a same-origin blob module that imports it is started instead (the CDN
 * must answer with CORS, as it does for the module itself).
 */
export function startWorker(url: string, name: string): Worker {
  if (new URL(url).origin === globalThis.location?.origin) return new Worker(url, { type: 'module', name });
  const trampoline = URL.createObjectURL(new Blob([`import ${JSON.stringify(url)};`], { type: 'text/javascript' }));
  const worker = new Worker(trampoline, { type: 'module', name });
  setTimeout(() => URL.revokeObjectURL(trampoline), 60_000);
  return worker;
}
