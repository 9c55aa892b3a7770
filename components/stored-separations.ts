/**
 * How the mixer names a separation it keeps (src/worker/stored-songs.ts): the model it was made
 * with, and a new session's description once the song's length is known.
 */
import type { StemName } from '../src/core/stems.ts';
import type { SessionKey, SessionMeta, SongLookup } from '../src/worker/stem-store.worker.ts';

/** The loaded song's stored separation, as `session` tells it. */
export interface SongSession {
  /** For `forget(id)`; also in `stored()`. */
  readonly id: string;
  /** Kept after the page closes (false only where another tab holds the same separation). */
  readonly kept: boolean;
  /** Seconds of the song that came from storage when it was loaded (its duration: reopened whole). */
  readonly restoredSeconds: number;
}

/**
 * The model as a separation records it: its sha256 when the page gave one (exact), else its
 * URL, or a model file's name, size and date.
 */
export function modelKey(source: string | Blob, sha256: string | undefined): string {
  if (sha256) return `sha256:${sha256.toLowerCase()}`;
  if (typeof source === 'string') return new URL(source, document.baseURI).href;
  const file = source as Partial<File>;
  return `file:${file.name ?? 'blob'}:${source.size}:${file.lastModified ?? 0}`;
}

/**
 * The description of a session for a song looked up in the store, made once the song's stems
 * and length are known. A session stored before keeps its seed: a resumed run continues the
 * same random shifts.
 */
export function newSession(found: SongLookup, key: SessionKey, name: string): { seed: number; meta(stems: readonly StemName[], length: number): SessionMeta } {
  const seed = found.stored?.seed ?? Math.floor(Math.random() * 2 ** 32);
  const meta = (stems: readonly StemName[], length: number): SessionMeta => ({
    version: 1,
    id: found.id,
    name,
    songSha256: found.songSha256,
    model: key.model,
    settings: key.settings,
    seed,
    stems,
    length,
    separated: 0,
    complete: false,
    created: Date.now(),
    opened: Date.now(),
  });
  return { seed, meta };
}

export function storedSeparationMismatch(label: string, stored: number, decoded: number): string {
  return `the stored separation of ${label} is of ${stored} frames but the song decodes to ${decoded} now: it was forgotten; load the song again`;
}
