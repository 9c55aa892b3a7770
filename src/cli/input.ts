import { closeSync, createReadStream, fstatSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import decodeChunked from 'audio-decode/stream';
import { FilePathSource, Logging, LogLevel } from 'mediabunny';
import { DemucsError, describeError, isDemucsError } from '../core/errors.ts';
import type { NormStats } from '../core/normalize.ts';
import type { TrackSource } from '../core/track.ts';
import { aiffBlocks } from '../core/aiff-decode.ts';
import { cafBlocks } from '../core/caf-decode.ts';
import { exactFlac, flacFileInfo } from '../core/flac-scale.ts';
import { isIsoMedia } from '../core/iso-boxes.ts';
import { probeMedia } from '../core/media-probe.ts';
import { SNIFF_BYTES, sniffSong, unsupportedMessage, type Sniffed } from '../core/song-format.ts';
import { decodeStereo, type DecodedBlock, type StereoTrackInfo } from '../core/stereo-decode.ts';
import type { ByteSource } from '../core/pcm-blocks.ts';
import { wavBlocks } from '../core/wav-decode.ts';

// mediabunny warns on the console of codecs it does not know (ALAC); the probe names them itself.
Logging.level = LogLevel.Errors;

/** A decoded track, spooled to disk as interleaved float32 stereo at 44.1 kHz. */
export interface SpooledTrack extends TrackSource {
  readonly format: string;
  readonly inputSampleRate: number;
  readonly inputChannels: number;
  /** Removes the spool file. */
  close(): void;
}

/**
 * Decodes an audio file block by block (audio-decode's streaming decoders), takes its first
 * two channels (mono is duplicated), resamples to 44.1 kHz, measures the normalisation
 * statistics on the way, and spools the result to `spoolPath`. Memory stays a few blocks,
 * whatever the file's length.
 */
export async function openTrack(path: string, spoolPath: string): Promise<SpooledTrack> {
  const sniffed = sniffFormat(path);
  const fd = openSync(path, 'r');
  let blocks: AsyncIterable<DecodedBlock> | Iterable<DecodedBlock>;
  let name = sniffed.name;
  try {
    ({ blocks, name } = await songBlocks(path, fileSource(fd), sniffed));
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  const spool = openSync(spoolPath, 'w+');
  const write = (interleaved: Float32Array, at: number): void => {
    const bytes = new Uint8Array(interleaved.buffer, interleaved.byteOffset, interleaved.byteLength);
    for (let done = 0; done < bytes.length; ) done += writeSync(spool, bytes, done, bytes.length - done, at * 8 + done);
  };
  let info: StereoTrackInfo;
  try {
    info = await decodeStereo(blocks, write);
  } catch (error) {
    closeSync(spool);
    unlinkSync(spoolPath);
    if (isDemucsError(error)) throw error;
    throw new DemucsError('AUDIO_DECODE', `cannot be decoded as ${name}: ${describeError(error)}`, { cause: error });
  } finally {
    closeSync(fd);
  }
  const { frames, stats, inputSampleRate, inputChannels } = info;
  return spooledSource(spool, spoolPath, frames, stats, { format: name, inputSampleRate, inputChannels });
}

/**
 * Planar blocks of the file: uncompressed containers by our readers (exact integer scaling),
 * FLAC, MP3 and Ogg by audio-decode, media containers found by the probe and decoded by
 * audio-decode's MP4 and Matroska decoders.
 */
async function songBlocks(path: string, bytes: ByteSource, sniffed: Sniffed): Promise<{ blocks: AsyncIterable<DecodedBlock> | Iterable<DecodedBlock>; name: string }> {
  const stream = () => createReadStream(path, { highWaterMark: 1 << 18 });
  switch (sniffed.format) {
    case 'wav':
      return { blocks: wavBlocks(bytes, 'the file'), name: sniffed.name };
    case 'aiff':
      return { blocks: aiffBlocks(bytes, 'the file'), name: sniffed.name };
    case 'caf':
      return { blocks: cafBlocks(bytes, 'the file'), name: sniffed.name };
    case 'media': {
      const media = await probeMedia(new FilePathSource(path), bytes, 'the file');
      media.dispose();
      // audio-decode's types name only 'webm' of the two Matroska registrations (one decoder).
      const blocks = decodeChunked(stream(), isIsoMedia(bytes.read(0, 16)) ? 'm4a' : 'webm');
      return { blocks: media.flacBits ? exactFlac(blocks, media.flacBits) : blocks, name: `${media.container} (${media.codecName})` };
    }
    case 'flac': {
      const bits = flacFileInfo(bytes.read(0, 64))?.bits;
      const blocks = decodeChunked(stream(), 'flac');
      return { blocks: bits ? exactFlac(blocks, bits) : blocks, name: sniffed.name };
    }
    default:
      return { blocks: decodeChunked(stream(), sniffed.format), name: sniffed.name };
  }
}

function sniffFormat(path: string): Sniffed {
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
  const sniffed = sniffSong(head);
  if ('unsupported' in sniffed) {
    const what = sniffed.unsupported === 'not a recognised audio format' ? `${sniffed.unsupported} (${basename(path)})` : sniffed.unsupported;
    throw new DemucsError('AUDIO_UNSUPPORTED', unsupportedMessage(what));
  }
  return sniffed;
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
