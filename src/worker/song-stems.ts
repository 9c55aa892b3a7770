/**
 * The stems of the song open in the store (stem-store.worker.ts): one file per stem on disk
 * (interleaved float32 stereo), and, past what the storage refused (a private window's small
 * storage, a full disk), the rest in memory within the budget (memory-tail.ts). Each stem is
 * read where it is; exports go to a file on disk, or are built in memory when the disk refuses.
 */
import { CHANNELS, SAMPLE_RATE } from '../core/constants.ts';
import { FRAME_BYTES, type MemoryTail } from '../core/memory-tail.ts';
import { isWavFormat, type ExportRequest } from '../core/output-formats.ts';
import { PEAK_COLUMNS } from '../core/peaks.ts';
import type { StemName } from '../core/stems.ts';
import { isQuotaError, ownedName } from './opfs.ts';
import { exportExtension, writeExport, type StemSource } from './stem-export.ts';
import { writeMeta } from './stored-separations.ts';
import type { MemoryUse, StoredSeparationMeta } from './stored-separation-types.ts';

/** The song open in the store. */
export interface Open {
  /** Which open() this is: writes of an earlier song are ignored. */
  readonly token: number;
  readonly dir: FileSystemDirectoryHandle;
  readonly stems: readonly StemName[];
  readonly length: number;
  readonly handles: FileSystemSyncAccessHandle[];
  /** A stored separation: its description (kept current) and the handles of it and of the peaks. */
  readonly kept: { meta: StoredSeparationMeta; metaHandle: FileSystemSyncAccessHandle; peaksHandle: FileSystemSyncAccessHandle } | null;
  readonly peaks: Float32Array[];
  /** Frames on disk, contiguous from the start. */
  written: number;
  /** The stems past those the disk refused (a private window's storage, a full disk), in memory. */
  tail: MemoryTail | null;
}

/** Test hook: writes left before a write fails as a full disk would (null: none fails). */
let writesBeforeFull: number | null = null;

/** Test hook: the write after `writes` more succeed fails as a full disk would (null: none). */
export function failWritesAfter(writes: number | null): void {
  writesBeforeFull = writes;
}

/** A sync access handle on a file of `dir`, made if there is none. */
export async function createHandle(dir: FileSystemDirectoryHandle, name: string): Promise<FileSystemSyncAccessHandle> {
  return (await dir.getFileHandle(name, { create: true })).createSyncAccessHandle();
}

/** Records that frames up to `end` are on disk (the stems flushed first, then the description). */
export function recordProgress(open: Open): void {
  const kept = open.kept;
  if (!kept) return;
  for (const h of open.handles) h.flush();
  const all = new Float32Array(open.stems.length * PEAK_COLUMNS);
  open.peaks.forEach((p, s) => all.set(p, s * PEAK_COLUMNS));
  kept.peaksHandle.write(all, { at: 0 });
  kept.peaksHandle.flush();
  kept.meta.separated = open.written;
  writeMeta(kept.metaHandle, kept.meta);
}

/** [left, right] as one interleaved stereo array, as the files hold it. */
export function interleave(left: Float32Array, right: Float32Array): Float32Array {
  const out = new Float32Array(CHANNELS * left.length);
  for (let i = 0; i < left.length; i++) {
    out[2 * i] = left[i]!;
    out[2 * i + 1] = right[i]!;
  }
  return out;
}

/** Writes each stem's interleaved frames at `start`; QuotaExceededError when the disk refuses. */
export function writeToDisk(open: Open, start: number, tracks: readonly Float32Array[]): void {
  if (writesBeforeFull !== null && writesBeforeFull-- <= 0) throw new DOMException('injected by a test', 'QuotaExceededError');
  tracks.forEach((track, s) => {
    if (open.handles[s]!.write(track, { at: start * FRAME_BYTES }) !== track.byteLength) throw new DOMException('short write', 'QuotaExceededError');
  });
  if (start <= open.written) {
    open.written = Math.max(open.written, start + tracks[0]!.length / CHANNELS);
    recordProgress(open);
  }
}

/** Frames that play and export, contiguous from the start: on disk, then in memory. */
export function readable(open: Open): number {
  return open.tail?.end ?? open.written;
}

/** What memory holds of the song's stems (null: all on disk). */
export function memoryUse(open: Open): MemoryUse | null {
  const tail = open.tail;
  return tail && { from: tail.from, bytes: tail.bytes, budget: tail.budget };
}

/** Each stem's frames read where they are: on disk up to what it holds, then from memory (zeros past both). */
export function stemSources(open: Open): StemSource[] {
  return open.handles.map((handle, s) => (view, from) => {
    view.fill(0);
    const onDisk = Math.max(0, Math.min(view.length / CHANNELS, open.written - from));
    if (onDisk > 0) handle.read(view.subarray(0, CHANNELS * onDisk), { at: from * FRAME_BYTES });
    open.tail?.read(s, view, from);
  });
}

/** Why the stems stopped being kept: the storage refused them, and memory (when it took some) is full too. */
export function refusedMessage(onDisk: number, tail: MemoryTail | null): string {
  const at = (frames: number) => `${(frames / SAMPLE_RATE).toFixed(1)} s`;
  const where = `the browser's storage refused the stems past ${at(onDisk)} (in a private window it is held in memory and small; otherwise the disk is full)`;
  const memory = tail && tail.end > tail.from ? `; those up to ${at(tail.end)} were kept in memory, its budget of ${(tail.budget / 1e6).toFixed(0)} MB is used up` : '';
  return `${where}${memory}. What was separated plays and exports; for the whole song, open the mixer in a normal window or free disk space, and load the song again`;
}

/** The media type of an export built in memory. */
export function exportType(request: ExportRequest): string {
  return isWavFormat(request.format) ? 'audio/wav' : request.format === 'flac' ? 'audio/flac' : request.format === 'mp3' ? 'audio/mpeg' : 'audio/mp4';
}

/** The export written to a file on disk, as a Blob backed by it; null when the disk refuses it (then built in memory). */
export async function exportToDisk(open: Open, request: ExportRequest, length: number, name: string, onProgress?: (fraction: number) => void): Promise<Blob | null> {
  const exportName = ownedName('export', `-${name}${exportExtension(request.format)}`);
  let file: FileSystemSyncAccessHandle | null = null;
  try {
    file = await createHandle(open.dir, exportName);
    await writeExport(file, stemSources(open), request, length, onProgress);
  } catch (error) {
    file?.close();
    await open.dir.removeEntry(exportName).catch(() => undefined);
    if (isQuotaError(error)) return null;
    throw error;
  }
  file.close();
  return (await open.dir.getFileHandle(exportName)).getFile();
}
