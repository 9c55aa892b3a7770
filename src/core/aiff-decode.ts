import { DemucsError } from './errors.ts';
import { ascii, pcmBlocks, unreadableSamples, view, type ByteSource, type PcmLayout } from './pcm-blocks.ts';

/**
 * A streaming reader of AIFF and AIFF-C files (Apple's uncompressed formats, what Logic and
 * many sample libraries write): big-endian integer PCM, and AIFF-C's 'sowt' (little-endian),
 * 'fl32'/'fl64' (float) and 'in24'/'in32' forms. Compressed AIFF-C (µ-law, IMA4, …) is named
 * and refused. Our own reader: the registry's one misreads 8-bit samples and, streamed, takes
 * metadata chunks for audio.
 */

/** AIFF-C compression types we read, and how their samples are stored. */
const COMPRESSION: Record<string, { float: boolean; littleEndian: boolean; bits?: number }> = {
  NONE: { float: false, littleEndian: false },
  twos: { float: false, littleEndian: false },
  sowt: { float: false, littleEndian: true },
  in24: { float: false, littleEndian: false, bits: 24 },
  in32: { float: false, littleEndian: false, bits: 32 },
  '23ni': { float: false, littleEndian: true, bits: 24 },
  fl32: { float: true, littleEndian: false, bits: 32 },
  FL32: { float: true, littleEndian: false, bits: 32 },
  fl64: { float: true, littleEndian: false, bits: 64 },
  FL64: { float: true, littleEndian: false, bits: 64 },
};

/** Whether the bytes start like an AIFF or AIFF-C file. */
export function isAiff(head: Uint8Array): boolean {
  return head.length >= 12 && ascii(head, 0, 4) === 'FORM' && ['AIFF', 'AIFC'].includes(ascii(head, 8, 12));
}

/** An 80-bit IEEE extended float (AIFF's sample rate). */
function extended(b: DataView, at: number): number {
  const exponent = b.getUint16(at) & 0x7fff;
  const mantissa = b.getUint32(at + 2) * 2 ** 32 + b.getUint32(at + 6);
  const sign = b.getUint8(at) & 0x80 ? -1 : 1;
  return exponent === 0 && mantissa === 0 ? 0 : sign * mantissa * 2 ** (exponent - 16383 - 63);
}

export function readAiffInfo(src: ByteSource, label: string): PcmLayout {
  const fail = (what: string): never => {
    throw new DemucsError('AUDIO_DECODE', `${label} is not a usable AIFF file: ${what}`);
  };
  const head = src.read(0, 12);
  if (!isAiff(head)) fail('no FORM/AIFF header');
  const aifc = ascii(head, 8, 12) === 'AIFC';
  let comm: PcmLayout | null = null;
  for (let at = 12; ; ) {
    const chunk = src.read(at, 8);
    if (chunk.length < 8) fail(comm ? 'no "SSND" chunk (truncated?)' : 'no "COMM" chunk (truncated?)');
    const id = ascii(chunk, 0, 4);
    const size = view(chunk).getUint32(4);
    const body = at + 8;
    if (id === 'COMM') {
      const bytes = src.read(body, Math.min(size, 26));
      if (bytes.length < 18) fail('truncated "COMM" chunk');
      comm = readComm(view(bytes), aifc, label);
    } else if (id === 'SSND') {
      if (!comm) fail('"SSND" before "COMM"');
      const offset = view(src.read(body, 8)).getUint32(0);
      const dataOffset = body + 8 + offset;
      const frameBytes = comm!.channels * (comm!.bits / 8);
      const available = Math.floor((src.size - dataOffset) / frameBytes);
      if (comm!.frames > available) {
        throw new DemucsError('AUDIO_DECODE', `${label} is truncated: its header promises ${comm!.frames} frames, the file holds ${available}`);
      }
      return { ...comm!, dataOffset };
    }
    at = body + size + (size & 1);
    if (at >= src.size) fail(comm ? 'no "SSND" chunk' : 'no "COMM" chunk');
  }
}

function readComm(b: DataView, aifc: boolean, label: string): PcmLayout {
  const channels = b.getUint16(0);
  const frames = b.getUint32(2);
  const sampleSize = b.getUint16(6);
  const sampleRate = extended(b, 8);
  const type = aifc && b.byteLength >= 22 ? ascii(new Uint8Array(b.buffer, b.byteOffset + 18, 4), 0, 4) : 'NONE';
  const form = COMPRESSION[type];
  if (!form) throw new DemucsError('AUDIO_UNSUPPORTED', `${label} is an AIFF-C file compressed as '${type.trim()}'; only uncompressed AIFF/AIFF-C is read`);
  // Integer sizes round up to whole bytes (a 20-bit file stores 24-bit words).
  const bits = form.bits ?? Math.ceil(sampleSize / 8) * 8;
  const unreadable = unreadableSamples({ bits, float: form.float });
  if (unreadable) throw new DemucsError('AUDIO_UNSUPPORTED', `${label} is an AIFF file with ${unreadable}`);
  if (channels < 1) throw new DemucsError('AUDIO_DECODE', `${label} is not a usable AIFF file: 0 channels`);
  return { sampleRate, channels, bits, float: form.float, littleEndian: form.littleEndian, frames, dataOffset: 0 };
}

/** Decoded blocks of an AIFF/AIFF-C file: planar Float32Arrays, one per channel. */
export function aiffBlocks(src: ByteSource, label: string): Generator<{ channelData: Float32Array[]; sampleRate: number }> {
  return pcmBlocks(src, readAiffInfo(src, label), label);
}
