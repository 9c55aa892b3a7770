/** The page's handle on the inference worker (src/worker/separation.worker.ts), via comlink. */
import * as Comlink from 'comlink';
import type {
  LoadModelOptions,
  ModelInfo,
  ModelProgress,
  RegionMessage,
  SeparateOptions,
  SeparationDone,
  SeparationProgressMessage,
  SeparationWorkerApi,
  WorkerFailure,
} from '../src/worker/protocol.ts';
import { startWorker, type MixerAssets } from './assets.ts';

export class SeparationClient {
  readonly #worker: Worker;
  readonly #api: Comlink.Remote<SeparationWorkerApi>;
  readonly #assets: MixerAssets;

  constructor(assets: MixerAssets) {
    this.#assets = assets;
    this.#worker = startWorker(assets.separationWorker, 'demucs-separation');
    this.#api = Comlink.wrap<SeparationWorkerApi>(this.#worker);
  }

  loadModel(source: string | Blob | ArrayBuffer, options: LoadModelOptions, onProgress: (p: ModelProgress) => void): Promise<ModelInfo | WorkerFailure> {
    const transferable = source instanceof ArrayBuffer ? Comlink.transfer(source, [source]) : source;
    return this.#api.loadModel(transferable, { runtime: this.#assets.runtime, ...options }, Comlink.proxy(onProgress));
  }

  /** Separates a track; its arrays are transferred to the worker (the caller gives them up). */
  separate(
    left: Float32Array,
    right: Float32Array,
    options: SeparateOptions,
    onRegion: (r: RegionMessage) => void,
    onProgress: (p: SeparationProgressMessage) => void = () => undefined,
  ): Promise<SeparationDone | WorkerFailure> {
    const request = { left, right, ...options };
    return this.#api.separate(Comlink.transfer(request, [left.buffer as ArrayBuffer, right.buffer as ArrayBuffer]), Comlink.proxy(onRegion), Comlink.proxy(onProgress));
  }

  cancel(): Promise<void> {
    return this.#api.cancel();
  }

  async dispose(): Promise<void> {
    try {
      await Promise.race([this.#api.dispose(), new Promise((r) => setTimeout(r, 1000))]);
    } finally {
      this.#api[Comlink.releaseProxy]();
      this.#worker.terminate();
    }
  }
}
