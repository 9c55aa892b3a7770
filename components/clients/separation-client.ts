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
  DecodeProgress,
  SeparationWorkerApi,
  SongInfo,
  SongRequest,
  SongStart,
  WorkerFailure,
} from '../../src/worker/protocol.ts';
import { startWorker, type MixerAssets } from './assets.ts';

/**
 * The page's handle on the inference worker. A worker that dies (an uncaught error, out of
 * memory) answers every pending and later call with WORKER_CRASHED; the mixer then starts a new one.
 */
export class SeparationClient {
  /** Callbacks handed to workers (comlink proxies) that the worker has not released yet. */
  static openCallbacks = 0;
  readonly #worker: Worker;
  readonly #api: Comlink.Remote<SeparationWorkerApi>;
  readonly #assets: MixerAssets;
  readonly #crashed: Promise<WorkerFailure>;
  #crash: ((failure: WorkerFailure) => void) | null = null;
  #dead: WorkerFailure | null = null;

  constructor(assets: MixerAssets) {
    this.#assets = assets;
    this.#worker = startWorker(assets.separationWorker, 'demucs-separation');
    this.#api = Comlink.wrap<SeparationWorkerApi>(this.#worker);
    this.#crashed = new Promise((resolve) => (this.#crash = resolve));
    const died = (why: string) => {
      if (this.#dead) return;
      this.#dead = { ok: false, code: 'WORKER_CRASHED', message: `the separation worker stopped (${why}): what was separated is kept; the next song starts a new worker` };
      this.#crash?.(this.#dead);
      this.#worker.terminate();
    };
    this.#worker.addEventListener('error', (e) => {
      e.preventDefault();
      died(e.message || 'it crashed, out of memory or by an error');
    });
    this.#worker.addEventListener('messageerror', () => died('a message could not be read'));
  }

  /** Whether the worker has died (every call answers WORKER_CRASHED). */
  get crashed(): boolean {
    return this.#dead !== null;
  }

  /** A call to the worker, or WORKER_CRASHED as soon as it dies. */
  #call<T>(call: () => Promise<T>): Promise<T | WorkerFailure> {
    if (this.#dead) return Promise.resolve(this.#dead);
    return Promise.race([call(), this.#crashed]);
  }

  loadModel(source: string | Blob | ArrayBuffer, options: LoadModelOptions, onProgress: (p: ModelProgress) => void): Promise<ModelInfo | WorkerFailure> {
    const transferable = source instanceof ArrayBuffer ? Comlink.transfer(source, [source]) : source;
    return this.#call<ModelInfo | WorkerFailure>(() => this.#api.loadModel(transferable, { runtime: this.#assets.runtime, ...options }, callback(onProgress)));
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
    return this.#call<SeparationDone | WorkerFailure>(() => this.#api.separate(Comlink.transfer(request, [left.buffer as ArrayBuffer, right.buffer as ArrayBuffer]), callback(onRegion), callback(onProgress)));
  }

  /** Separates a song file that the worker decodes itself (AUDIO_UNSUPPORTED: decode it here and call separate). */
  separateSong(
    request: SongRequest,
    onInfo: (info: SongInfo) => SongStart | void | Promise<SongStart | void>,
    onRegion: (r: RegionMessage) => void,
    onProgress: (p: SeparationProgressMessage) => void = () => undefined,
    onDecoding: (p: DecodeProgress) => void = () => undefined,
  ): Promise<SeparationDone | WorkerFailure> {
    return this.#call<SeparationDone | WorkerFailure>(() => this.#api.separateSong(request, callback(onInfo), callback(onRegion), callback(onProgress), callback(onDecoding)));
  }

  async cancel(): Promise<void> {
    await this.#call(() => this.#api.cancel());
  }

  /** Sessions created so far for bag members (on WebGPU they stay loaded between songs). */
  memberSessions(): Promise<number> {
    return this.#api.memberSessions();
  }

  /** Test hook: makes the worker die. */
  crash(): void {
    void this.#api.crash();
  }

  /** Test hook: the song spool's write after `writes` more is refused; the rest kept within `budget` bytes (null: the device's). */
  limitSpool(writes: number | null, budget: number | null): Promise<void> {
    return this.#api.limitSpool(writes, budget);
  }

  /** Ends the worker at once, as a page that closes does (test hook). */
  terminate(): void {
    this.#api[Comlink.releaseProxy]();
    this.#worker.terminate();
  }

  async dispose(): Promise<void> {
    try {
      if (!this.#dead) await Promise.race([this.#api.dispose(), new Promise((r) => setTimeout(r, 1000))]);
    } finally {
      this.#api[Comlink.releaseProxy]();
      this.#worker.terminate();
    }
  }
}

/**
 * A page function handed to the worker as a comlink proxy, counted until the worker releases it
 * (it does when the call that got it ends: its port closes and comlink calls the finalizer).
 */
function callback<A extends unknown[], R>(fn: (...args: A) => R): ((...args: A) => R) & Comlink.ProxyMarked {
  SeparationClient.openCallbacks++;
  const wrapped = Object.assign((...args: A) => fn(...args), { [Comlink.finalizer]: () => SeparationClient.openCallbacks-- });
  return Comlink.proxy(wrapped);
}
