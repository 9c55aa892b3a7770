/**
 * The stems of the song in the mixer, on disk: one file per stem in the Origin Private File
 * System (interleaved float32 stereo), written and read through sync access handles. A worker
 * of its own, so that it answers at once while the inference worker is busy with a run: the
 * page keeps only what playback needs next and asks here for the rest (a seek, the next stretch,
 * an export). Exports are files on disk too (stem-export.ts), handed to the page as Blobs
 * backed by those files, never whole in memory. Past what the storage refuses (a private
 * window's, a full disk), the stems and exports are kept in memory within a budget (song-stems.ts).
 *
 * A song is kept as a stored separation (stored-separations.ts) when the page names one: its
 * folder stays after the page closes, and says how much of it is separated, so that the same song with the
 * same model and settings reopens without separating, or resumes where it stopped.
 */
import * as Comlink from 'comlink';
import { CHANNELS } from '../core/constants.ts';
import { addPeaks, PEAK_COLUMNS } from '../core/peaks.ts';
import type { StemName } from '../core/stems.ts';
import type { ExportRequest, TrackReader } from '../core/output-formats.ts';
import { memoryBudget, MemoryTail } from '../core/memory-tail.ts';
import { encodeFromPage, encodeInMemory } from './stem-export.ts';
import { isLockedError, isQuotaError, mixerDirectory, ownedName, ownerLock } from './opfs.ts';
import {
  createHandle,
  exportToDisk,
  exportType,
  failWritesAfter,
  interleave,
  memoryUse,
  readable,
  refusedMessage,
  stemSources,
  writeToDisk,
  type Open,
} from './song-stems.ts';
import {
  cleanLeftovers,
  findStored,
  listStored,
  META_FILE,
  PEAKS_FILE,
  readMeta,
  SEPARATION_PREFIX,
  sha256OfBlob,
  stemFile,
  writeMeta,
} from './stored-separations.ts';
import type { MemoryUse, SeparationKey, StoredSeparationMeta, StoredSeparation, StoreFailure, StoreWritten } from './stored-separation-types.ts';

export type { SeparationKey, StoredSeparationMeta, StoredSeparation, MemoryUse, StoreFailure, StoreWritten };

/** A song's sha256, and its stored separation with a model and settings if there is one. */
export interface SongLookup {
  readonly songSha256: string;
  readonly stored: StoredSeparationMeta | null;
}

/** Tries (100 ms apart) to open a stored separation whose files another worker holds. */
const LOCKED_RETRIES = 20;

let song: Open | null = null;
let tokens = 0;
/** Bytes of stems kept in memory past what the disk refused (a test may set another). */
let budget = memoryBudget();
/** Leftovers are cleaned before anything else happens. */
const ready = ownerLock.then(() => cleanLeftovers()).catch(() => undefined);

/** A page's callback, a comlink proxy holding a message port open until released. */
function releaseCallback(callback: unknown): void {
  (callback as Partial<Comlink.Remote<object>> | undefined)?.[Comlink.releaseProxy]?.();
}

/** Sync access handles on files of a folder: all of them, or none (those opened are closed again). */
async function openHandles(dir: FileSystemDirectoryHandle, names: readonly string[]): Promise<FileSystemSyncAccessHandle[]> {
  const opened: FileSystemSyncAccessHandle[] = [];
  try {
    for (const name of names) opened.push(await createHandle(dir, name));
    return opened;
  } catch (error) {
    for (const h of opened) h.close();
    throw error;
  }
}

function closeSong(): void {
  if (!song) return;
  for (const h of song.handles) h.close();
  song.kept?.metaHandle.close();
  song.kept?.peaksHandle.close();
}

