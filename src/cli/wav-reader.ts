import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DemucsError } from '../core/errors.ts';

/**
 * A streaming reader of RIFF/WAVE files: integer PCM 8/16/24/32 bit, IEEE float 32/64 bit,
 * plain or WAVE_FORMAT_EXTENSIBLE, any channel count and rate.
 *
 * Why not the decoder library here: @audio/decode-wav scales integer samples asymmetrically
 * (negatives by 2^-(b-1), positives by 1/(2^(b-1) - 1)); Demucs (torchaudio) divides both by
 * 2^(b-1), and the difference (3e-5 relative) shows in the stems. Integer samples here are
 * divided by 2^(b-1), 8-bit ones are offset by 128 first.
 */

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

export function readWavInfo(fd: number, label: string): WavInfo {
  const fileSize = fstatSync(fd).size;
  const fail = (what: string): never => {
    throw new DemucsError('AUDIO_DECODE', `${label} is not a usable WAV file: ${what}`);
  };
  const head = Buffer.alloc(12);
  if (readSync(fd, head, 0, 12, 0) < 12) fail('shorter than a RIFF header');
  if (head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') {
    fail(head.toString('ascii', 0, 4) === 'RF64' ? 'RF64 (over 4 GiB) WAV files are not supported' : 'no RIFF/WAVE header');
  }
  let fmt: Buffer | null = null;
  let at = 12;
  const chunk = Buffer.alloc(8);
  for (;;) {
    if (readSync(fd, chunk, 0, 8, at) < 8) fail(fmt ? 'no "data" chunk (truncated?)' : 'no "fmt " chunk (truncated?)');
    const id = chunk.toString('ascii', 0, 4);
    const size = chunk.readUInt32LE(4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16) fail(`"fmt " chunk of ${size} bytes`);
      fmt = Buffer.alloc(Math.min(size, 40));
      if (readSync(fd, fmt, 0, fmt.length, body) < fmt.length) fail('truncated "fmt " chunk');
    } else if (id === 'data') {
      if (!fmt) fail('"data" before "fmt "');
      const f = fmt!;
      let tag = f.readUInt16LE(0);
      const channels = f.readUInt16LE(2);
      const sampleRate = f.readUInt32LE(4);
      const blockAlign = f.readUInt16LE(12);
      const bits = f.readUInt16LE(14);
      if (tag === TAG_EXTENSIBLE) {
        if (f.length < 40) fail('WAVE_FORMAT_EXTENSIBLE without its sub-format');
        tag = f.readUInt16LE(24);
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
      const available = fileSize - body;
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
    if (at >= fileSize) fail(fmt ? 'no "data" chunk' : 'no "fmt " chunk');
  }
}

/** Decoded blocks of a WAV file: planar Float32Arrays, one per channel. */
export function* readWavBlocks(path: string, label: string): Generator<{ info: WavInfo; channelData: Float32Array[] }> {
  const fd = openSync(path, 'r');
  try {
    const info = readWavInfo(fd, label);
    const bytesPerFrame = info.channels * (info.bits / 8);
    const raw = Buffer.alloc(BLOCK_FRAMES * bytesPerFrame);
    for (let frame = 0; frame < info.frames; frame += BLOCK_FRAMES) {
      const n = Math.min(BLOCK_FRAMES, info.frames - frame);
      const bytes = n * bytesPerFrame;
      let got = 0;
      while (got < bytes) {
        const r = readSync(fd, raw, got, bytes - got, info.dataOffset + frame * bytesPerFrame + got);
        if (r === 0) throw new DemucsError('AUDIO_DECODE', `${label} ended early (truncated while reading)`);
        got += r;
      }
      yield { info, channelData: convert(raw, n, info) };
    }
  } finally {
    closeSync(fd);
  }
}

function convert(raw: Buffer, frames: number, info: WavInfo): Float32Array[] {
  const { channels, bits, float } = info;
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  const size = bits / 8;
  for (let c = 0; c < channels; c++) {
    const x = out[c]!;
    let at = c * size;
    const step = channels * size;
    if (float && bits === 32) for (let i = 0; i < frames; i++, at += step) x[i] = raw.readFloatLE(at);
    else if (float) for (let i = 0; i < frames; i++, at += step) x[i] = raw.readDoubleLE(at);
    else if (bits === 8) for (let i = 0; i < frames; i++, at += step) x[i] = (raw[at]! - 128) / 128;
    else if (bits === 16) for (let i = 0; i < frames; i++, at += step) x[i] = raw.readInt16LE(at) / 32768;
    else if (bits === 24) for (let i = 0; i < frames; i++, at += step) x[i] = raw.readIntLE(at, 3) / 8388608;
    else for (let i = 0; i < frames; i++, at += step) x[i] = raw.readInt32LE(at) / 2147483648;
  }
  return out;
}
