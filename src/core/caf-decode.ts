import { DemucsError } from './errors.ts';
import { ascii, pcmBlocks, unreadableSamples, view, type ByteSource, type PcmLayout } from './pcm-blocks.ts';

/**
 * A streaming reader of Apple's Core Audio Format with linear PCM ('lpcm': integer or float,
 * either byte order), the form Logic and afconvert write for uncompressed audio. CAF holding a
 * compressed codec (AAC, ALAC, IMA4, …) is named and refused.
 */

const FLAG_FLOAT = 1;
const FLAG_LITTLE_ENDIAN = 2;

/** Whether the bytes start like a CAF file. */
export function isCaf(head: Uint8Array): boolean {
  return head.length >= 8 && ascii(head, 0, 4) === 'caff';
}

/** Names of CAF codecs people meet, for the refusal. */
const CODEC_NAMES: Record<string, string> = { 'aac ': 'AAC', alac: 'ALAC', ima4: 'IMA4', ulaw: 'µ-law', alaw: 'A-law', '.mp3': 'MP3', opus: 'Opus' };

export function readCafInfo(src: ByteSource, label: string): PcmLayout {
  const fail = (what: string): never => {
    throw new DemucsError('AUDIO_DECODE', `${label} is not a usable CAF file: ${what}`);
  };
  if (!isCaf(src.read(0, 8))) fail('no "caff" header');
  let desc: PcmLayout | null = null;
  for (let at = 8; ; ) {
    const chunk = src.read(at, 12);
    if (chunk.length < 12) fail(desc ? 'no "data" chunk (truncated?)' : 'no "desc" chunk (truncated?)');
    const id = ascii(chunk, 0, 4);
    const size = Number(view(chunk).getBigInt64(4));
    const body = at + 12;
    if (id === 'desc') {
      const bytes = src.read(body, 32);
      if (bytes.length < 32) fail('truncated "desc" chunk');
      desc = readDesc(view(bytes), label);
    } else if (id === 'data') {
      if (!desc) fail('"data" before "desc"');
      const dataOffset = body + 4; // after the edit count
      const frameBytes = desc!.channels * (desc!.bits / 8);
      const available = src.size - dataOffset;
      // A writer that never learnt the length leaves -1: read to the end.
      const declared = size < 0 ? available : size - 4;
      if (declared > available) {
        throw new DemucsError('AUDIO_DECODE', `${label} is truncated: its header promises ${Math.floor(declared / frameBytes)} frames, the file holds ${Math.floor(available / frameBytes)}`);
      }
      return { ...desc!, frames: Math.floor(declared / frameBytes), dataOffset };
    }
    if (size < 0) fail(`chunk "${id}" of unknown length before the audio`);
    at = body + size;
    if (at >= src.size) fail(desc ? 'no "data" chunk' : 'no "desc" chunk');
  }
}

function readDesc(b: DataView, label: string): PcmLayout {
  const sampleRate = b.getFloat64(0);
  const format = ascii(new Uint8Array(b.buffer, b.byteOffset + 8, 4), 0, 4);
  const flags = b.getUint32(12);
  const bytesPerPacket = b.getUint32(16);
  const channels = b.getUint32(24);
  const bits = b.getUint32(28);
  if (format !== 'lpcm') {
    const name = CODEC_NAMES[format] ?? `'${format.trim()}'`;
    throw new DemucsError('AUDIO_UNSUPPORTED', `${label} is a CAF file with ${name} audio; only linear PCM in CAF is read`);
  }
  const float = (flags & FLAG_FLOAT) !== 0;
  const unreadable = unreadableSamples({ bits, float });
  if (unreadable) throw new DemucsError('AUDIO_UNSUPPORTED', `${label} is a CAF file with ${unreadable}`);
  if (channels < 1 || bytesPerPacket !== channels * (bits / 8)) {
    throw new DemucsError('AUDIO_DECODE', `${label} is not a usable CAF file: ${channels} channels of ${bits} bits in ${bytesPerPacket}-byte frames`);
  }
  return { sampleRate, channels, bits, float, littleEndian: (flags & FLAG_LITTLE_ENDIAN) !== 0, frames: 0, dataOffset: 0 };
}

/** Decoded blocks of a CAF file: planar Float32Arrays, one per channel. */
export function cafBlocks(src: ByteSource, label: string): Generator<{ channelData: Float32Array[]; sampleRate: number }> {
  return pcmBlocks(src, readCafInfo(src, label), label);
}
