import { DemucsError } from './errors.ts';

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

/** Random-access bytes: `read` returns up to `length` bytes at `at` (fewer at the end). */
export interface ByteSource {
  readonly size: number;
  read(at: number, length: number): Uint8Array;
}

export interface WavInfo {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bits: number;
  readonly float: boolean;
  /** Frames the file holds. */
  readonly frames: number;
  readonly dataOffset: number;
}

const TAG_PCM = 1;
const TAG_FLOAT = 3;
const TAG_EXTENSIBLE = 0xfffe;
/** Frames converted per block. */
const BLOCK_FRAMES = 65536;

const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Whether the bytes start like a RIFF/WAVE (or RF64) file. */
export function isWav(head: Uint8Array): boolean {
  return head.length >= 12 && (ascii(head, 0, 4) === 'RIFF' || ascii(head, 0, 4) === 'RF64') && ascii(head, 8, 12) === 'WAVE';
}

export function readWavInfo(src: ByteSource, label: string): WavInfo {
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
      if (float ? bits !== 32 && bits !== 64 : ![8, 16, 24, 32].includes(bits)) {
        throw new DemucsError('AUDIO_UNSUPPORTED', `${label} is a ${bits}-bit ${float ? 'float' : 'integer'} WAV file; supported: 8/16/24/32-bit integer, 32/64-bit float`);
      }
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
      return { sampleRate, channels, bits, float, frames: Math.floor(declared / blockAlign), dataOffset: body };
    }
    at = body + size + (size & 1);
    if (at >= src.size) fail(fmt ? 'no "data" chunk' : 'no "fmt " chunk');
  }
}

/** Decoded blocks of a WAV file: planar Float32Arrays, one per channel (as stereo-decode.ts takes them). */
export function* wavBlocks(src: ByteSource, label: string): Generator<{ info: WavInfo; channelData: Float32Array[]; sampleRate: number }> {
  const info = readWavInfo(src, label);
  const bytesPerFrame = info.channels * (info.bits / 8);
  for (let frame = 0; frame < info.frames; frame += BLOCK_FRAMES) {
    const n = Math.min(BLOCK_FRAMES, info.frames - frame);
    const raw = src.read(info.dataOffset + frame * bytesPerFrame, n * bytesPerFrame);
    if (raw.length < n * bytesPerFrame) throw new DemucsError('AUDIO_DECODE', `${label} ended early (truncated while reading)`);
    yield { info, channelData: convert(view(raw), n, info), sampleRate: info.sampleRate };
  }
}

function convert(raw: DataView, frames: number, info: WavInfo): Float32Array[] {
  const { channels, bits, float } = info;
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  const size = bits / 8;
  const step = channels * size;
  for (let c = 0; c < channels; c++) {
    const x = out[c]!;
    let at = c * size;
    if (float && bits === 32) for (let i = 0; i < frames; i++, at += step) x[i] = raw.getFloat32(at, true);
    else if (float) for (let i = 0; i < frames; i++, at += step) x[i] = raw.getFloat64(at, true);
    else if (bits === 8) for (let i = 0; i < frames; i++, at += step) x[i] = (raw.getUint8(at) - 128) / 128;
    else if (bits === 16) for (let i = 0; i < frames; i++, at += step) x[i] = raw.getInt16(at, true) / 32768;
    else if (bits === 24) {
      for (let i = 0; i < frames; i++, at += step) x[i] = ((raw.getUint8(at) | (raw.getUint8(at + 1) << 8) | (raw.getInt8(at + 2) << 16)) >> 0) / 8388608;
    } else for (let i = 0; i < frames; i++, at += step) x[i] = raw.getInt32(at, true) / 2147483648;
  }
  return out;
}
