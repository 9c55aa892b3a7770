/** Where a song comes from, and whether its stems fit in the browser's storage. */
import { DemucsError } from '../../src/core/errors.ts';

/** The song's bytes, and for a URL the server's validator of them (ETag or Last-Modified). */
export async function readSong(source: File | Blob | string, label: string): Promise<{ song: Blob; validator: string | null }> {
  if (typeof source !== 'string') return { song: source, validator: null };
  let response: Response;
  try {
    response = await fetch(source);
  } catch (error) {
    throw new DemucsError('IO', `${label} could not be fetched: ${(error as Error).message}`);
  }
  if (!response.ok) throw new DemucsError('IO', `${label} could not be fetched: HTTP ${response.status}`);
  return { song: await response.blob(), validator: response.headers.get('etag') ?? response.headers.get('last-modified') };
}

/** A name for a song in messages and exports: the file's name or the URL. */
export function songLabel(source: File | Blob | string): string {
  return typeof source === 'string' ? source : (source as File).name || 'the file';
}

/**
 * Why `bytes` of stems would not fit in the browser's storage (with a 5 % margin), or null when
 * they fit or the browser does not say; `stored` lists what is kept, to suggest forgetting some.
 */
export async function storageShortfall(bytes: number, stored: () => Promise<readonly { bytes: number }[]>): Promise<string | null> {
  let estimate: StorageEstimate;
  try {
    estimate = await navigator.storage.estimate();
  } catch {
    return null;
  }
  if (!estimate.quota) return null;
  const needed = 1.05 * bytes;
  const free = estimate.quota - (estimate.usage ?? 0);
  if (free >= needed) return null;
  const kept = await stored().catch(() => []);
  const forget = kept.length ? ` (${kept.length} stored separations take ${(kept.reduce((n, s) => n + s.bytes, 0) / 1e6).toFixed(0)} MB: forget() some)` : '';
  return `the browser's storage has ${(free / 1e6).toFixed(0)} MB free; this song's stems need ${(needed / 1e6).toFixed(0)} MB: free some space${forget}, or separate a shorter song`;
}
