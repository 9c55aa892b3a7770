/** The page's handle on the stems on disk (src/worker/stem-store.worker.ts), via comlink. */
import * as Comlink from 'comlink';
import type { StemName } from '../../src/core/stems.ts';
import type { ExportRequest } from '../../src/core/output-formats.ts';
import type { MemoryUse, SeparationKey, StoredSeparationMeta, SongLookup, StemStoreApi, StoredSeparation, StoreFailure, StoreWritten } from '../../src/worker/stem-store.worker.ts';
import { startWorker } from './assets.ts';
import type { StemReader } from '../audio/stem-player.ts';

export type { MemoryUse, SeparationKey, StoredSeparationMeta, SongLookup, StoredSeparation, StoreFailure, StoreWritten };

/** One song's stems on disk: what the player reads back, and what regions are written to. */
export interface SongFiles extends StemReader {
  /** Frames already on disk (a stored separation continued), and its waveform peaks. */
  readonly written: number;
  readonly peaks: Float32Array[];
  /** Whether the song is kept after the page closes (a session), or deleted with it. */
  readonly kept: boolean;
  /** Keeps a region (its arrays are transferred: the caller gives them up): on disk, or in memory past what the disk refused. */
  write(start: number, channels: Float32Array[][]): Promise<StoreWritten | StoreFailure>;
  /** Marks the separation complete. */
  complete(): Promise<void>;
  /** Records the song's sha256 once known (a kept song opened before its hash was done). */
  identify(songSha256: string): Promise<void>;
  /** An export over [0, length) (a mix of the stems, or NI Stems), on disk; a Blob backed by it. */
  exportFile(request: ExportRequest, length: number, name: string, onProgress?: (fraction: number) => void): Promise<Blob | StoreFailure>;
}

export class StemStoreClient {
  readonly #worker: Worker;
  readonly #api: Comlink.Remote<StemStoreApi>;

  private constructor(worker: Worker) {
    this.#worker = worker;
    this.#api = Comlink.wrap<StemStoreApi>(worker);
  }

  /** The store, or null where the browser has no Origin Private File System. */
  static create(url: string): StemStoreClient | null {
    if (!globalThis.navigator?.storage?.getDirectory) return null;
    return new StemStoreClient(startWorker(url, 'demucs-stems'));
  }

  /** A song's sha256, its session id for a model and settings, and that session if stored. */
  lookup(song: Blob, key: SeparationKey): Promise<SongLookup> {
    return this.#api.lookup(song, key);
  }

  /** The stored separation of a song file by its signature (stored-separations.ts), if any. */
  candidate(signature: string, key: SeparationKey): Promise<StoredSeparationMeta | null> {
    return this.#api.candidate(signature, key);
  }

  /**
   * Opens a song's files (closing the previous song's): kept as `session` when given, else
   * deleted when the next song opens. Null when the store cannot open them.
   */
  async open(stems: readonly StemName[], length: number, session: StoredSeparationMeta | null): Promise<SongFiles | null> {
    let opened: Awaited<ReturnType<StemStoreApi['open']>>;
    try {
      opened = await this.#api.open(stems, length, session);
    } catch {
      return null;
    }
    const api = this.#api;
    const { token } = opened;
    return {
      written: opened.written,
      peaks: opened.peaks,
      kept: opened.kept,
      write: (start, channels) => api.write(token, start, Comlink.transfer(channels, channels.flat().map((c) => c.buffer as ArrayBuffer))),
      complete: () => api.complete(token),
      identify: (sha256) => api.identify(token, sha256),
      read: (from, n) => api.read(from, n),
      // The worker releases the progress callback's proxy when the export ends.
      exportFile: (request, n, name, onProgress) => api.exportFile(request, n, name, onProgress && Comlink.proxy(onProgress)),
    };
  }

  /**
   * An encoded export of stems the page keeps in memory: the worker pulls each piece of each
   * track from `read` (transferred back) and builds the file.
   */
  exportFromPage(request: ExportRequest, length: number, read: (track: number, from: number, n: number) => [Float32Array, Float32Array], onProgress?: (fraction: number) => void): Promise<Blob> {
    const pull = async (track: number, from: number, n: number) => {
      const planes = read(track, from, n);
      return Comlink.transfer(planes, planes.map((p) => p.buffer as ArrayBuffer));
    };
    // The worker releases both callbacks' proxies when the export ends.
    return this.#api.exportFromPage(request, length, Comlink.proxy(pull), onProgress && Comlink.proxy(onProgress));
  }

  /** Closes the open song's files (a kept session stays on disk). */
  async close(): Promise<void> {
    await Promise.race([this.#api.close(), new Promise((r) => setTimeout(r, 1000))]);
  }

  stored(): Promise<StoredSeparation[]> {
    return this.#api.stored();
  }

  forget(id: string): Promise<boolean> {
    return this.#api.forget(id);
  }

  usage(): Promise<{ usage: number; quota: number }> {
    return this.#api.usage();
  }

  /** Test hook: the write after `writes` more fails as on a full disk. */
  failWritesAfter(writes: number | null): Promise<void> {
    return this.#api.failWritesAfter(writes);
  }

  /** Test hook: the bytes of stems kept in memory past a full disk, from the disk's next refusal on (null: the device's budget). */
  setMemoryBudget(bytes: number | null): Promise<void> {
    return this.#api.setMemoryBudget(bytes);
  }

  dispose(): void {
    this.#api[Comlink.releaseProxy]();
    this.#worker.terminate();
  }
}
