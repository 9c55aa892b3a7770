/** The page's handle on the stems on disk (src/worker/stem-store.worker.ts), via comlink. */
import * as Comlink from 'comlink';
import type { StemName } from '../src/core/stems.ts';
import type { WavFormat } from '../src/core/wav.ts';
import type { StemStoreApi, StoreFailure } from '../src/worker/stem-store.worker.ts';
import { startWorker } from './assets.ts';
import type { StemReader } from './stem-player.ts';

export class StemStoreClient implements StemReader {
  readonly #worker: Worker;
  readonly #api: Comlink.Remote<StemStoreApi>;

  private constructor(worker: Worker) {
    this.#worker = worker;
    this.#api = Comlink.wrap<StemStoreApi>(worker);
  }

  /** A store for a song's stems, or null where the browser has no Origin Private File System. */
  static async open(url: string, stems: readonly StemName[], length: number): Promise<StemStoreClient | null> {
    if (!globalThis.navigator?.storage?.getDirectory) return null;
    const store = new StemStoreClient(startWorker(url, 'demucs-stems'));
    try {
      await store.#api.open(stems, length);
      return store;
    } catch {
      store.dispose();
      return null;
    }
  }

  /** Keeps a region (its arrays are transferred: the caller gives them up). */
  write(start: number, channels: Float32Array[][]): Promise<{ ok: true } | StoreFailure> {
    return this.#api.write(start, Comlink.transfer(channels, channels.flat().map((c) => c.buffer as ArrayBuffer)));
  }

  read(from: number, length: number): Promise<Float32Array[][]> {
    return this.#api.read(from, length);
  }

  /** A WAV file of Σ gains[s] × stem s over [0, length), on disk; a Blob backed by it. */
  exportWav(gains: readonly number[], length: number, format: WavFormat, name: string): Promise<Blob | StoreFailure> {
    return this.#api.exportWav(gains, length, format, name);
  }

  usage(): Promise<{ usage: number; quota: number }> {
    return this.#api.usage();
  }

  /** Deletes the song's files and ends the worker. */
  async close(): Promise<void> {
    try {
      await Promise.race([this.#api.close(), new Promise((r) => setTimeout(r, 1000))]);
    } finally {
      this.dispose();
    }
  }

  dispose(): void {
    this.#api[Comlink.releaseProxy]();
    this.#worker.terminate();
  }
}
