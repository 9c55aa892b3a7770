/**
 * Separations kept between visits, in the Origin Private File System: one folder per song,
 * model and settings (`session-<id>`), holding each stem as interleaved float32 stereo, the
 * waveform peaks, and `session.json` (what it is, and how much is separated and on disk). The
 * id is a digest of the song's sha256, the model and the settings, so the same file dropped
 * again finds its folder.
 */
import { createSHA256 } from 'hash-wasm';
import { SAMPLE_RATE } from '../core/constants.ts';
import type { SessionKey, SessionMeta, StoredSeparation } from './session-types.ts';
import { leftoverTest, mixerDirectory } from './opfs.ts';

export type { SessionKey, SessionMeta, StoredSeparation } from './session-types.ts';

export const SESSION_PREFIX = 'session-';
export const META_FILE = 'session.json';
export const PEAKS_FILE = 'peaks.f32';
export const stemFile = (s: number) => `stem-${s}.f32`;

type Entries = AsyncIterable<[string, FileSystemHandle]>;
const entries = (dir: FileSystemDirectoryHandle) => (dir as unknown as { entries(): Entries }).entries();

/** Bytes read at a time when hashing a song. */
const HASH_CHUNK = 8 << 20;

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** The sha256 of a Blob, read in pieces (a worker's FileReaderSync): memory stays flat. */
export async function sha256OfBlob(blob: Blob): Promise<string> {
  const hasher = await createSHA256();
  hasher.init();
  const reader = new FileReaderSync();
  for (let at = 0; at < blob.size; at += HASH_CHUNK) hasher.update(new Uint8Array(reader.readAsArrayBuffer(blob.slice(at, at + HASH_CHUNK))));
  return hasher.digest('hex');
}

/** The folder id of a song's separation with a model and settings. */
export async function sessionId(songSha256: string, key: SessionKey): Promise<string> {
  const text = JSON.stringify([songSha256, key.model, key.settings.shifts, key.settings.overlap, key.settings.consistent]);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return hex(new Uint8Array(digest)).slice(0, 32);
}

function isMeta(value: unknown): value is SessionMeta {
  const m = value as SessionMeta;
  return m?.version === 1 && typeof m.id === 'string' && Number.isInteger(m.length) && m.length > 0 && Number.isInteger(m.separated) && Array.isArray(m.stems) && typeof m.settings === 'object';
}

/** A session folder's description, or null when it has none (or an unreadable one). */
export async function readMeta(dir: FileSystemDirectoryHandle): Promise<SessionMeta | null> {
  try {
    const file = await (await dir.getFileHandle(META_FILE)).getFile();
    const meta: unknown = JSON.parse(await file.text());
    return isMeta(meta) ? meta : null;
  } catch {
    return null;
  }
}

/** Writes a session's description through its open handle (flushed: it says what is on disk). */
export function writeMeta(handle: FileSystemSyncAccessHandle, meta: SessionMeta): void {
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

/** Every stored separation, the most recently opened first. */
export async function listStored(): Promise<StoredSeparation[]> {
  const root = await mixerDirectory();
  const out: StoredSeparation[] = [];
  for await (const [name, handle] of entries(root)) {
    if (!name.startsWith(SESSION_PREFIX) || handle.kind !== 'directory') continue;
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
 * `export-*`) of workers no longer alive (opfs.ts), and session folders without a description
 * that no tab has open.
 */
export async function cleanLeftovers(): Promise<void> {
  const root = await mixerDirectory();
  const isLeftover = await leftoverTest();
  const remove = (dir: FileSystemDirectoryHandle, name: string) => dir.removeEntry(name, { recursive: true }).catch(() => undefined);
  for await (const [name, handle] of entries(root)) {
    if (isLeftover(name)) await remove(root, name);
    else if (name.startsWith(SESSION_PREFIX) && handle.kind === 'directory') {
      const dir = handle as FileSystemDirectoryHandle;
      // A session being opened by another tab has no description for a moment: its stems are locked then.
      if (!(await readMeta(dir))) await remove(root, name);
      else for await (const [file] of entries(dir)) if (isLeftover(file)) await remove(dir, file);
    }
  }
}
