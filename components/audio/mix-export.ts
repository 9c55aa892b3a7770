/**
 * Exports of stems kept in memory (the stems on disk export in the store's worker:
 * src/worker/stem-export.ts): WAV summed here; FLAC, MP3, AAC and NI Stems encoded by
 * mediabunny's encoders, which run in workers of their own, into a buffer.
 */
import { BufferTarget } from 'mediabunny';
import { renderEncoded, renderNiStems, type FrameReader } from '../../src/core/export-render.ts';
import type { StereoMix } from '../../src/core/mixing.ts';
import { isWavFormat } from '../../src/core/output-formats.ts';
import { encodeWav } from '../../src/core/wav.ts';
import type { ExportRequest } from '../../src/worker/stem-export.ts';
import type { StemPlayer } from './stem-player.ts';

const TYPES = { flac: 'audio/flac', mp3: 'audio/mpeg', m4a: 'audio/mp4', stem: 'audio/mp4' } as const;

/** Frames of Σ mixes[s] · stem s, read from the player's memory. */
function playerReader(player: StemPlayer, mixes: readonly StereoMix[]): FrameReader {
  return (from, n) => {
    const left = new Float32Array(n);
    const right = new Float32Array(n);
    mixes.forEach(({ ll, rl, lr, rr }, s) => {
      if (ll === 0 && rl === 0 && lr === 0 && rr === 0) return;
      const l = player.read(s, 0, from, n);
      const r = player.read(s, 1, from, n);
      for (let i = 0; i < n; i++) {
        left[i]! += ll * l[i]! + rl * r[i]!;
        right[i]! += lr * l[i]! + rr * r[i]!;
      }
    });
    return [left, right];
  };
}

/** The export of the player's first `length` frames, as a Blob. */
export async function exportInMemory(player: StemPlayer, request: ExportRequest, length: number, onProgress?: (fraction: number) => void): Promise<Blob> {
  if (request.format !== 'stem' && isWavFormat(request.format)) {
    const [left, right] = playerReader(player, request.mixes)(0, length);
    onProgress?.(1);
    return new Blob(encodeWav(left, right, request.format) as BlobPart[], { type: 'audio/wav' });
  }
  const options = { ...request.settings, onProgress };
  if (request.format === 'stem' && request.settings?.lossless) {
    const sink = memorySink();
    const [mix, ...stems] = request.tracks.map((mixes) => playerReader(player, mixes));
    await renderNiStems({ sink }, mix!, stems, length, options);
    return new Blob([sink.bytes() as BlobPart], { type: TYPES.stem });
  }
  const target = new BufferTarget();
  if (request.format === 'stem') {
    const [mix, ...stems] = request.tracks.map((mixes) => playerReader(player, mixes));
    await renderNiStems({ target }, mix!, stems, length, options);
  } else {
    await renderEncoded(target, request.format, playerReader(player, request.mixes), length, options);
  }
  return new Blob([target.buffer!], { type: TYPES[request.format] });
}

/** Bytes written at positions into a buffer that grows. */
function memorySink(): { write(bytes: Uint8Array, at: number): void; bytes(): Uint8Array } {
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
