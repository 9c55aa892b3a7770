import { CHANNELS, SAMPLE_RATE } from './constants.ts';

/** Output sample formats: 16/24-bit integer PCM (clamped to ±1) or 32-bit float (unclipped). */
export type WavFormat = 'wav16' | 'wav24' | 'f32';
export const WAV_FORMATS: readonly WavFormat[] = ['wav16', 'wav24', 'f32'];

/** Bytes per sample of each format. */
export const SAMPLE_BYTES: Record<WavFormat, number> = { wav16: 2, wav24: 3, f32: 4 };
/** WAVE format tags: 1 = integer PCM, 3 = IEEE float. */
const TAG: Record<WavFormat, number> = { wav16: 1, wav24: 1, f32: 3 };
/** Size of the header `wavHeader` writes. */
export const WAV_HEADER_BYTES = 44;

/** The largest number of stereo frames a RIFF WAV (32-bit sizes) of this format can hold. */
export function maxWavFrames(format: WavFormat): number {
  return Math.floor((0xffffffff - (WAV_HEADER_BYTES - 8)) / (CHANNELS * SAMPLE_BYTES[format]));
}

/** The 44-byte RIFF/WAVE header of a stereo 44.1 kHz file of `frames` frames. */
export function wavHeader(format: WavFormat, frames: number): Uint8Array {
  const size = SAMPLE_BYTES[format];
  const dataBytes = frames * CHANNELS * size;
  const h = new Uint8Array(WAV_HEADER_BYTES);
  const v = new DataView(h.buffer);
  const ascii = (at: number, text: string) => {
    for (let i = 0; i < text.length; i++) h[at + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, TAG[format], true);
  v.setUint16(22, CHANNELS, true);
  v.setUint32(24, SAMPLE_RATE, true);
  v.setUint32(28, SAMPLE_RATE * CHANNELS * size, true);
  v.setUint16(32, CHANNELS * size, true);
  v.setUint16(34, 8 * size, true);
  ascii(36, 'data');
  v.setUint32(40, dataBytes, true);
  return h;
}

/**
 * Interleaves a stereo block into the bytes of `format` (little-endian). Integer formats
 * round half away from zero and clamp to [-1, 1); `clipped` counts the clamped samples.
 */
export function encodeFrames(left: Float32Array, right: Float32Array, format: WavFormat): { bytes: Uint8Array; clipped: number } {
  const n = left.length;
  if (format === 'f32') {
    const out = new Float32Array(CHANNELS * n);
    for (let i = 0; i < n; i++) {
      out[2 * i] = left[i]!;
      out[2 * i + 1] = right[i]!;
    }
    return { bytes: new Uint8Array(out.buffer), clipped: 0 };
  }
  if (format === 'wav16') {
    const out = new Int16Array(CHANNELS * n);
    const clipped = quantise(left, out, 0, 32768) + quantise(right, out, 1, 32768);
    return { bytes: new Uint8Array(out.buffer), clipped };
  }
  const ints = new Int32Array(CHANNELS * n);
  const clipped = quantise(left, ints, 0, 8388608) + quantise(right, ints, 1, 8388608);
  const bytes = new Uint8Array(3 * ints.length);
  for (let i = 0, at = 0; i < ints.length; i++, at += 3) {
    const v = ints[i]!;
    bytes[at] = v & 0xff;
    bytes[at + 1] = (v >> 8) & 0xff;
    bytes[at + 2] = (v >> 16) & 0xff;
  }
  return { bytes, clipped };
}

/** A whole stereo 44.1 kHz WAV file in memory, as parts (header, then blocks of frames). */
export function encodeWav(left: Float32Array, right: Float32Array, format: WavFormat, block = 1 << 16): Uint8Array[] {
  const parts: Uint8Array[] = [wavHeader(format, left.length)];
  for (let at = 0; at < left.length; at += block) {
    parts.push(encodeFrames(left.subarray(at, at + block), right.subarray(at, at + block), format).bytes);
  }
  return parts;
}

/**
 * Rounds `x` to integers of full scale `full` (half away from zero) into every `step`-th slot
 * of `out` from `first` (2: interleaved stereo, 1: one plane), clamping to [-full, full - 1]; returns how many were clamped (NaN → 0).
 */
export function quantise(x: Float32Array, out: Int16Array | Int32Array, first: number, full: number, step = 2): number {
  let clipped = 0;
  const top = full - 1;
  for (let i = 0, at = first; i < x.length; i++, at += step) {
    const v = x[i]! * full;
    if (v < full - 0.5 && v >= -full) {
      out[at] = v < 0 ? (v - 0.5) | 0 : (v + 0.5) | 0;
    } else {
      clipped++;
      out[at] = v >= 0 ? top : v < 0 ? -full : 0;
    }
  }
  return clipped;
}
