/**
 * Exports of stems kept in memory (their files could not be opened; the stems on disk export in
 * the store's worker: src/worker/stem-export.ts). WAV is summed here; FLAC, MP3, AAC and NI
 * Stems are encoded in the store's worker, which asks the page for each piece (`pieceReader`),
 * so that no encoder is loaded into the page.
 */
import type { SyncFrameReader } from '../../src/core/export-render.ts';
import { mixStems, type StereoMix } from '../../src/core/mixing.ts';
import { encodeWav, type WavFormat } from '../../src/core/wav.ts';
import type { ExportRequest } from '../../src/core/output-formats.ts';
import type { StemPlayer } from './stem-player.ts';

/** Frames of Σ mixes[s] · stem s, read from the player's memory. */
function playerReader(player: StemPlayer, mixes: readonly StereoMix[]): SyncFrameReader {
  return (from, n) => mixStems(mixes, n, (s) => [player.read(s, 0, from, n), player.read(s, 1, from, n)]);
}

/** A WAV file of the player's first `length` frames mixed by `mixes`. */
export function wavInMemory(player: StemPlayer, mixes: readonly StereoMix[], length: number, format: WavFormat): Blob {
  const [left, right] = playerReader(player, mixes)(0, length);
  return new Blob(encodeWav(left, right, format) as BlobPart[], { type: 'audio/wav' });
}

/** Frames of each track of an encoded export (NI Stems: five), for the store's worker to pull. */
export function pieceReader(player: StemPlayer, request: ExportRequest): (track: number, from: number, n: number) => [Float32Array, Float32Array] {
  const readers = (request.format === 'stem' ? request.tracks : [request.mixes]).map((mixes) => playerReader(player, mixes));
  return (track, from, n) => readers[track]!(from, n);
}
