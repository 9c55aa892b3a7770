/**
 * The stems of the song in the mixer, on disk: one file per stem in the Origin Private File
 * System (interleaved float32 stereo), written and read through sync access handles. A worker
 * of its own, so that it answers at once while the inference worker is busy with a run: the
 * page keeps only what playback needs next and asks here for the rest (a seek, the next stretch,
 * an export). Exports are files on disk too (header + samples), handed to the page as Blobs
 * backed by those files, never whole in memory.
 */
import * as Comlink from 'comlink';
import { CHANNELS } from '../core/constants.ts';
import { encodeFrames, wavHeader, type WavFormat } from '../core/wav.ts';
import type { StemName } from '../core/stems.ts';

export type StoreFailure = { readonly ok: false; readonly code: 'STORAGE_FULL' | 'IO'; readonly message: string };

/** Frames converted at a time when writing an export. */
const EXPORT_FRAMES = 1 << 16;

interface Open {
  readonly dir: FileSystemDirectoryHandle;
  readonly name: string;
  readonly stems: readonly StemName[];
  readonly length: number;
  handles: FileSystemSyncAccessHandle[] | null;
}

let song: Open | null = null;

async function mixerDirectory(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle('demucs-mixer', { create: true });
}

const isQuota = (error: unknown) => (error as { name?: string })?.name === 'QuotaExceededError';
const fileName = (s: number) => `stem-${s}.f32`;

async function handles(): Promise<FileSystemSyncAccessHandle[]> {
  if (!song) throw new Error('no song is open');
  if (!song.handles) {
    const dir = await song.dir.getDirectoryHandle(song.name, { create: true });
    song.handles = await Promise.all(song.stems.map(async (_, s) => (await dir.getFileHandle(fileName(s), { create: true })).createSyncAccessHandle()));
  }
  return song.handles;
}

function closeHandles(): void {
  for (const h of song?.handles ?? []) h.close();
  if (song) song.handles = null;
}

const api = {
  /** Starts a new song's files (the previous song's are deleted). */
  async open(stems: readonly StemName[], length: number): Promise<void> {
    await api.close();
    const dir = await mixerDirectory();
    song = { dir, name: `song-${Date.now()}-${Math.random().toString(36).slice(2)}`, stems, length, handles: null };
    await handles();
  },

  /** Writes a region: channels[s] = [left, right] of stem s, from frame `start`. */
  async write(start: number, channels: Float32Array[][]): Promise<{ ok: true } | StoreFailure> {
    try {
      const all = await handles();
      const n = channels[0]![0]!.length;
      const interleaved = new Float32Array(CHANNELS * n);
      channels.forEach(([left, right], s) => {
        for (let i = 0; i < n; i++) {
          interleaved[2 * i] = left![i]!;
          interleaved[2 * i + 1] = right![i]!;
        }
        if (all[s]!.write(interleaved, { at: start * 8 }) !== interleaved.byteLength) throw new DOMException('short write', 'QuotaExceededError');
      });
      return { ok: true };
    } catch (error) {
      if (isQuota(error)) return { ok: false, code: 'STORAGE_FULL', message: `the browser's storage is full: stems past ${(start / 44100).toFixed(1)} s could not be kept (what was separated before stays)` };
      return { ok: false, code: 'IO', message: `the stems could not be written: ${(error as Error).message}` };
    }
  },

  /** Frames [from, from + length) of every stem: channels[s] = [left, right] (zeros past what was written). */
  async read(from: number, length: number): Promise<Float32Array[][]> {
    const all = await handles();
    const n = Math.max(0, Math.min(length, song!.length - from));
    const interleaved = new Float32Array(CHANNELS * n);
    const out = all.map((h) => {
      interleaved.fill(0);
      h.read(interleaved, { at: from * 8 });
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
   * A WAV file of frames [0, length) of `mix(gains)`: Σ_s gains[s] × stem s (one stem: a gain of
   * 1 for it, 0 for the others), written to disk in pieces; returns a Blob backed by that file.
   */
  async exportWav(gains: readonly number[], length: number, format: WavFormat, name: string): Promise<Blob | StoreFailure> {
    const all = await handles();
    const dir = await song!.dir.getDirectoryHandle(song!.name, { create: true });
    const exportName = `export-${name}.wav`;
    const file = await (await dir.getFileHandle(exportName, { create: true })).createSyncAccessHandle();
    try {
      file.truncate(0);
      const header = wavHeader(format, length);
      let at = file.write(header, { at: 0 });
      const piece = new Float32Array(CHANNELS * EXPORT_FRAMES);
      const sum = new Float32Array(CHANNELS * EXPORT_FRAMES);
      for (let from = 0; from < length; from += EXPORT_FRAMES) {
        const n = Math.min(EXPORT_FRAMES, length - from);
        const target = sum.subarray(0, CHANNELS * n);
        target.fill(0);
        gains.forEach((g, s) => {
          if (g === 0) return;
          const view = piece.subarray(0, CHANNELS * n);
          view.fill(0);
          all[s]!.read(view, { at: from * 8 });
          for (let i = 0; i < view.length; i++) target[i]! += g * view[i]!;
        });
        const left = new Float32Array(n);
        const right = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          left[i] = target[2 * i]!;
          right[i] = target[2 * i + 1]!;
        }
        const { bytes } = encodeFrames(left, right, format);
        if (file.write(bytes, { at }) !== bytes.byteLength) throw new DOMException('short write', 'QuotaExceededError');
        at += bytes.byteLength;
      }
      file.flush();
    } catch (error) {
      file.close();
      await dir.removeEntry(exportName).catch(() => undefined);
      if (isQuota(error)) return { ok: false, code: 'STORAGE_FULL', message: 'the browser\'s storage is full: the export could not be written' };
      return { ok: false, code: 'IO', message: `the export could not be written: ${(error as Error).message}` };
    }
    file.close();
    return (await dir.getFileHandle(exportName)).getFile();
  },

  /** Closes and deletes the current song's files. */
  async close(): Promise<void> {
    if (!song) return;
    closeHandles();
    await song.dir.removeEntry(song.name, { recursive: true }).catch(() => undefined);
    song = null;
  },

  /** Bytes the mixer's files take in this origin's storage, and what the browser allows. */
  async usage(): Promise<{ usage: number; quota: number }> {
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    return { usage, quota };
  },
};

export type StemStoreApi = typeof api;

// Leftovers of pages closed mid-song (their files are not in use by anyone now).
void (async () => {
  try {
    const dir = await mixerDirectory();
    for await (const [name] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
      if (name.startsWith('song-') || name.startsWith('mix-')) await dir.removeEntry(name, { recursive: true }).catch(() => undefined);
    }
  } catch {
    // no OPFS: the page falls back to keeping stems in memory
  }
})();

Comlink.expose(api);
