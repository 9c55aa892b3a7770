import { DemucsError } from './errors.ts';

/**
 * Apple Lossless (ALAC) packets to samples, for the browser, whose WebCodecs has no ALAC
 * decoder (the registry's one is GPL, which an MIT bundle cannot carry). Written from the
 * format as Apple published it (the ALAC magic cookie, adaptive Golomb-Rice residuals, an
 * adaptive FIR predictor, stereo decorrelation, the low bytes of 24/32-bit samples sent
 * verbatim); checked bit-exact against ffmpeg's encoder on the fixtures.
 */

/** ALACSpecificConfig: the `alac` box's body after its version and flags. */
export interface AlacConfig {
  readonly frameLength: number;
  readonly bitDepth: number;
  readonly pb: number;
  readonly mb: number;
  readonly kb: number;
  readonly channels: number;
  readonly sampleRate: number;
}

export function parseAlacCookie(cookie: Uint8Array): AlacConfig {
  if (cookie.length < 24) throw new DemucsError('AUDIO_DECODE', `the ALAC configuration is ${cookie.length} bytes, not 24`);
  const v = new DataView(cookie.buffer, cookie.byteOffset, cookie.byteLength);
  const config = {
    frameLength: v.getUint32(0),
    bitDepth: v.getUint8(5),
    pb: v.getUint8(6),
    mb: v.getUint8(7),
    kb: v.getUint8(8),
    channels: v.getUint8(9),
    sampleRate: v.getUint32(20),
  };
  if (![16, 20, 24, 32].includes(config.bitDepth) || config.channels < 1 || config.frameLength < 1 || config.frameLength > 1 << 16) {
    throw new DemucsError('AUDIO_UNSUPPORTED', `ALAC with ${config.bitDepth}-bit samples, ${config.channels} channels and ${config.frameLength}-sample frames is not supported`);
  }
  return config;
}

