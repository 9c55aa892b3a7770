/**
 * A song decoded in the worker as the CLI decodes it (src/cli/input.ts), in bounded memory:
 * WAV, AIFF and CAF by our readers, FLAC, MP3, Ogg Vorbis and Ogg Opus by audio-decode's
 * streaming decoders, MP4/M4A/MOV, WebM and Matroska by mediabunny and WebCodecs,
 * the first two channels (mono duplicated), resampled to 44.1 kHz by libsamplerate, the
 * normalisation statistics measured on the way, and the result spooled to the Origin Private
 * File System (interleaved float32 stereo, written and read through a sync access handle). What
 * the storage refuses (a private window's small storage, a full disk, none at all) is kept in
 * memory, within the memory budget (memory-tail.ts). PCM at 44.1 kHz needs no spool: its
 * frames are read from the file itself as the separation goes.
 */
import { BlobSource, Logging, LogLevel } from 'mediabunny';
import { readAiffInfo } from '../core/aiff-decode.ts';
import { readCafInfo } from '../core/caf-decode.ts';
import { SAMPLE_RATE } from '../core/constants.ts';
import { DemucsError, describeError, isDemucsError } from '../core/errors.ts';
import type { DecodeProgress } from './protocol.ts';
import type { TrackSource } from '../core/track.ts';
import { exactFlac, flacFileInfo } from '../core/flac-scale.ts';
import { pcmBlocks, pcmFrames } from '../core/pcm-blocks.ts';
import { readWavInfo } from '../core/wav-decode.ts';
import { probeMedia } from '../core/media-probe.ts';
import type { ByteSource, PcmLayout } from '../core/pcm-blocks.ts';
import { SNIFF_BYTES, sniffSong, unsupportedMessage, type Sniffed } from '../core/song-format.ts';
import { decodeStereo, type DecodedBlock, type StereoTrackInfo } from '../core/stereo-decode.ts';
import { mediaBlocks } from './media-decode.ts';
import { isQuotaError, mixerDirectory, ownedName, ownerLock } from './opfs.ts';
import { FRAME_BYTES, memoryBudget, MemoryTail } from '../core/memory-tail.ts';
import { decodeStream } from './stream-decoders.ts';

// mediabunny warns on the console of codecs it does not know (ALAC); the probe names them itself.
Logging.level = LogLevel.Errors;

/** Test hook (limitSpool): writes left before the storage refuses one (null: none is refused), and the memory budget (null: the device's). */
let writesBeforeFull: number | null = null;
let budgetForTests: number | null = null;

/** Test hook: the spool's write after `writes` more is refused as by a full storage, and what follows is kept within `budget` bytes. */
export function limitSpool(writes: number | null, budget: number | null): void {
  writesBeforeFull = writes;
  budgetForTests = budget;
}

const spoolBudget = () => budgetForTests ?? memoryBudget();

/** Milliseconds between two reports of decoding progress. */
const DECODE_TELL_MS = 250;

export interface SpooledSong extends TrackSource {
  readonly format: string;
  readonly inputSampleRate: number;
  readonly inputChannels: number;
  /** Closes and deletes the spool file. */
  close(): Promise<void>;
}

/** The bytes of a Blob, read synchronously (a dedicated worker's FileReaderSync). */
function blobSource(blob: Blob): ByteSource {
  const reader = new FileReaderSync();
  return { size: blob.size, read: (at, length) => new Uint8Array(reader.readAsArrayBuffer(blob.slice(at, at + length))) };
}

/**
 * Decodes `song` into a spool file (PCM at 44.1 kHz: measures it, and reads it from the file
 * later); AUDIO_UNSUPPORTED for a format decoded only by the browser
 * (the page then decodes it itself), AUDIO_DECODE / AUDIO_EMPTY for a bad file, STORAGE_FULL
 * when the spool does not fit.
 */
