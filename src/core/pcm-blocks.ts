import { DemucsError } from './errors.ts';

/**
 * Uncompressed sample data in any container (WAV, AIFF/AIFC, CAF), read block by block from
 * random-access bytes (a file descriptor in the CLI, a Blob read with FileReaderSync in a
 * worker) and turned into planar float32.
 *
 * Integer samples are divided by 2^(b-1), as Demucs (torchaudio) does, so the same samples in
 * any of these containers give identical input. 8-bit WAV is unsigned (offset by 128 first).
 */

/** Random-access bytes: `read` returns up to `length` bytes at `at` (fewer at the end). */
export interface ByteSource {
  readonly size: number;
  read(at: number, length: number): Uint8Array;
}

/** Where a container keeps its samples and how they are laid out (interleaved frames). */
export interface PcmLayout {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bits: number;
  readonly float: boolean;
  readonly littleEndian: boolean;
  /** 8-bit samples stored unsigned (WAV), signed otherwise. */
  readonly unsigned8?: boolean;
  /** Frames the file holds. */
  readonly frames: number;
  readonly dataOffset: number;
}

/** Frames converted per block. */
const BLOCK_FRAMES = 65536;

export const ascii = (b: Uint8Array, from: number, to: number): string => String.fromCharCode(...b.subarray(from, to));
export const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Whether a layout's sample format is one we read; the reason when not. */
export function unreadableSamples(layout: Pick<PcmLayout, 'bits' | 'float'>): string | null {
  const { bits, float } = layout;
  if (float ? bits === 32 || bits === 64 : [8, 16, 24, 32].includes(bits)) return null;
  return `${bits}-bit ${float ? 'float' : 'integer'} samples; supported: 8/16/24/32-bit integer, 32/64-bit float`;
}

/** Decoded blocks: planar Float32Arrays, one per channel (as stereo-decode.ts takes them). */
export function* pcmBlocks(src: ByteSource, layout: PcmLayout, label: string): Generator<{ channelData: Float32Array[]; sampleRate: number }> {
  for (let frame = 0; frame < layout.frames; frame += BLOCK_FRAMES) {
    yield { channelData: pcmFrames(src, layout, label, frame, Math.min(BLOCK_FRAMES, layout.frames - frame)), sampleRate: layout.sampleRate };
  }
}

/** Frames [from, from + n) of the file as planar float32, one array per channel (the caller keeps within the file). */
export function pcmFrames(src: ByteSource, layout: PcmLayout, label: string, from: number, n: number): Float32Array[] {
  const bytesPerFrame = layout.channels * (layout.bits / 8);
  const raw = src.read(layout.dataOffset + from * bytesPerFrame, n * bytesPerFrame);
  if (raw.length < n * bytesPerFrame) throw new DemucsError('AUDIO_DECODE', `${label} ended early (truncated while reading)`);
  return convert(view(raw), n, layout);
}

function convert(raw: DataView, frames: number, layout: PcmLayout): Float32Array[] {
  const { channels, bits, float, littleEndian: le } = layout;
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  const size = bits / 8;
  const step = channels * size;
  const [lo, mid, hi] = le ? [0, 1, 2] : [2, 1, 0];
  for (let c = 0; c < channels; c++) {
    const x = out[c]!;
    let at = c * size;
    if (float && bits === 32) for (let i = 0; i < frames; i++, at += step) x[i] = raw.getFloat32(at, le);
    else if (float) for (let i = 0; i < frames; i++, at += step) x[i] = raw.getFloat64(at, le);
    else if (bits === 8 && layout.unsigned8) for (let i = 0; i < frames; i++, at += step) x[i] = (raw.getUint8(at) - 128) / 128;
    else if (bits === 8) for (let i = 0; i < frames; i++, at += step) x[i] = raw.getInt8(at) / 128;
    else if (bits === 16) for (let i = 0; i < frames; i++, at += step) x[i] = raw.getInt16(at, le) / 32768;
    else if (bits === 24) {
      for (let i = 0; i < frames; i++, at += step) {
        x[i] = (raw.getUint8(at + lo) | (raw.getUint8(at + mid) << 8) | (raw.getInt8(at + hi) << 16)) / 8388608;
      }
    } else for (let i = 0; i < frames; i++, at += step) x[i] = raw.getInt32(at, le) / 2147483648;
  }
  return out;
}