/** Big-endian bit reading over one packet. */
class Bits {
  #pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  /** `n` ≤ 25 bits, unsigned. */
  #peek(n: number): number {
    const b = this.bytes;
    const at = this.#pos >> 3;
    if (this.#pos + n > b.length * 8) throw new DemucsError('AUDIO_DECODE', 'an ALAC packet ends early');
    const word = ((b[at]! << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;
    return n === 0 ? 0 : ((word << (this.#pos & 7)) >>> 0) >>> (32 - n);
  }

  read(n: number): number {
    if (n > 25) return this.read(n - 16) * 65536 + this.read(16);
    const v = this.#peek(n);
    this.#pos += n;
    return v;
  }

  signed(n: number): number {
    const v = this.read(n);
    return n === 32 ? v | 0 : v >= 2 ** (n - 1) ? v - 2 ** n : v;
  }

  /** Count of 1 bits before a 0 (consumed), at most 9 (then no 0 is consumed). */
  unary9(): number {
    let n = 0;
    while (n < 9 && this.read(1) === 1) n++;
    return n;
  }

  skip(n: number): void {
    this.#pos += n;
  }
}

const log2 = (x: number): number => (x > 0 ? 31 - Math.clz32(x) : 0);
const signExtend = (v: number, bits: number): number => (bits >= 32 ? v | 0 : (v << (32 - bits)) >> (32 - bits));
const sign = (v: number): number => (v > 0 ? 1 : v < 0 ? -1 : 0);

/** One Golomb-Rice value: a unary prefix, then k bits; past 8 ones the value is sent verbatim. */
function scalar(bits: Bits, k: number, width: number): number {
  const x = bits.unary9();
  if (x > 8) return bits.read(width);
  if (k === 1) return x;
  const extra = bits.read(k);
  const value = x * ((1 << k) - 1);
  if (extra > 1) return value + extra - 1;
  bits.skip(-1); // the last of the k bits belongs to the next value
  return value;
}

/** The prediction residuals of one channel (adaptive Golomb-Rice, with runs of zeros). */
function residuals(bits: Bits, out: Int32Array, n: number, width: number, multiplier: number, config: AlacConfig): void {
  let history = config.mb;
  let signModifier = 0;
  for (let i = 0; i < n; i++) {
    const k = Math.min(log2((history >>> 9) + 3), config.kb);
    const x = scalar(bits, k, width) + signModifier;
    signModifier = 0;
    out[i] = (x >>> 1) ^ -(x & 1);
    history = x > 0xffff ? 0xffff : history + x * multiplier - ((history * multiplier) >>> 9);
    if (history < 128 && i + 1 < n) {
      const kz = Math.min(7 - log2(history) + ((history + 16) >>> 6), config.kb);
      const zeros = scalar(bits, kz, 16);
      if (zeros >= n - i) throw new DemucsError('AUDIO_DECODE', 'an ALAC packet has a run of zeros past its end');
      out.fill(0, i + 1, i + 1 + zeros);
      i += zeros;
      if (zeros <= 0xffff) signModifier = 1;
      history = 0;
    }
  }
}

/** The adaptive FIR predictor, run over the residuals in place (`order` 31: first order, fixed). */
function predict(buf: Int32Array, n: number, width: number, coefs: Int16Array | null, order: number, quant: number): void {
  if (n <= 1 || order === 0) return;
  if (order === 31) {
    for (let i = 1; i < n; i++) buf[i] = signExtend(buf[i - 1]! + buf[i]!, width);
    return;
  }
  let i = 1;
  for (; i <= order && i < n; i++) buf[i] = signExtend(buf[i - 1]! + buf[i]!, width);
  const round = 2 ** (quant - 1);
  const scale = 2 ** quant;
  for (; i < n; i++) {
    const base = i - order; // buf[base - 1] is d, buf[base + j] the samples before i
    const d = buf[base - 1]!;
    let sum = 0;
    for (let j = 0; j < order; j++) sum = (sum + Math.imul(buf[base + j]! - d, coefs![j]!)) | 0;
    let error = buf[i]!;
    buf[i] = signExtend(Math.floor((sum + round) / scale) + d + error, width);
    const errorSign = sign(error);
    for (let j = 0; errorSign !== 0 && j < order && Math.imul(error, errorSign) > 0; j++) {
      const delta = d - buf[base + j]!;
      const s = sign(delta) * errorSign;
      coefs![j] = coefs![j]! - s;
      error = (error - Math.imul((delta * s) >> quant, j + 1)) | 0;
    }
  }
}

/** Decodes ALAC packets of one stream; `decode` returns planar float32 (integers over 2^(b-1)). */
export class AlacDecoder {
  readonly config: AlacConfig;
  readonly #work: Int32Array[];
  readonly #low: Int32Array[];

  constructor(cookie: Uint8Array) {
    this.config = parseAlacCookie(cookie);
    this.#work = [new Int32Array(this.config.frameLength), new Int32Array(this.config.frameLength)];
    this.#low = [new Int32Array(this.config.frameLength), new Int32Array(this.config.frameLength)];
  }

  decode(packet: Uint8Array): Float32Array[] {
    const { channels, frameLength, bitDepth } = this.config;
    const bits = new Bits(packet);
    const out: Float32Array[] = [];
    const scale = 1 / 2 ** (bitDepth - 1);
    let frames = -1;
    for (let element = bits.read(3); element !== 7; element = bits.read(3)) {
      if (element !== 0 && element !== 1 && element !== 3) throw new DemucsError('AUDIO_DECODE', `an ALAC packet holds element type ${element}, which is not audio`);
      const pair = element === 1 ? 2 : 1;
      const n = this.#element(bits, pair);
      if (frames >= 0 && n !== frames) throw new DemucsError('AUDIO_DECODE', 'the channels of an ALAC packet differ in length');
      frames = n;
      for (let c = 0; c < pair; c++) out.push(Float32Array.from(this.#work[c]!.subarray(0, n), (v) => v * scale));
      if (out.length > channels) throw new DemucsError('AUDIO_DECODE', `an ALAC packet holds more than the ${channels} channels its configuration states`);
    }
    if (frames > frameLength) throw new DemucsError('AUDIO_DECODE', 'an ALAC packet is longer than its frame length');
    return out;
  }

  /** One single or paired element into #work; returns its sample count. */
  #element(bits: Bits, pair: number): number {
    const config = this.config;
    bits.skip(4 + 12); // element tag, unused header bits
    const hasSize = bits.read(1);
    const lowBits = bits.read(2) * 8;
    const verbatim = bits.read(1);
    const width = config.bitDepth - lowBits + pair - 1;
    const n = hasSize ? bits.read(32) : config.frameLength;
    if (n > config.frameLength) throw new DemucsError('AUDIO_DECODE', `an ALAC packet states ${n} samples, more than its frame length`);
    const [a, b] = this.#work as [Int32Array, Int32Array];
    if (verbatim) {
      for (let i = 0; i < n; i++) for (let c = 0; c < pair; c++) this.#work[c]![i] = bits.signed(config.bitDepth);
      return n;
    }
    const shift = bits.read(8);
    const weight = bits.read(8);
    const heads = Array.from({ length: pair }, () => {
      const mode = bits.read(4);
      const quant = bits.read(4);
      const multiplier = bits.read(3);
      const order = bits.read(5);
      const coefs = new Int16Array(32);
      for (let i = order - 1; i >= 0; i--) coefs[i] = bits.signed(16);
      return { mode, quant, multiplier, order, coefs };
    });
    if (lowBits) for (let i = 0; i < n; i++) for (let c = 0; c < pair; c++) this.#low[c]![i] = bits.read(lowBits);
    heads.forEach((h, c) => {
      const buf = this.#work[c]!;
      residuals(bits, buf, n, width, (h.multiplier * config.pb) >> 2, config);
      if (h.mode === 15) predict(buf, n, width, null, 31, 0);
      predict(buf, n, width, h.coefs, h.order, h.quant);
    });
    if (pair === 2 && weight) {
      for (let i = 0; i < n; i++) {
        const right = (a[i]! - (Math.imul(b[i]!, weight) >> shift)) | 0;
        a[i] = (b[i]! + right) | 0;
        b[i] = right;
      }
    }
    if (lowBits) for (let c = 0; c < pair; c++) for (let i = 0; i < n; i++) this.#work[c]![i] = (this.#work[c]![i]! << lowBits) | this.#low[c]![i]!;
    return n;
  }
}
