/**
 * Model bytes for the worker: from a URL (streamed, with progress, cached in the Cache API
 * under a versioned key of URL + sha256), a Blob/File, or an ArrayBuffer; verified against a
 * sha256 when one is given. Every Cache API call is wrapped: a failing cache means no cache.
 */
import { DemucsError } from '../core/errors.ts';
import type { ModelProgress } from './protocol.ts';

const CACHE_NAME = 'demucs-mixer-models-v1';

export interface ModelBytes {
  readonly bytes: Uint8Array;
  readonly cached: boolean;
  /**
   * Keeps freshly downloaded bytes in the Cache API: called once the model has opened, so that
   * a cut-short or broken download is never cached (a retry downloads again).
   */
  readonly store: () => Promise<void>;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Cache key: the URL with the expected digest, so that another digest is another entry. In
 * the query, since the Cache API ignores fragments; the key is never fetched.
 */
function cacheKey(url: string, sha256: string | undefined): string {
  const u = new URL(url, self.location.href);
  u.hash = '';
  if (sha256) u.searchParams.set('demucs-mixer-sha256', sha256.toLowerCase());
  return u.href;
}

async function openCache(): Promise<Cache | null> {
  try {
    return typeof caches === 'undefined' ? null : await caches.open(CACHE_NAME);
  } catch {
    return null;
  }
}

async function readStream(response: Response, total: number | null, onProgress: (loaded: number) => void): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let loaded = 0;
  let out: Uint8Array | null = total ? new Uint8Array(total) : null;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (out && loaded + value.length <= out.length) out.set(value, loaded);
    else {
      if (out) parts.push(out.subarray(0, loaded));
      out = null;
      parts.push(value);
    }
    loaded += value.length;
    onProgress(loaded);
  }
  if (out) return loaded === out.length ? out : out.subarray(0, loaded);
  const joined = new Uint8Array(loaded);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return joined;
}

export async function loadModelBytes(
  source: string | Blob | ArrayBuffer,
  sha256: string | undefined,
  onProgress: (progress: ModelProgress) => void,
): Promise<ModelBytes> {
  let bytes: Uint8Array;
  let cached = false;
  if (source instanceof ArrayBuffer) {
    bytes = new Uint8Array(source);
  } else if (source instanceof Blob) {
    bytes = await readStream(new Response(source), source.size, (loaded) => onProgress({ status: 'download', loaded, total: source.size }));
  } else {
    const key = cacheKey(source, sha256);
    const cache = await openCache();
    let hit: Response | undefined;
    try {
      hit = (await cache?.match(key)) ?? undefined;
    } catch {
      hit = undefined;
    }
    if (hit) {
      const total = Number(hit.headers.get('content-length')) || null;
      try {
        bytes = await readStream(hit, total, (loaded) => onProgress({ status: 'cache', loaded, total: total ?? loaded }));
        cached = true;
      } catch {
        hit = undefined;
      }
    }
    if (!hit) {
      let response: Response;
      try {
        response = await fetch(source);
      } catch (error) {
        throw new DemucsError('MODEL_DOWNLOAD', `model ${source} could not be fetched: ${await whyUnfetchable(source, error)}`);
      }
      if (!response.ok) throw new DemucsError('MODEL_DOWNLOAD', `model ${source} could not be fetched: HTTP ${response.status}`);
      const total = Number(response.headers.get('content-length')) || null;
      let loaded = 0;
      try {
        bytes = await readStream(response, total, (n) => {
          loaded = n;
          onProgress({ status: 'download', loaded: n, total });
        });
      } catch (error) {
        throw new DemucsError('MODEL_DOWNLOAD', `the download of model ${source} was interrupted after ${loaded} of ${total ?? '?'} bytes (${(error as Error).message}): try again`);
      }
      if (total !== null && bytes.length !== total) {
        throw new DemucsError('MODEL_DOWNLOAD', `the download of model ${source} stopped after ${bytes.length} of ${total} bytes: try again`);
      }
    }
    const got = bytes!;
    // A cache entry is keyed by its digest and was verified when stored.
    if (sha256 && !cached) await verify(got, sha256, String(source), onProgress);
    const store = async () => {
      if (cached || !cache) return;
      try {
        await cache.put(key, new Response(got as Uint8Array<ArrayBuffer>, { headers: { 'content-length': String(got.length), 'content-type': 'application/octet-stream' } }));
      } catch {
        // A full or unavailable cache only costs the next download.
      }
    };
    return { bytes: got, cached, store };
  }
  if (sha256) await verify(bytes, sha256, 'model', onProgress);
  return { bytes, cached, store: async () => undefined };
}

/**
 * Why a fetch failed, as far as a page can tell. A model on another origin must be served with
 * `Access-Control-Allow-Origin` (CORS); the browser only says "failed to fetch", so a second,
 * no-cors request tells a server that answers without that header from one that cannot be
 * reached (or, on a cross-origin isolated page, that also lacks Cross-Origin-Resource-Policy).
 */
async function whyUnfetchable(url: string, error: unknown): Promise<string> {
  const message = (error as Error).message;
  const target = new URL(url, self.location.href);
  if (target.origin === self.location.origin) return message;
  const reachable = await fetch(target, { mode: 'no-cors', method: 'HEAD' }).then(
    () => true,
    () => false,
  );
  return reachable
    ? `${message}: ${target.origin} answers but does not allow this page to read it; it must send the header Access-Control-Allow-Origin (CORS)`
    : `${message}: ${target.origin} cannot be reached, or it does not send the headers Access-Control-Allow-Origin (CORS) and Cross-Origin-Resource-Policy: cross-origin that a page on another origin needs`;
}

async function verify(bytes: Uint8Array, sha256: string, label: string, onProgress: (progress: ModelProgress) => void): Promise<void> {
  onProgress({ status: 'verify' });
  const actual = await sha256Hex(bytes);
  if (actual !== sha256.toLowerCase()) {
    throw new DemucsError('MODEL_INTEGRITY', `${label} does not match its sha256: expected ${sha256.toLowerCase()}, got ${actual}`);
  }
}
