/**
 * Exports of the stems on disk, in the store's worker: each a file in OPFS written a piece at a
 * time (WAV directly; FLAC, MP3, AAC and NI Stems through mediabunny and its WASM encoders, which
 * run in workers of their own), handed to the page as a Blob backed by that file, never whole
 * in memory. What is exported is a mix of the stems (StereoMix: a gain and pan per stem; one
 * stem alone: soloMix); an NI Stems file is five such mixes, one per track.
 */
import { BufferTarget, StreamTarget, type StreamTargetChunk } from 'mediabunny';
import { CHANNELS } from '../core/constants.ts';
import { memorySink, renderEncoded, renderNiStems, RENDER_FRAMES, type FrameReader, type SyncFrameReader } from '../core/export-render.ts';
import { mixStems, type StereoMix } from '../core/mixing.ts';
import { EXTENSION, isWavFormat, NI_STEMS_EXTENSION, type ExportRequest, type OutputFormat, type TrackReader } from '../core/output-formats.ts';
import { encodeFrames, wavHeader } from '../core/wav.ts';


export function exportExtension(format: OutputFormat): string {
  return format === 'stem' ? NI_STEMS_EXTENSION : `.${EXTENSION[format]}`;
}

/** Frames of Σ_s mixes[s] · stem s, read from the stem files (interleaved float32 stereo). */
export function mixReader(handles: readonly FileSystemSyncAccessHandle[], mixes: readonly StereoMix[]): SyncFrameReader {
  const piece = new Float32Array(CHANNELS * RENDER_FRAMES);
  const planes = [new Float32Array(RENDER_FRAMES), new Float32Array(RENDER_FRAMES)] as const;
  return (from, n) =>
    mixStems(mixes, n, (s) => {
      const view = piece.subarray(0, CHANNELS * n);
      view.fill(0);
      handles[s]!.read(view, { at: from * 8 });
      for (let i = 0; i < n; i++) {
        planes[0][i] = view[2 * i]!;
        planes[1][i] = view[2 * i + 1]!;
      }
      return planes;
    });
}

/** Writes the export into `file` (emptied first); QuotaExceededError when the disk is full. */
export async function writeExport(
  file: FileSystemSyncAccessHandle,
  handles: readonly FileSystemSyncAccessHandle[],
  request: ExportRequest,
  length: number,
  onProgress?: (fraction: number) => void,
): Promise<void> {
  file.truncate(0);
  const put = (bytes: Uint8Array, at: number) => {
    if (file.write(bytes, { at }) !== bytes.byteLength) throw new DOMException('short write', 'QuotaExceededError');
  };
  const options = { ...request.settings, onProgress };
  if (request.format === 'stem') {
    const [mix, ...stems] = request.tracks.map((mixes) => mixReader(handles, mixes));
    await renderNiStems(request.settings?.lossless ? { sink: { write: put } } : { target: opfsTarget(put) }, mix!, stems, length, options);
  } else if (isWavFormat(request.format)) {
    const read = mixReader(handles, request.mixes);
    const header = wavHeader(request.format, length);
    put(header, 0);
    let at = header.byteLength;
    for (let from = 0; from < length; from += RENDER_FRAMES) {
      const { bytes } = encodeFrames(...read(from, Math.min(RENDER_FRAMES, length - from)), request.format);
      put(bytes, at);
      at += bytes.byteLength;
      onProgress?.(Math.min(1, (from + RENDER_FRAMES) / length));
    }
  } else {
    await renderEncoded(opfsTarget(put), request.format, mixReader(handles, request.mixes), length, options);
  }
  file.flush();
}

/** mediabunny's writes (at any position: a muxer goes back to fill in sizes) into an OPFS file. */
function opfsTarget(put: (bytes: Uint8Array, at: number) => void): StreamTarget {
  return new StreamTarget(new WritableStream<StreamTargetChunk>({ write: (chunk) => put(chunk.data, chunk.position) }));
}

/**
 * An encoded export of stems the page keeps in memory (their files could not be opened): the
 * page hands each piece over as it is asked for, the file is built here in memory.
 */
export async function encodeFromPage(request: ExportRequest, length: number, read: TrackReader, onProgress?: (fraction: number) => void): Promise<Uint8Array> {
  const options = { ...request.settings, onProgress };
  const reader = (track: number): FrameReader => (from, n) => read(track, from, n);
  if (request.format === 'stem') {
    const stems = [1, 2, 3, 4].map(reader);
    if (request.settings?.lossless) {
      const sink = memorySink();
      await renderNiStems({ sink }, reader(0), stems, length, options);
      return sink.bytes();
    }
    const target = new BufferTarget();
    await renderNiStems({ target }, reader(0), stems, length, options);
    return new Uint8Array(target.buffer!);
  }
  if (isWavFormat(request.format)) throw new Error('WAV exports of stems in memory are written by the page');
  const target = new BufferTarget();
  await renderEncoded(target, request.format, reader(0), length, options);
  return new Uint8Array(target.buffer!);
}