export async function spoolSong(song: Blob, label: string, onDecoding?: (progress: DecodeProgress) => void): Promise<SpooledSong> {
  if (song.size === 0) throw new DemucsError('AUDIO_EMPTY', `${label} is empty`);
  const source = blobSource(song);
  const sniffed = sniffSong(source.read(0, SNIFF_BYTES));
  if ('unsupported' in sniffed) throw new DemucsError('AUDIO_UNSUPPORTED', `${label} ${unsupportedMessage(sniffed.unsupported)}`);
  const { blocks, name: format, stated, layout, close: closeBlocks } = await songBlocks(song, source, sniffed, label);
  onDecoding?.({ statedSeconds: stated, decodedSeconds: 0 });
  let told = performance.now();
  // PCM at the model's rate is read from the file itself as the separation goes (its samples
  // are what the spool would hold); the rest is decoded into a spool.
  const spool = layout?.sampleRate === SAMPLE_RATE ? new PcmFile(source, layout, label) : await SpoolFile.open(label);
  const write = (interleaved: Float32Array, at: number): void => {
    spool.write(interleaved, at);
    // How far decoding is, a few times a second (a long compressed song takes a while).
    if (onDecoding && performance.now() - told > DECODE_TELL_MS) {
      told = performance.now();
      onDecoding({ statedSeconds: stated, decodedSeconds: (at + interleaved.length / 2) / SAMPLE_RATE });
    }
  };
  let info: StereoTrackInfo;
  try {
    info = await decodeStereo(blocks, write);
    spool.flush();
  } catch (error) {
    await spool.close();
    if (isDemucsError(error)) throw error.code === 'STORAGE_FULL' ? error : new DemucsError(error.code, `${label}: ${error.message}`);
    throw new DemucsError('AUDIO_DECODE', `${label} cannot be decoded as ${format}: ${describeError(error)}`, { cause: error });
  } finally {
    closeBlocks();
  }

  const length = info.frames;
  let buffer = new Float32Array(0);
  return {
    format,
    inputSampleRate: info.inputSampleRate,
    inputChannels: info.inputChannels,
    length,
    stats: info.stats,
    read(start: number, left: Float32Array, right: Float32Array): void {
      left.fill(0);
      right.fill(0);
      const from = Math.max(0, start);
      const to = Math.min(length, start + left.length);
      if (to <= from) return;
      const n = to - from;
      if (buffer.length < 2 * n) buffer = new Float32Array(2 * n);
      const view = buffer.subarray(0, 2 * n);
      spool.read(view, from);
      const at = from - start;
      for (let i = 0; i < n; i++) {
        left[at + i] = view[2 * i]!;
        right[at + i] = view[2 * i + 1]!;
      }
    },
    close: () => spool.close(),
  };
}

/** Where the decoded song is read from as it is separated. */
interface DecodedSong {
  /** Keeps the interleaved frames at `at` (following those kept). */
  write(interleaved: Float32Array, at: number): void;
  /** Interleaved frames from `from` into `view` (the caller keeps within the song). */
  read(view: Float32Array, from: number): void;
  flush(): void;
  close(): Promise<void>;
}

/**
 * A PCM file at 44.1 kHz, read as it is: nothing to keep (no storage, no memory), each read
 * decodes its frames from the file, the first two channels (mono duplicated), as decoding would.
 */
class PcmFile implements DecodedSong {
  readonly #source: ByteSource;
  readonly #layout: PcmLayout;
  readonly #label: string;

  constructor(source: ByteSource, layout: PcmLayout, label: string) {
    this.#source = source;
    this.#layout = layout;
    this.#label = label;
  }

  write(): void {}

  read(view: Float32Array, from: number): void {
    let planes: Float32Array[];
    try {
      planes = pcmFrames(this.#source, this.#layout, this.#label, from, view.length / 2);
    } catch (error) {
      throw new DemucsError('IO', `${this.#label} can no longer be read (${describeError(error)}): load it again`, { cause: error });
    }
    const left = planes[0]!;
    const right = planes[1] ?? left;
    for (let i = 0; i < left.length; i++) {
      view[2 * i] = left[i]!;
      view[2 * i + 1] = right[i]!;
    }
  }

  flush(): void {}

  async close(): Promise<void> {}
}

/** The spool's file in the Origin Private File System. */
interface DiskSpool {
  readonly handle: FileSystemSyncAccessHandle;
  readonly dir: FileSystemDirectoryHandle;
  readonly name: string;
}

/**
 * The decoded song: in a file of the Origin Private File System, and in memory past what the
 * storage refused (from the start where the page may not have file storage at all).
 */
class SpoolFile implements DecodedSong {
  readonly #label: string;
  readonly #file: DiskSpool | null;
  /** Frames on disk, contiguous from the start. */
  #onDisk = 0;
  #tail: MemoryTail | null;

  private constructor(label: string, file: DiskSpool | null) {
    this.#label = label;
    this.#file = file;
    this.#tail = file ? null : new MemoryTail(1, 0, spoolBudget());
  }