/** Opens (or starts) a stored separation's folder; null when another tab has it open. */
async function openStored(meta: StoredSeparationMeta, root: FileSystemDirectoryHandle): Promise<Omit<Open, 'token'> | null> {
  const dir = await root.getDirectoryHandle(SEPARATION_PREFIX + meta.id, { create: true });
  const before = await readMeta(dir);
  const resume = before !== null && before.length === meta.length && before.stems.join() === meta.stems.join();
  // Each stem, then the description and the peaks: all or none. Another tab may hold them, or
  // the worker of the page this one reloaded, for a moment: tried again for a while.
  let all: FileSystemSyncAccessHandle[] | null = null;
  for (let attempt = 0; !all; attempt++) {
    try {
      all = await openHandles(dir, [...meta.stems.map((_, s) => stemFile(s)), META_FILE, PEAKS_FILE]);
    } catch (error) {
      if (!isLockedError(error)) throw error;
      if (attempt >= LOCKED_RETRIES) return null;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const handles = all.slice(0, meta.stems.length);
  const [metaHandle, peaksHandle] = all.slice(meta.stems.length) as [FileSystemSyncAccessHandle, FileSystemSyncAccessHandle];
  const current: StoredSeparationMeta = resume ? { ...before, opened: Date.now() } : { ...meta, separated: 0, complete: false, created: Date.now(), opened: Date.now() };
  const peaks = meta.stems.map(() => new Float32Array(PEAK_COLUMNS));
  if (resume) {
    const all = new Float32Array(meta.stems.length * PEAK_COLUMNS);
    peaksHandle.read(all, { at: 0 });
    peaks.forEach((p, s) => p.set(all.subarray(s * PEAK_COLUMNS, (s + 1) * PEAK_COLUMNS)));
  } else {
    for (const h of [...handles, peaksHandle]) h.truncate(0);
  }
  writeMeta(metaHandle, current);
  return { dir, stems: meta.stems, length: meta.length, handles, kept: { meta: current, metaHandle, peaksHandle }, peaks, written: current.separated, tail: null };
}

/** Where a song's files go when it is not kept (or its stored separation is open in another tab). */
async function openUnkept(root: FileSystemDirectoryHandle, stems: readonly StemName[], length: number): Promise<Omit<Open, 'token'>> {
  const dir = await root.getDirectoryHandle(ownedName('song'), { create: true });
  return { dir, stems, length, handles: await openHandles(dir, stems.map((_, s) => stemFile(s))), kept: null, peaks: stems.map(() => new Float32Array(PEAK_COLUMNS)), written: 0, tail: null };
}

const api = {
  /** The sha256 of a song's bytes, and its stored separation with a model and settings. */
  async lookup(blob: Blob, key: SeparationKey): Promise<SongLookup> {
    await ready;
    const songSha256 = await sha256OfBlob(blob, alone);
    return { songSha256, stored: await findStored({ sha256: songSha256 }, key).catch(() => null) };
  },

  /** The stored separation of a song file by its name, size and date (before its sha256 is known). */
  async candidate(signature: string, key: SeparationKey): Promise<StoredSeparationMeta | null> {
    await ready;
    return findStored({ signature }, key);
  },

  /** Records the open song's sha256, once known (it was kept before its hash was done). */
  async identify(token: number, songSha256: string): Promise<void> {
    const open = song;
    if (!open || open.token !== token || !open.kept) return;
    open.kept.meta.songSha256 = songSha256;
    writeMeta(open.kept.metaHandle, open.kept.meta);
  },

  /**
   * Starts a song's files (the previous song's are closed; deleted unless kept). With `stored`
   * the song is kept: a stored one of the same length and stems is continued (`written` says
   * how much of it is on disk). Returns the song's token, for its writes.
   */
  async open(stems: readonly StemName[], length: number, stored: StoredSeparationMeta | null = null): Promise<{ token: number; written: number; kept: boolean; peaks: Float32Array[] }> {
    await ready;
    await api.close();
    const root = await mixerDirectory();
    const opened = (stored && (await openStored(stored, root))) || (await openUnkept(root, stems, length));
    song = { ...opened, token: ++tokens };
    const peaks = song.peaks.map((p) => p.slice());
    return { token: song.token, written: song.written, kept: song.kept !== null, peaks };
  },

  /**
   * Keeps a region of song `token`: channels[s] = [left, right] of stem s, from frame `start`.
   * On disk; once the disk refuses (a private window's storage, a full disk), in memory within
   * the budget; past it, STORAGE_FULL.
   */
  async write(token: number, start: number, channels: Float32Array[][]): Promise<StoreWritten | StoreFailure> {
    const open = song;
    if (!open || open.token !== token) return { ok: true, written: 0, memory: null };
    const tracks = channels.map(([left, right]) => interleave(left!, right!));
    try {
      if (!open.tail) writeToDisk(open, start, tracks);
    } catch (error) {
      if (!isQuotaError(error)) return { ok: false, code: 'IO', written: open.written, message: `the stems could not be written: ${(error as Error).message}` };
      if (start !== open.written) return { ok: false, code: 'STORAGE_FULL', written: open.written, message: refusedMessage(open.written, null) };
      open.tail = new MemoryTail(open.stems.length, open.written, budget);
    }
    if (open.tail && !open.tail.append(start, tracks)) return { ok: false, code: 'STORAGE_FULL', written: open.tail.end, message: refusedMessage(open.tail.from, open.tail) };
    addPeaks(open.peaks, open.length, start, channels);
    return { ok: true, written: readable(open), memory: memoryUse(open) };
  },

  /** Marks the open song's separation complete (a stored separation then reopens without separating). */
  async complete(token: number): Promise<void> {
    const open = song;
    if (!open || open.token !== token || !open.kept) return;
    open.kept.meta.complete = open.written >= open.length;
    writeMeta(open.kept.metaHandle, open.kept.meta);
  },

  /** Frames [from, from + length) of every stem: channels[s] = [left, right] (zeros past what was kept). */
  async read(from: number, length: number): Promise<Float32Array[][]> {
    if (!song) throw new Error('no song is open');
    const n = Math.max(0, Math.min(length, song.length - from));
    const interleaved = new Float32Array(CHANNELS * n);
    const out = stemSources(song).map((read) => {
      read(interleaved, from);
      const left = new Float32Array(n);
      const right = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        left[i] = interleaved[2 * i]!;
        right[i] = interleaved[2 * i + 1]!;
      }
      return [left, right];
    });
    return Comlink.transfer(out, out.flat().map((c) => c.buffer as ArrayBuffer));
  },

  /**
   * An export of frames [0, length) (stem-export.ts: a mix of the stems in any per-stem format,
   * or an NI Stems file), written to disk in pieces; returns a Blob backed by that file.
   */
  async exportFile(request: ExportRequest, length: number, name: string, onProgress?: (fraction: number) => void): Promise<Blob | StoreFailure> {
    if (!song) throw new Error('no song is open');
    const open = song;
    try {
      // Once the disk has refused the stems, it would refuse the export too: built in memory.
      if (!open.tail) {
        const file = await exportToDisk(open, request, length, name, onProgress);
        if (file) return file;
      }
      const bytes = await encodeInMemory(request, stemSources(open), length, onProgress);
      return new Blob([bytes as BlobPart], { type: exportType(request) });
    } catch (error) {
      return { ok: false, code: 'IO', written: readable(open), message: `the export could not be written: ${(error as Error).message}` };
    } finally {
      releaseCallback(onProgress);
    }
  },

  /** An encoded export of stems kept in the page's memory (stem-export.ts: encodeFromPage), as a Blob. */
  async exportFromPage(request: ExportRequest, length: number, read: TrackReader, onProgress?: (fraction: number) => void): Promise<Blob> {
    try {
      const bytes = await encodeFromPage(request, length, read, onProgress);
      return new Blob([bytes as BlobPart], { type: exportType(request) });
    } finally {
      releaseCallback(read);
      releaseCallback(onProgress);
    }
  },

  /** Closes the current song's files: a stored separation stays on disk, an unkept song is deleted. */
  async close(): Promise<void> {
    const open = song;
    if (!open) return;
    closeSong();
    song = null;
    if (!open.kept) await (await mixerDirectory()).removeEntry(open.dir.name, { recursive: true }).catch(() => undefined);
  },

  /** The stored separations, the most recently opened first. */
  async stored(): Promise<StoredSeparation[]> {
    await ready;
    return listStored();
  },

  /** Deletes a stored separation (closing it first if it is the open song); whether there was one. */
  async forget(id: string): Promise<boolean> {
    await ready;
    if (song?.kept?.meta.id === id) {
      closeSong();
      song = null;
    }
    const root = await mixerDirectory();
    try {
      await root.removeEntry(SEPARATION_PREFIX + id, { recursive: true });
      return true;
    } catch {
      return false;
    }
  },

  /** Bytes the mixer's files take in this origin's storage, and what the browser allows. */
  async usage(): Promise<{ usage: number; quota: number }> {
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    return { usage, quota };
  },

  /** Test hook: the write after `writes` more succeed fails as a full disk would (null: none). */
  failWritesAfter(writes: number | null): void {
    failWritesAfter(writes);
  },

  /** Test hook: the bytes of stems kept in memory past a full disk, from the disk's next refusal on (null: the device's). */
  setMemoryBudget(bytes: number | null): void {
    budget = bytes ?? memoryBudget();
  },
};

export type StemStoreApi = typeof api;

/**
 * A read of a song's bytes for its hash and the other calls (but a lookup) never overlap: a read
 * begins once no call and no other read is in flight, and a call that arrives during a read begins
 * after it. A Blob read beside an opening of an export's file once left that opening unanswered for
 * good (Chromium); waiting for quiet before each read made it rarer, not impossible, while calls
 * could still begin during one.
 */
let inFlight = 0;
let reading: Promise<unknown> | null = null;
const quietWaiters: (() => void)[] = [];

async function alone<T>(read: () => Promise<T>): Promise<T> {
  for (;;) {
    if (reading) await reading.catch(() => undefined);
    else if (inFlight > 0) await new Promise<void>((resolve) => quietWaiters.push(resolve));
    else break;
  }
  const pending = read();
  reading = pending;
  try {
    return await pending;
  } finally {
    if (reading === pending) reading = null;
  }
}

/** The api, each call but a lookup counted in flight from its start to its end, and begun between reads. */
function counted(calls: typeof api): typeof api {
  const entries = Object.entries(calls as Record<string, (...args: unknown[]) => unknown>).map(([name, call]) => {
    if (name === 'lookup') return [name, call];
    return [name, async (...args: unknown[]) => {
      while (reading) await reading.catch(() => undefined);
      inFlight++;
      try {
        return await call.apply(calls, args);
      } finally {
        if (--inFlight === 0) for (const resolve of quietWaiters.splice(0)) resolve();
      }
    }];
  });
  return Object.fromEntries(entries) as typeof api;
}

Comlink.expose(counted(api));
