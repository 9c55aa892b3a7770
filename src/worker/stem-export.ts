/**
 * Exports of the stems, in the store's worker: each a file in OPFS written a piece at a
 * time (WAV directly; FLAC, MP3, AAC and NI Stems through mediabunny and its WASM encoders, which
 * run in workers of their own), handed to the page as a Blob backed by that file, never whole
 * in memory; where the disk refuses it (a private window, a full disk), built in memory instead.
 * The stems are read where they are kept (on disk, then in memory past what the disk refused).
 * What is exported is a mix of the stems (StereoMix: a gain and pan per stem; one
 * stem alone: soloMix); an NI Stems file is five such mixes, one per track.
 */
import { StreamTarget, type StreamTargetChunk } from 'mediabunny';
import { CHANNELS } from '../core/constants.ts';
import { memorySink, renderEncoded, renderNiStems, RENDER_FRAMES, type FrameReader, type SyncFrameReader } from '../core/export-render.ts';
import type { ByteSink } from '../core/mp4-writer.ts';
import { mixStems, type StereoMix } from '../core/mixing.ts';
import { EXTENSION, isWavFormat, NI_STEMS_EXTENSION, type ExportRequest, type OutputFormat, type TrackReader } from '../core/output-formats.ts';
import { keyTempoReader, type QuantumShifter } from '../core/key-tempo-render.ts';
import { encodeFrames, wavHeader } from '../core/wav.ts';
import { offlineShifter } from './stretch-offline.ts';


export function exportExtension(format: OutputFormat): string {
  return format === 'stem' ? NI_STEMS_EXTENSION : `.${EXTENSION[format]}`;
}

/** A stem's frames from `from` into `view` (interleaved float32 stereo; zeros where none are kept). */
export type StemSource = (view: Float32Array, from: number) => void;

/** Frames of Σ_s mixes[s] · stem s, read from where the stems are kept (on disk, in memory). */
export function mixReader(sources: readonly StemSource[], mixes: readonly StereoMix[]): SyncFrameReader {
  const piece = new Float32Array(CHANNELS * RENDER_FRAMES);
  const planes = [new Float32Array(RENDER_FRAMES), new Float32Array(RENDER_FRAMES)] as const;
  return (from, n) =>
    mixStems(mixes, n, (s) => {
      const view = piece.subarray(0, CHANNELS * n);
      sources[s]!(view, from);
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
  sources: readonly StemSource[],
  request: ExportRequest,
  length: number,
  onProgress?: (fraction: number) => void,
): Promise<void> {
  file.truncate(0);
  const put = (bytes: Uint8Array, at: number) => {
    if (file.write(bytes, { at }) !== bytes.byteLength) throw new DOMException('short write', 'QuotaExceededError');
  };
  await writeTracks(request, trackReaders(request, sources), length, { write: put }, onProgress);
  file.flush();
}

/**
 * Writes the export's tracks (the song's `length` frames each; through key and tempo when the
 * request asks) into `sink`: WAV directly, the rest through their encoders.
 */
async function writeTracks(request: ExportRequest, readers: readonly FrameReader[], length: number, sink: ByteSink, onProgress?: (fraction: number) => void): Promise<void> {
  const shifters: QuantumShifter[] = [];
  try {
    let heard = length;
    if (request.keyTempo) {
      const { speed, shift } = request.keyTempo;
      for (const _ of readers) shifters.push(await offlineShifter(shift));
      readers = readers.map((read, k) => {
        const track = keyTempoReader(read, length, speed, shifters[k]!);
        heard = track.length;
        return track.read;
      });
    }
    const options = { ...request.settings, onProgress };
    if (request.format === 'stem') {
      const [mix, ...stems] = readers;
      await renderNiStems(request.settings?.lossless ? { sink } : { target: sinkTarget(sink) }, mix!, stems, heard, options);
    } else if (isWavFormat(request.format)) {
      const read = readers[0]!;
      const header = wavHeader(request.format, heard);
      sink.write(header, 0);
      let at = header.byteLength;
      for (let from = 0; from < heard; from += RENDER_FRAMES) {
        const { bytes } = encodeFrames(...(await read(from, Math.min(RENDER_FRAMES, heard - from))), request.format);
        sink.write(bytes, at);
        at += bytes.byteLength;
        onProgress?.(Math.min(1, (from + RENDER_FRAMES) / heard));
      }
    } else {
      await renderEncoded(sinkTarget(sink), request.format, readers[0]!, heard, options);
    }
  } finally {
    for (const shifter of shifters) shifter.close();
  }
}

/** mediabunny's writes (at any position: a muxer goes back to fill in sizes) into a sink (an OPFS file, memory). */
function sinkTarget(sink: ByteSink): StreamTarget {
  return new StreamTarget(new WritableStream<StreamTargetChunk>({ write: (chunk) => sink.write(chunk.data, chunk.position) }));
}

/** The export's tracks: its mix of the stems, or an NI Stems file's five. */
function trackReaders(request: ExportRequest, sources: readonly StemSource[]): FrameReader[] {
  const tracks = request.format === 'stem' ? request.tracks : [request.mixes];
  return tracks.map((mixes) => mixReader(sources, mixes));
}

/** The export built in memory (the disk refused it, or the stems themselves), from where the stems are kept. */
export async function encodeInMemory(request: ExportRequest, sources: readonly StemSource[], length: number, onProgress?: (fraction: number) => void): Promise<Uint8Array> {
  const sink = memorySink();
  await writeTracks(request, trackReaders(request, sources), length, sink, onProgress);
  return sink.bytes();
}

/**
 * An encoded export of stems the page keeps in memory (their files could not be opened): the
 * page hands each piece over as it is asked for, the file is built here in memory.
 */
export async function encodeFromPage(request: ExportRequest, length: number, read: TrackReader, onProgress?: (fraction: number) => void): Promise<Uint8Array> {
  const tracks = request.format === 'stem' ? 5 : 1;
  const sink = memorySink();
  await writeTracks(request, Array.from({ length: tracks }, (_, track): FrameReader => (from, n) => read(track, from, n)), length, sink, onProgress);
  return sink.bytes();
}
