/**
 * onnxruntime-web inside the inference worker: backend probing (WebGPU when an adapter is
 * there, else WASM, threaded when cross-origin isolated), one inference session, the contract check.
 */
import * as ort from 'onnxruntime-web/webgpu';
import { CHANNELS, FREQ_BINS, SPEC_CHANNELS } from '../core/constants.ts';
import { resolveGeometry } from '../core/geometry.ts';
import { checkContract, checkOutputDims, type ValueInfo } from '../core/contract.ts';
import type { SegmentModel, SegmentOutput } from '../core/model.ts';
import { describeError, isDemucsError } from '../core/errors.ts';
import { locatePffft } from '../core/fft.ts';
import type { Backend, RuntimeAssets } from './protocol.ts';

/** Per-backend inference session options. */
const SESSION_OPTIONS: Record<Backend, ort.InferenceSession.SessionOptions> = {
  webgpu: { executionProviders: ['webgpu'], graphOptimizationLevel: 'all' },
  // The memory pattern and the arena hold hundreds of MB beyond a run's needs; the wasm32 heap is 4 GB.
  wasm: { executionProviders: ['wasm'], graphOptimizationLevel: 'all', enableMemPattern: false, enableCpuMemArena: false },
};

interface GpuLike {
  requestAdapter(): Promise<unknown>;
}

/** The backends that can run here, in order, and why others were passed over. */
export async function probeBackends(wanted: readonly Backend[]): Promise<{ usable: Backend[]; notes: string[] }> {
  const usable: Backend[] = [];
  const notes: string[] = [];
  for (const backend of wanted) {
    if (backend === 'webgpu') {
      const gpu = (self.navigator as unknown as { gpu?: GpuLike }).gpu;
      if (!gpu) {
        notes.push('webgpu: navigator.gpu is missing');
        continue;
      }
      try {
        if (!(await gpu.requestAdapter())) {
          notes.push('webgpu: no adapter');
          continue;
        }
      } catch (error) {
        notes.push(`webgpu: requestAdapter failed (${(error as Error).message})`);
        continue;
      }
    }
    usable.push(backend);
  }
  return { usable, notes };
}

/**
 * Where ONNX Runtime and PFFFT load their WASM from. With the glue named, ONNX Runtime starts
 * its threads from that file (fetched into a blob when it is on another origin), never from
 * the worker's own bundle, whose message handler would otherwise take the threads' messages.
 */
export function locateRuntime(assets: RuntimeAssets | undefined): void {
  if (!assets) return;
  ort.env.wasm.wasmPaths = { mjs: assets.ortGlue, wasm: assets.ortWasm };
  locatePffft({ simd: assets.pffftSimd, scalar: assets.pffftScalar });
}

/**
 * WASM threads (set before the worker's first inference session: ONNX Runtime starts its thread
 * pool once): `requested` when given, else every core the browser reports less `reserve` (live
 * mode keeps one for the audio thread); 1 without cross-origin isolation (no SharedArrayBuffer).
 */
export function configureWasm(requested?: number, reserve = 0): number {
  const cores = self.navigator.hardwareConcurrency || 1;
  const threads = !self.crossOriginIsolated ? 1 : requested !== undefined && requested > 0 ? Math.round(requested) : Math.max(1, cores - reserve);
  ort.env.wasm.numThreads = threads;
  return threads;
}

export interface WebModel extends SegmentModel {
  readonly backend: Backend;
  /** The model's window axes are symbolic: it runs any window (convert --segment any). */
  readonly anyWindow: boolean;
  readonly runMilliseconds: number;
  readonly runs: number;
  release(): Promise<void>;
}

/**
 * Opens an inference session on `backend`; throws DemucsError('MODEL_CONTRACT') for a model of another
 * contract, or whose shapes contradict its manifest's segment.
 */
export async function openSession(bytes: Uint8Array, backend: Backend, label: string, manifestSegment?: number, window?: number): Promise<WebModel> {
  const session = await ort.InferenceSession.create(bytes, SESSION_OPTIONS[backend]);
  let stemCount: number | null;
  let geometry;
  let anyWindow = false;
  try {
    const declared = checkContract(session.inputMetadata as readonly ValueInfo[], session.outputMetadata as readonly ValueInfo[], label);
    stemCount = declared.stems;
    geometry = resolveGeometry(declared.segment, manifestSegment, label, window);
    anyWindow = declared.segment === null;
  } catch (error) {
    await session.release();
    throw error;
  }
  const [mixName, specName] = session.inputNames as [string, string];
  const [specOutName, waveOutName] = session.outputNames as [string, string];
  let runMilliseconds = 0;
  let runs = 0;
  return {
    backend,
    get stemCount() {
      return stemCount ?? 0;
    },
    geometry,
    anyWindow,
    get runMilliseconds() {
      return runMilliseconds;
    },
    get runs() {
      return runs;
    },
    async run(mix: Float32Array, spec: Float32Array): Promise<SegmentOutput> {
      const start = performance.now();
      const result = await session.run({
        [mixName]: new ort.Tensor('float32', mix, [1, CHANNELS, geometry.segment]),
        [specName]: new ort.Tensor('float32', spec, [1, SPEC_CHANNELS, FREQ_BINS, geometry.frames]),
      });
      runMilliseconds += performance.now() - start;
      runs++;
      const specOut = result[specOutName]!;
      const waveOut = result[waveOutName]!;
      stemCount = checkOutputDims(specOut.dims, waveOut.dims, geometry, label);
      return { spec: (await specOut.getData()) as Float32Array, wave: (await waveOut.getData()) as Float32Array };
    },
    release: () => session.release(),
  };
}

/** What happens around each backend that `openOnFirstBackend` tries. */
export interface BackendTrial {
  /** Before a backend is tried (progress, a test's pause). */
  readonly trying?: (backend: Backend) => void | Promise<void>;
  /** Once the model opened on it (a warm-up run): a failure passes to the next backend, as an open's does. */
  readonly opened?: (model: WebModel) => Promise<void>;
  /** Where why each backend was passed over goes ("webgpu: ..."). */
  readonly fallbacks?: string[];
}

/**
 * Opens a model on the first of `backends` that takes it; null when none does. A DemucsError
 * (a model of another contract, a run that says the model is wrong) is thrown at once: another
 * backend would not change it.
 */
export async function openOnFirstBackend(
  bytes: Uint8Array,
  backends: readonly Backend[],
  label: string,
  manifestSegment: number | undefined,
  trial: BackendTrial = {},
  window?: number,
): Promise<WebModel | null> {
  const passOver = (backend: Backend, error: unknown) => trial.fallbacks?.push(`${backend}: ${describeError(error).split('\n')[0]}`);
  for (const backend of backends) {
    await trial.trying?.(backend);
    let candidate: WebModel;
    try {
      candidate = await openSession(bytes, backend, label, manifestSegment, window);
    } catch (error) {
      if (isDemucsError(error)) throw error;
      passOver(backend, error);
      continue;
    }
    try {
      await trial.opened?.(candidate);
      return candidate;
    } catch (error) {
      await candidate.release();
      if (isDemucsError(error)) throw error;
      passOver(backend, error);
    }
  }
  return null;
}
