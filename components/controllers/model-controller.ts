/**
 * The file-mode model: the inference worker (a new one after a crash), the model loaded in it,
 * and its progress by stage for the status line. The newest load wins.
 */
import type { Backend, ModelProgress } from '../../src/worker/protocol.ts';
import { mixerAssets } from '../clients/assets.ts';
import { mixerEvent } from '../events.ts';
import { DemucsError } from '../../src/core/errors.ts';
import { alreadyTold, type MixerShared } from './mixer-host.ts';
import { SeparationClient } from '../clients/separation-client.ts';

/** Where the mixer looks for the model when `model` is not set (the demo page serves it there). */
export const DEFAULT_MODEL_URL = 'models/htdemucs.onnx';

export interface ModelRequest {
  readonly source: string | Blob;
  readonly options: { sha256?: string };
}

export class ModelController {
  readonly #shared: MixerShared;
  #client: SeparationClient | null = null;
  /** The WASM threads the worker was started for (ONNX Runtime sets its pool once per worker). */
  #clientThreads = 0;
  #ready: Promise<void> | null = null;
  /** The last model asked for, to load again in a new worker after a crash. */
  #request: ModelRequest | null = null;
  backend: Backend | null = null;
  threads = 0;
  /** The loaded model runs any window (live mode offers its 3.9 s and 7.8 s ones). */
  anyWindow = false;
  progress: ModelProgress | null = null;
  /** When the current stage began (ms). */
  stageSince = 0;

  constructor(shared: MixerShared) {
    this.#shared = shared;
  }

  /** The worker of the loaded model (null before one). */
  get client(): SeparationClient | null {
    return this.#client;
  }

  /** The model a song is separated with: the last one asked for, else `model`, else the default. */
  get request(): ModelRequest {
    return this.#request ?? { source: this.#shared.host.model || DEFAULT_MODEL_URL, options: {} };
  }

  load(source: string | Blob, options: { sha256?: string } = {}): Promise<void> {
    this.#request = { source, options };
    this.#ready = this.#load(source, options);
    return this.#ready;
  }

  /** Starts loading the model again when there is none, or its worker died. */
  ensure(): void {
    if (this.#ready && !this.#client?.crashed) return;
    const { source, options } = this.request;
    this.load(source, options).catch(() => undefined);
  }

  /** The newest model load (a superseded one is followed to its successor). */
  async current(): Promise<void> {
    for (;;) {
      const pending = this.#ready;
      try {
        await pending;
        return;
      } catch (error) {
        if (pending === this.#ready) throw error;
      }
    }
  }

  /** The worker died during a separation: the next song loads the model again. */
  lost(): void {
    this.#ready = null;
  }

  /** Ends the worker, gracefully (live mode takes over) or at once (a reload, in tests). */
  async release(abruptly = false): Promise<void> {
    const client = this.#client;
    this.#client = null;
    this.#ready = null;
    if (abruptly) client?.terminate();
    else await client?.dispose();
  }

  #worker(): SeparationClient {
    const threads = this.#shared.threads;
    if (this.#client?.crashed || (this.#client && this.#clientThreads !== threads)) {
      void this.#client.dispose();
      this.#client = null;
    }
    this.#clientThreads = threads;
    this.#client ??= new SeparationClient(mixerAssets(this.#shared.host.assets));
    return this.#client;
  }

  async #load(source: string | Blob, options: { sha256?: string }): Promise<void> {
    const { host } = this.#shared;
    this.backend = null;
    this.anyWindow = false;
    this.#shared.error = null;
    host.requestUpdate();
    const client = this.#worker();
    const resolved = typeof source === 'string' ? new URL(source, document.baseURI).href : source;
    const delay = host._stageDelayForTests;
    const threads = this.#shared.threads;
    const info = await client.loadModel(resolved, { backends: host.backends, ...(threads ? { threads } : {}), ...(options.sha256 ? { sha256: options.sha256 } : {}), ...(delay ? { stageDelayMs: delay } : {}) }, (progress) => {
      if (progress.status !== this.progress?.status) this.stageSince = performance.now();
      this.progress = progress;
      host.requestUpdate();
      host.dispatchEvent(mixerEvent('demucs-model-progress', { progress }));
    });
    if (!info.ok && info.code === 'CANCELLED') throw alreadyTold(new DemucsError(info.code, info.message));
    if (!info.ok) throw this.#shared.fail(info.code, info.message);
    this.backend = info.backend;
    this.threads = info.threads;
    this.anyWindow = info.anyWindow;
    // The same stems (a song reopened from storage set them already) keep their faders.
    this.#shared.mix.setStems(info.stems);
    host.requestUpdate();
    host.dispatchEvent(mixerEvent('demucs-ready', { backend: info.backend, stems: info.stems, threads: info.threads, fallbacks: info.fallbacks }));
  }
}
