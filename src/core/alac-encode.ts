import type { AlacConfig } from './alac-decode.ts';

/**
 * Apple Lossless (ALAC) frames from integer samples, for lossless NI Stems (no encoder package
 * offers ALAC). Each channel is predicted by its first difference (ALAC's prediction mode 15
 * with no further filter, which Apple's and FFmpeg's decoders run) and its residuals are coded
 * with ALAC's adaptive Golomb-Rice code, runs of zeros included; a frame that would come out
 * larger than its samples is stored verbatim. Checked by decoding with ffmpeg and with our
 * decoder (src/core/alac-decode.ts).
 */

/** Samples per frame (ALAC's default). */
export const ALAC_FRAME = 4096;
const PB = 40;
const MB = 10;
const KB = 14;
const MAX_RUN = 255;
/** A predictor quantisation the decoders accept (unused by a filter of no coefficients). */
const DEN_SHIFT = 9;
const PB_FACTOR = 4;

/** The magic cookie (ALACSpecificConfig, 24 bytes) of a stream. */
export function alacCookie(bitDepth: 16 | 24, channels: number, sampleRate: number): Uint8Array {
  const out = new Uint8Array(24);
  const v = new DataView(out.buffer);
  v.setUint32(0, ALAC_FRAME);
  v.setUint8(4, 0); // compatible version
  v.setUint8(5, bitDepth);
  v.setUint8(6, PB);
  v.setUint8(7, MB);
  v.setUint8(8, KB);
  v.setUint8(9, channels);
  v.setUint16(10, MAX_RUN);
  v.setUint32(12, 0); // max frame bytes: unknown
  v.setUint32(16, 0); // average bitrate: unknown
  v.setUint32(20, sampleRate);
  return out;
}

/** Big-endian bit writing into a growing buffer. */
class BitWriter {
  #bytes: Uint8Array;
  #pos = 0;

  constructor(capacity: number) {
    this.#bytes = new Uint8Array(capacity);
  }

  get bits(): number {
    return this.#pos;
  }

  /** `value`'s low `n` bits (n ≤ 32). */
  write(value: number, n: number): void {
    if (n > 16) {
      this.write(Math.floor(value / 65536) & ((1 << (n - 16)) - 1), n - 16);
      this.write(value & 0xffff, 16);
      return;
    }
    if (((this.#pos + n) >> 3) + 1 >= this.#bytes.length) {
      const grown = new Uint8Array(this.#bytes.length * 2);
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    for (let b = n - 1; b >= 0; b--, this.#pos++) {
      if ((value >>> b) & 1) this.#bytes[this.#pos >> 3]! |= 0x80 >> (this.#pos & 7);
    }
  }

  finish(): Uint8Array {
    return this.#bytes.slice(0, (this.#pos + 7) >> 3);
  }
}

const log2 = (x: number): number => (x > 0 ? 31 - Math.clz32(x) : 0);
const signExtend = (v: number, bits: number): number => (bits >= 32 ? v | 0 : (v << (32 - bits)) >> (32 - bits));

/** One Golomb-Rice value (the inverse of the decoder's `scalar`). */
function writeScalar(out: BitWriter, x: number, k: number, width: number): void {
  const m = (1 << k) - 1;
  const q = k === 1 ? x : Math.floor(x / m);
  if (q > 8) {
    out.write(0x1ff, 9);
    out.write(x, width);
    return;
  }
  out.write(((1 << q) - 1) << 1, q + 1); // q ones, then a zero
  if (k === 1) return;
  const r = x - q * m;
  if (r === 0) out.write(0, k - 1);
  else out.write(r + 1, k);
}

/** A channel's residuals in ALAC's adaptive code (the inverse of the decoder's `residuals`). */
function writeResiduals(out: BitWriter, residual: Int32Array, n: number, width: number, config: Pick<AlacConfig, 'mb' | 'kb'>, multiplier: number): void {
  let history = config.mb;
  let signModifier = 0;
  for (let i = 0; i < n; i++) {
    const v = residual[i]!;
    const x = v < 0 ? -2 * v - 1 : 2 * v; // the sign in the lowest bit
    const k = Math.min(log2((history >>> 9) + 3), config.kb);
    writeScalar(out, x - signModifier, k, width);
    signModifier = 0;
    history = x > 0xffff ? 0xffff : history + x * multiplier - ((history * multiplier) >>> 9);
    if (history < 128 && i + 1 < n) {
      let zeros = 0;
      while (i + 1 + zeros < n && residual[i + 1 + zeros] === 0) zeros++;
      const kz = Math.min(7 - log2(history) + ((history + 16) >>> 6), config.kb);
      writeScalar(out, zeros, kz, 16);
      i += zeros;
      // A frame is at most 4096 samples: every run is short enough that the decoder takes the next value as nonzero.
      signModifier = 1;
      history = 0;
    }
  }
}

/**
 * One frame of `n` ≤ 4096 samples per channel (integers of `bitDepth` bits, planar) as an
 * ALAC packet: a single (mono) or a pair (stereo) element, then the end tag.
 */
export function encodeAlacFrame(channels: readonly Int32Array[], n: number, bitDepth: 16 | 24): Uint8Array {
  const pair = channels.length === 2;
  const width = bitDepth + (pair ? 1 : 0);
  const compressed = new BitWriter(channels.length * n * 4 + 64);
  header(compressed, pair, n, false);
  compressed.write(0, 8); // no stereo decorrelation: mix bits
  compressed.write(0, 8); // and mix residue
  for (const _ of channels) {
    compressed.write(15, 4); // first-difference prediction
    compressed.write(DEN_SHIFT, 4);
    compressed.write(PB_FACTOR, 3);
    compressed.write(0, 5); // no further filter
  }
  const residual = new Int32Array(n);
  for (const samples of channels) {
    residual[0] = samples[0]!;
    for (let i = 1; i < n; i++) residual[i] = signExtend(samples[i]! - samples[i - 1]!, width);
    writeResiduals(compressed, residual, n, width, { mb: MB, kb: KB }, (PB_FACTOR * PB) >> 2);
  }
  compressed.write(7, 3);
  if (compressed.bits <= 32 + 16 + channels.length * n * bitDepth) return compressed.finish();
  const verbatim = new BitWriter(channels.length * n * 4 + 64);
  header(verbatim, pair, n, true);
  for (let i = 0; i < n; i++) for (const samples of channels) verbatim.write(samples[i]! & (2 ** bitDepth - 1), bitDepth);
  verbatim.write(7, 3);
  return verbatim.finish();
}

function header(out: BitWriter, pair: boolean, n: number, verbatim: boolean): void {
  out.write(pair ? 1 : 0, 3); // element: pair or single
  out.write(0, 4); // instance tag
  out.write(0, 12);
  out.write(n < ALAC_FRAME ? 1 : 0, 1); // a short frame states its length
  out.write(0, 2); // no bytes shifted out
  out.write(verbatim ? 1 : 0, 1);
  if (n < ALAC_FRAME) out.write(n, 32);
}
