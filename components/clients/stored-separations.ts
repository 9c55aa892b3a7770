/**
 * How the mixer names a separation it keeps (src/worker/stored-separations.ts): the model it was made
 * with, and a new stored separation's description once the song's length is known.
 */
import type { StemName } from '../../src/core/stems.ts';
import type { SeparationKey, StoredSeparationMeta } from '../../src/worker/stored-separation-types.ts';

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
 * The description of a new stored separation for a song (its sha256 when known by then), made once the
 * song's stems and length are known: a new id and a new seed for its random shifts.
 */
export function newStoredSeparation(songSha256: string | null, key: SeparationKey, name: string, signature: string | null): (stems: readonly StemName[], length: number) => StoredSeparationMeta {
  const seed = Math.floor(Math.random() * 2 ** 32);
  const id = crypto.randomUUID().replaceAll('-', '');
  return (stems: readonly StemName[], length: number): StoredSeparationMeta => ({
    version: 1,
    id,
    name,
    signature,
    songSha256,
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
}

/**
 * What tells a song file from others before its sha256 is known: a File's name, size and date;
 * a URL's address, size and the server's validator (ETag or Last-Modified). Null when nothing
 * does (a Blob, a URL served without a validator): then only the sha256 finds its separation.
 */
export function songSignature(source: File | Blob | string, song: Blob, validator: string | null): string | null {
  if (typeof source === 'string') return validator ? `url:${new URL(source, document.baseURI).href}:${song.size}:${validator}` : null;
  if (source instanceof File) return `file:${source.name}:${source.size}:${source.lastModified}`;
  return null;
}

export function storedSeparationMismatch(label: string, stored: number, decoded: number): string {
  return `the stored separation of ${label} is of ${stored} frames but the song decodes to ${decoded} now: it was forgotten; load the song again`;
}
