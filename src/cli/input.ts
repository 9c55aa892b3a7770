import { closeSync, createReadStream, fstatSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import decodeChunked from 'audio-decode/stream';
import getType from 'audio-type';
import { DemucsError, describeError, isDemucsError } from '../core/errors.ts';
import type { NormStats } from '../core/normalize.ts';
import type { TrackSource } from '../core/track.ts';
import { decodeStereo, type StereoTrackInfo } from '../core/stereo-decode.ts';
import { wavBlocks, type ByteSource } from '../core/wav-decode.ts';

/** Formats the CLI reads, as audio-type names them. */
const READABLE = new Map<string, string>([
  ['wav', 'WAV'],
  ['flac', 'FLAC'],
  ['mp3', 'MP3'],
  ['oga', 'Ogg Vorbis'],
  ['opus', 'Ogg Opus'],
]);

type DecoderFormat = 'wav' | 'flac' | 'mp3' | 'oga' | 'opus';

/** A decoded track, spooled to disk as interleaved float32 stereo at 44.1 kHz. */
export interface SpooledTrack extends TrackSource {
  readonly format: string;
  readonly inputSampleRate: number;
  readonly inputChannels: number;
  /** Removes the spool file. */
  close(): void;
}

/** Bytes read to tell the format. */
const SNIFF_BYTES = 4096;

/**
 * Decodes an audio file block by block (audio-decode's streaming decoders), takes its first
 * two channels (mono is duplicated), resamples to 44.1 kHz, measures the normalisation
 * statistics on the way, and spools the result to `spoolPath`. Memory stays a few blocks,
 * whatever the file's length.
 */
export async function openTrack(path: string, spoolPath: string): Promise<SpooledTrack> {
  const format = sniffFormat(path);
  const spool = openSync(spoolPath, 'w+');
  const write = (interleaved: Float32Array, at: number): void => {
    const bytes = new Uint8Array(interleaved.buffer, interleaved.byteOffset, interleaved.byteLength);
    for (let done = 0; done < bytes.length; ) done += writeSync(spool, bytes, done, bytes.length - done, at * 8 + done);
  };
  let info: StereoTrackInfo;
  try {
    info = await decodeStereo(decodeBlocks(path, format.decoder), write);
  } catch (error) {
    closeSync(spool);
    unlinkSync(spoolPath);
    if (isDemucsError(error)) throw error;
    throw new DemucsError('AUDIO_DECODE', `cannot be decoded as ${format.name}: ${describeError(error)}`, { cause: error });
  }
  const { frames, stats, inputSampleRate, inputChannels } = info;
  return spooledSource(spool, spoolPath, frames, stats, { format: format.name, inputSampleRate, inputChannels });
}

/** Planar blocks of the file: WAV by our reader (exact integer scaling), the rest by audio-decode. */
async function* decodeBlocks(path: string, decoder: DecoderFormat): AsyncGenerator<{ channelData: Float32Array[]; sampleRate: number }> {
  if (decoder === 'wav') {
    const fd = openSync(path, 'r');
    try {
      yield* wavBlocks(fileSource(fd), 'the file');
    } finally {
      closeSync(fd);
    }
    return;
  }
  yield* decodeChunked(createReadStream(path, { highWaterMark: 1 << 18 }), decoder);
}

function sniffFormat(path: string): { decoder: DecoderFormat; name: string } {
  let head: Uint8Array;
  try {
    const fd = openSync(path, 'r');
    try {
      head = new Uint8Array(SNIFF_BYTES);
      head = head.subarray(0, readSync(fd, head, 0, SNIFF_BYTES, 0));
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : describeError(error);
    throw new DemucsError('IO', `cannot be read: ${why}`, { cause: error });
  }
  if (head.length === 0) throw new DemucsError('AUDIO_EMPTY', 'is an empty file');
  const type = getType(head);
  const name = type ? READABLE.get(type) : undefined;
  if (!type || !name) {
    const what = type ? `${type} audio, which is not supported` : `not a recognised audio format (${basename(path)})`;
    throw new DemucsError('AUDIO_UNSUPPORTED', `is ${what}; supported: WAV, FLAC, MP3, Ogg Vorbis, Ogg Opus`);
  }
  return { decoder: type as DecoderFormat, name };
}

/** A file descriptor's bytes, for the WAV reader. */
function fileSource(fd: number): ByteSource {
  return {
    size: fstatSync(fd).size,
    read(at, length) {
      const out = new Uint8Array(length);
      let got = 0;
      for (let r = 1; got < length && r > 0; got += r) r = readSync(fd, out, got, length - got, at + got);
      return out.subarray(0, got);
    },
  };
}

function spooledSource(
  fd: number,
  path: string,
  length: number,
  stats: NormStats,
  info: { format: string; inputSampleRate: number; inputChannels: number },
): SpooledTrack {
  let buffer = new Float32Array(0);
  return {
    ...info,
    length,
    stats,
    read(start: number, left: Float32Array, right: Float32Array): void {
      const count = left.length;
      left.fill(0);
      right.fill(0);
      const from = Math.max(0, start);
      const to = Math.min(length, start + count);
      if (to <= from) return;
      const frames = to - from;
      if (buffer.length < 2 * frames) buffer = new Float32Array(2 * frames);
      const bytes = new Uint8Array(buffer.buffer, 0, 8 * frames);
      for (let done = 0; done < bytes.length; ) {
        const got = readSync(fd, bytes, done, bytes.length - done, 8 * from + done);
        if (got === 0) throw new DemucsError('IO', 'the spooled audio ended early');
        done += got;
      }
      const at = from - start;
      for (let i = 0; i < frames; i++) {
        left[at + i] = buffer[2 * i]!;
        right[at + i] = buffer[2 * i + 1]!;
      }
    },
    close(): void {
      closeSync(fd);
      unlinkSync(path);
    },
  };
}
