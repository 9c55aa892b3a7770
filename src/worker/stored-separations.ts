/**
 * Stored separations: separations kept between visits, in the Origin Private File System. One
 * folder per song, model and settings (`session-<id>`), holding each stem as interleaved float32
 * stereo, the waveform peaks, and `session.json` (what it is, and how much is separated and on
 * disk): the song's sha256 and file signature, the model and the settings, by which the same
 * song dropped again finds its folder.
 */
import { createSHA256 } from 'hash-wasm';
import { SAMPLE_RATE } from '../core/constants.ts';
import type { SeparationKey, StoredSeparationMeta, StoredSeparation } from './stored-separation-types.ts';
import { leftoverTest, mixerDirectory } from './opfs.ts';

export type { SeparationKey, StoredSeparationMeta, StoredSeparation } from './stored-separation-types.ts';

// The names on disk are those of when a stored separation was called a "session": they stay,
// so that the separations users' browsers already keep are still found.
/** Prefix of a stored separation's folder (then its id). */
export const SEPARATION_PREFIX = 'session-';
/** A stored separation's description, in its folder. */
export const META_FILE = 'session.json';
export const PEAKS_FILE = 'peaks.f32';
export const stemFile = (s: number) => `stem-${s}.f32`;

type Entries = AsyncIterable<[string, FileSystemHandle]>;
const entries = (dir: FileSystemDirectoryHandle) => (dir as unknown as { entries(): Entries }).entries();

/** Bytes read at a time when hashing a song (small: each read is garbage at once). */
const HASH_CHUNK = 1 << 20;

/**
 * The sha256 of a Blob, read in pieces: memory stays flat, and the worker answers other calls
 * (playback reading stems back, exports) between pieces. Each read is asynchronous and goes through
 * `alone`, which runs it while nothing else touches the origin's files: a read beside an export's file
 * opening once left that opening unanswered for good (Chromium).
 */
export async function sha256OfBlob(blob: Blob, alone: <T>(read: () => Promise<T>) => Promise<T> = (read) => read()): Promise<string> {
  const hasher = await createSHA256();
  hasher.init();
  for (let at = 0; at < blob.size; at += HASH_CHUNK) {
    hasher.update(new Uint8Array(await alone(() => blob.slice(at, at + HASH_CHUNK).arrayBuffer())));
  }
  return hasher.digest('hex');
}


function isMeta(value: unknown): value is StoredSeparationMeta {
  const m = value as StoredSeparationMeta;
  return m?.version === 1 && typeof m.id === 'string' && Number.isInteger(m.length) && m.length > 0 && Number.isInteger(m.separated) && Array.isArray(m.stems) && typeof m.settings === 'object';
}

/** A stored separation's description, from its folder, or null when it has none (or an unreadable one). */
export async function readMeta(dir: FileSystemDirectoryHandle): Promise<StoredSeparationMeta | null> {
  try {
    const file = await (await dir.getFileHandle(META_FILE)).getFile();
    const meta: unknown = JSON.parse(await file.text());
    return isMeta(meta) ? meta : null;
  } catch {
    return null;
  }
}

/** Writes a stored separation's description through its open handle (flushed: it says what is on disk). */
export function writeMeta(handle: FileSystemSyncAccessHandle, meta: StoredSeparationMeta): void {
  const bytes = new TextEncoder().encode(JSON.stringify(meta));
  handle.truncate(0);
  handle.write(bytes, { at: 0 });
  handle.flush();
}

async function folderBytes(dir: FileSystemDirectoryHandle): Promise<number> {
  let bytes = 0;
  for await (const [, handle] of entries(dir)) {
    if (handle.kind === 'file') bytes += (await (handle as FileSystemFileHandle).getFile()).size;
  }
  return bytes;
}

/**
 * The stored separation of a song with a model and settings, found by the song's sha256 or by
 * its file's signature (songSignature); the one separated furthest when there are several.
 */
export async function findStored(song: { sha256: string } | { signature: string }, key: SeparationKey): Promise<StoredSeparationMeta | null> {
  const root = await mixerDirectory();
  let best: StoredSeparationMeta | null = null;
  for await (const [name, handle] of entries(root)) {
    if (!name.startsWith(SEPARATION_PREFIX) || handle.kind !== 'directory') continue;
    const meta = await readMeta(handle as FileSystemDirectoryHandle);
    if (!meta || meta.model !== key.model || !sameSettings(meta.settings, key.settings)) continue;
    const same = 'sha256' in song ? meta.songSha256 === song.sha256 : meta.signature === song.signature;
    if (same && (!best || meta.separated > best.separated)) best = meta;
  }
  return best;
}

const sameSettings = (a: SeparationKey['settings'], b: SeparationKey['settings']) => a.shifts === b.shifts && a.overlap === b.overlap && a.consistent === b.consistent;

/** Every stored separation, the most recently opened first. */
export async function listStored(): Promise<StoredSeparation[]> {
  const root = await mixerDirectory();
  const out: StoredSeparation[] = [];
  for await (const [name, handle] of entries(root)) {
    if (!name.startsWith(SEPARATION_PREFIX) || handle.kind !== 'directory') continue;
    const dir = handle as FileSystemDirectoryHandle;
    const meta = await readMeta(dir);
    if (!meta) continue;
    out.push({
      id: meta.id,
      name: meta.name,
      songSha256: meta.songSha256,
      model: meta.model,
      settings: meta.settings,
      stems: meta.stems,
      duration: meta.length / SAMPLE_RATE,
      separatedSeconds: meta.separated / SAMPLE_RATE,
      complete: meta.complete,
      bytes: await folderBytes(dir),
      created: meta.created,
      opened: meta.opened,
    });
  }
  return out.sort((a, b) => b.opened - a.opened);
}

/**
 * Leftovers of pages that closed: decoded mixes, unkept songs and exports (`mix-*`, `song-*`,
 * `export-*`) of workers no longer alive (opfs.ts), and folders of stored separations without a description
 * that no tab has open.
 */
export async function cleanLeftovers(): Promise<void> {
  const root = await mixerDirectory();
  const isLeftover = await leftoverTest();
  const remove = (dir: FileSystemDirectoryHandle, name: string) => dir.removeEntry(name, { recursive: true }).catch(() => undefined);
  for await (const [name, handle] of entries(root)) {
    if (isLeftover(name)) await remove(root, name);
    else if (name.startsWith(SEPARATION_PREFIX) && handle.kind === 'directory') {
      const dir = handle as FileSystemDirectoryHandle;
      // A stored separation being opened by another tab has no description for a moment: its stems are locked then.
      if (!(await readMeta(dir))) await remove(root, name);
      else for await (const [file] of entries(dir)) if (isLeftover(file)) await remove(dir, file);
    }
  }
}