  /** A spool on disk, or in memory where the browser refuses the page file storage (Firefox's private windows). */
  static async open(label: string): Promise<SpoolFile> {
    try {
      await ownerLock;
      const dir = await mixerDirectory();
      const name = ownedName('mix', '.f32');
      const handle = await (await dir.getFileHandle(name, { create: true })).createSyncAccessHandle();
      return new SpoolFile(label, { handle, dir, name });
    } catch {
      return new SpoolFile(label, null);
    }
  }

  /** Keeps the interleaved frames at `at` (following those kept): on disk, or in memory once it refuses. */
  write(interleaved: Float32Array, at: number): void {
    if (!this.#tail) {
      try {
        if (writesBeforeFull !== null && writesBeforeFull-- <= 0) throw new DOMException('injected by a test', 'QuotaExceededError');
        if (this.#file!.handle.write(interleaved, { at: at * FRAME_BYTES }) !== interleaved.byteLength) throw new DOMException('short write', 'QuotaExceededError');
        this.#onDisk = at + interleaved.length / 2;
        return;
      } catch (error) {
        if (!isQuotaError(error)) throw error;
        this.#tail = new MemoryTail(1, at, spoolBudget());
      }
    }
    // The decoder may reuse its array: kept as a copy.
    if (this.#tail.append(at, [interleaved.slice()])) return;
    const storage = this.#file ? `the browser's storage refused the decoded song past ${(this.#tail.from / SAMPLE_RATE).toFixed(1)} s (in a private window it is held in memory and small; otherwise the disk is full)` : 'this browser gives the page no file storage (a Firefox private window has none)';
    throw new DemucsError('STORAGE_FULL', `${this.#label}: ${storage}, and the memory budget of ${(this.#tail.budget / 1e6).toFixed(0)} MB for the rest is used up at ${(at / SAMPLE_RATE).toFixed(1)} s. Open the mixer in a normal window or free disk space, or separate a shorter song`);
  }

  /** Interleaved frames from `from` into `view` (the caller keeps within the song). */
  read(view: Float32Array, from: number): void {
    const onDisk = Math.max(0, Math.min(view.length / 2, this.#onDisk - from));
    if (onDisk > 0 && this.#file!.handle.read(view.subarray(0, 2 * onDisk), { at: from * FRAME_BYTES }) !== 2 * onDisk * 4) throw new DemucsError('IO', `${this.#label}: the spooled audio ended early`);
    this.#tail?.read(0, view, from);
  }

  flush(): void {
    this.#file?.handle.flush();
  }

  /** Closes and deletes the spool file, and lets go of the memory. */
  async close(): Promise<void> {
    this.#tail = null;
    const file = this.#file;
    if (!file) return;
    file.handle.close();
    await file.dir.removeEntry(file.name).catch(() => undefined);
  }
}

/** Planar blocks of the song, by the reader its format needs (as the CLI chooses), and its length as the file states it (seconds; null where it does not). */
async function songBlocks(
  song: Blob,
  source: ByteSource,
  sniffed: Sniffed,
  label: string,
): Promise<{ blocks: AsyncIterable<DecodedBlock> | Iterable<DecodedBlock>; name: string; stated: number | null; layout?: PcmLayout; close: () => void }> {
  const plain = (blocks: AsyncIterable<DecodedBlock> | Iterable<DecodedBlock>, stated: number | null = null) => ({ blocks, name: sniffed.name, stated, close: () => undefined });
  const pcm = (layout: PcmLayout) => ({ ...plain(pcmBlocks(source, layout, label), layout.frames / layout.sampleRate), layout });
  switch (sniffed.format) {
    case 'wav':
      return pcm(readWavInfo(source, label));
    case 'aiff':
      return pcm(readAiffInfo(source, label));
    case 'caf':
      return pcm(readCafInfo(source, label));
    case 'media': {
      const media = await probeMedia(new BlobSource(song), source, label);
      return { blocks: mediaBlocks(media, label), name: `${media.container} (${media.codecName})`, stated: media.duration, close: () => media.dispose() };
    }
    case 'flac': {
      const info = flacFileInfo(source.read(0, 64));
      const blocks = decodeStream(song.stream(), 'flac');
      return plain(info ? exactFlac(blocks, info.bits) : blocks, info?.frames && info.sampleRate ? info.frames / info.sampleRate : null);
    }
    default:
      return plain(decodeStream(song.stream(), sniffed.format));
  }
}
