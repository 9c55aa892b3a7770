import { DemucsError } from './errors.ts';
import { ascii, pcmBlocks, unreadableSamples, view, type ByteSource, type PcmLayout } from './pcm-blocks.ts';

/**
 * A streaming reader of RIFF/WAVE files over any random-access bytes (a file descriptor in
 * the CLI, a Blob read with FileReaderSync in a worker): integer PCM 8/16/24/32 bit, IEEE
 * float 32/64 bit, plain or WAVE_FORMAT_EXTENSIBLE, any channel count and rate.
 *
 * Why not the decoder library here: @audio/decode-wav scales integer samples asymmetrically
 * (negatives by 2^-(b-1), positives by 1/(2^(b-1) - 1)); Demucs (torchaudio) divides both by
 * 2^(b-1), and the difference (3e-5 relative) shows in the stems. Integer samples here are
 * divided by 2^(b-1), 8-bit ones are offset by 128 first.
 */

const TAG_PCM = 1;
const TAG_FLOAT = 3;
const TAG_EXTENSIBLE = 0xfffe;

/** Whether the bytes start like a RIFF/WAVE (or RF64) file. */
export function isWav(head: Uint8Array): boolean {
  return head.length >= 12 && (ascii(head, 0, 4) === 'RIFF' || ascii(head, 0, 4) === 'RF64') && ascii(head, 8, 12) === 'WAVE';
}

export function readWavInfo(src: ByteSource, label: string): PcmLayout {
  const fail = (what: string): never => {
    throw new DemucsError('AUDIO_DECODE', `${label} is not a usable WAV file: ${what}`);
  };
  const head = src.read(0, 12);
  if (head.length < 12) fail('shorter than a RIFF header');
  if (ascii(head, 0, 4) !== 'RIFF' || ascii(head, 8, 12) !== 'WAVE') {
    fail(ascii(head, 0, 4) === 'RF64' ? 'RF64 (over 4 GiB) WAV files are not supported' : 'no RIFF/WAVE header');
  }
  let fmt: DataView | null = null;
  let at = 12;
  for (;;) {
    const chunk = src.read(at, 8);
    if (chunk.length < 8) fail(fmt ? 'no "data" chunk (truncated?)' : 'no "fmt " chunk (truncated?)');
    const id = ascii(chunk, 0, 4);
    const size = view(chunk).getUint32(4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16) fail(`"fmt " chunk of ${size} bytes`);
      const bytes = src.read(body, Math.min(size, 40));
      if (bytes.length < Math.min(size, 40)) fail('truncated "fmt " chunk');
      fmt = view(bytes);
    } else if (id === 'data') {
      if (!fmt) fail('"data" before "fmt "');
      const f = fmt!;
      let tag = f.getUint16(0, true);
      const channels = f.getUint16(2, true);
      const sampleRate = f.getUint32(4, true);
      const blockAlign = f.getUint16(12, true);
      const bits = f.getUint16(14, true);
      if (tag === TAG_EXTENSIBLE) {
        if (f.byteLength < 40) fail('WAVE_FORMAT_EXTENSIBLE without its sub-format');
        tag = f.getUint16(24, true);
      }
      const float = tag === TAG_FLOAT;
      if (tag !== TAG_PCM && tag !== TAG_FLOAT) {
        throw new DemucsError('AUDIO_UNSUPPORTED', `${label} is a WAV file with compression format ${tag}; only PCM and IEEE float are read`);
      }
      const unreadable = unreadableSamples({ bits, float });
      if (unreadable) throw new DemucsError('AUDIO_UNSUPPORTED', `${label} is a WAV file with ${unreadable}`);
      if (channels < 1) fail('0 channels');
      if (sampleRate < 1) fail('sample rate 0');
      if (blockAlign !== channels * (bits / 8)) fail(`block align ${blockAlign} does not match ${channels} channels of ${bits} bits`);
      const available = src.size - body;
      // Streaming writers leave 0 or 0xFFFFFFFF when they never learnt the length: read to the end.
      const declared = size === 0 || size === 0xffffffff ? available : size;
      if (declared > available) {
        throw new DemucsError(
          'AUDIO_DECODE',
          `${label} is truncated: its header promises ${Math.floor(declared / blockAlign)} frames, the file holds ${Math.floor(available / blockAlign)}`,
        );
      }
      return { sampleRate, channels, bits, float, littleEndian: true, unsigned8: true, frames: Math.floor(declared / blockAlign), dataOffset: body };
    }
    at = body + size + (size & 1);
    if (at >= src.size) fail(fmt ? 'no "data" chunk' : 'no "fmt " chunk');
  }
}

/** Decoded blocks of a WAV file: planar Float32Arrays, one per channel. */
export function wavBlocks(src: ByteSource, label: string): Generator<{ channelData: Float32Array[]; sampleRate: number }> {
  return pcmBlocks(src, readWavInfo(src, label), label);
}
