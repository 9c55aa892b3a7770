import type { Target } from 'mediabunny';
import { openEncoded } from './audio-encode.ts';
import type { EncodedFormat, EncodeSettings } from './output-formats.ts';
import type { ByteSink } from './mp4-writer.ts';
import { openNiStems } from './ni-stems.ts';
import { openLosslessNiStems } from './ni-stems-lossless.ts';

/**
 * An export rendered into an encoded file, piece by piece, wherever its audio comes from (the
 * stem files in the store's worker, the stems in the page's memory) and wherever it goes (an
 * OPFS file, a buffer): the frames are read, encoded and written a piece at a time.
 */

/** Frames [from, from + n) of what is exported: [left, right]. */
export type SyncFrameReader = (from: number, n: number) => [Float32Array, Float32Array];
/** The same, at once or from another thread. */
export type FrameReader = (from: number, n: number) => [Float32Array, Float32Array] | Promise<[Float32Array, Float32Array]>;

export interface RenderOptions extends EncodeSettings {
  /** Told the share done (0…1) after each piece. */
  readonly onProgress?: (fraction: number) => void;
}

/** Frames read and encoded at a time. */
export const RENDER_FRAMES = 1 << 16;

/** One stereo track into `target` as `format`; returns the samples clipped. */
export async function renderEncoded(target: Target, format: EncodedFormat, read: FrameReader, length: number, options: RenderOptions = {}): Promise<number> {
  const writer = await openEncoded(format, target, options);
  return pump(writer, async (from, n) => writer.append(...(await read(from, n))), length, options);
}

/**
 * An NI Stems file: the mix, then the four stems (each a reader), in AAC through mediabunny
 * into `target`, or (`lossless`) in ALAC through our writer into `sink`.
 */
export async function renderNiStems(
  destination: { readonly target: Target } | { readonly sink: ByteSink },
  mix: FrameReader,
  stems: readonly FrameReader[],
  length: number,
  options: RenderOptions = {},
): Promise<number> {
  const writer = 'sink' in destination ? openLosslessNiStems(destination.sink, options.bits) : await openNiStems(destination.target, options);
  return pump(writer, async (from, n) => writer.append(await mix(from, n), await Promise.all(stems.map((read) => read(from, n)))), length, options);
}

/** Feeds `length` frames a piece at a time, then finishes the file (or drops it on a failure). */
async function pump(
  writer: { readonly clipped: number; finish(): Promise<void>; abort(): Promise<void> },
  piece: (from: number, n: number) => Promise<void>,
  length: number,
  options: RenderOptions,
): Promise<number> {
  try {
    for (let from = 0; from < length; from += RENDER_FRAMES) {
      await piece(from, Math.min(RENDER_FRAMES, length - from));
      options.onProgress?.(Math.min(1, (from + RENDER_FRAMES) / length));
    }
    await writer.finish();
    return writer.clipped;
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
}

/** Bytes written at positions into a buffer that grows (an export kept in memory). */
export function memorySink(): ByteSink & { bytes(): Uint8Array } {
  let buffer = new Uint8Array(1 << 20);
  let size = 0;
  return {
    write(bytes, at) {
      if (at + bytes.length > buffer.length) {
        const grown = new Uint8Array(Math.max(2 * buffer.length, at + bytes.length));
        grown.set(buffer.subarray(0, size));
        buffer = grown;
      }
      buffer.set(bytes, at);
      size = Math.max(size, at + bytes.length);
    },
    bytes: () => buffer.subarray(0, size),
  };
}
