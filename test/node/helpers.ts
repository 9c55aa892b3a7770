/** Shared test helpers: signals, WAV files, the CLI, and a test-double model. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CHANNELS } from '../../src/core/constants.ts';
import { HTDEMUCS_GEOMETRY, type Geometry } from '../../src/core/geometry.ts';
import type { SegmentModel, SegmentOutput } from '../../src/core/model.ts';
import { Spectrogram } from '../../src/core/spectrogram.ts';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const MODELS = join(ROOT, 'test/fixtures/models');
export const AUDIO = join(ROOT, 'test/fixtures/audio');
export const REFERENCE = resolve(ROOT, '../shared/reference/sample');

export function tempDir(prefix = 'dm-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Seeded uniform noise in [-1, 1) (LCG), for reproducible signals. */
export function noise(length: number, seed: number, amplitude = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return amplitude * ((s / 2 ** 32) * 2 - 1);
  });
}

/** A stereo test signal with a DC offset (so normalisation matters). */
export function stereoSignal(length: number, seed = 1): [Float32Array, Float32Array] {
  const l = noise(length, seed, 0.3);
  const r = noise(length, seed + 99, 0.2);
  for (let i = 0; i < length; i++) {
    l[i] = l[i]! + 0.4 * Math.sin(i * 0.013) + 0.01;
    r[i] = r[i]! + 0.3 * Math.cos(i * 0.007) - 0.005;
  }
  return [l, r];
}

export { memorySource } from '../../src/core/track.ts';

/**
 * A test double of the fixture models (tools/make-test-models.ts) in TypeScript: stem s is
 * a[s] × spectrogram and (b[s] + c[s] · i / T) × mix, for a segment of T samples. Counts its runs.
 */
export class GainModel implements SegmentModel {
  readonly stemCount: number;
  runs = 0;
  constructor(
    readonly gains: { a: readonly number[]; b: readonly number[]; c?: readonly number[] },
    readonly geometry: Geometry = HTDEMUCS_GEOMETRY,
  ) {
    this.stemCount = gains.a.length;
  }
  async run(mix: Float32Array, spec: Float32Array): Promise<SegmentOutput> {
    this.runs++;
    const S = this.stemCount;
    const { segment, specSize } = this.geometry;
    const specOut = new Float32Array(S * specSize);
    const wave = new Float32Array(S * CHANNELS * segment);
    for (let s = 0; s < S; s++) {
      const a = this.gains.a[s]!;
      if (a !== 0) for (let i = 0; i < specSize; i++) specOut[s * specSize + i] = a * spec[i]!;
      const b = this.gains.b[s]!;
      const c = this.gains.c?.[s] ?? 0;
      for (let ch = 0; ch < CHANNELS; ch++) {
        const o = (s * CHANNELS + ch) * segment;
        for (let i = 0; i < segment; i++) wave[o + i] = Math.fround(b + c * Math.fround(i / segment)) * mix[ch * segment + i]!;
      }
    }
    return { spec: specOut, wave };
  }
}

/** What a GainModel returns for one stem of one padded chunk, through our spectrogram (of the model's geometry). */
export function gainModelStem(gains: GainModel['gains'], s: number, chunk: Float32Array, spectrogram: Spectrogram): Float32Array {
  const { segment, specSize } = spectrogram.geometry;
  const y = new Float32Array(CHANNELS * segment);
  const b = gains.b[s]!;
  const c = gains.c?.[s] ?? 0;
  for (let ch = 0; ch < CHANNELS; ch++) {
    for (let i = 0; i < segment; i++) y[ch * segment + i] = (b + (c * i) / segment) * chunk[ch * segment + i]!;
  }
  const a = gains.a[s]!;
  if (a !== 0) {
    const spec = new Float32Array(specSize);
    spectrogram.forward(chunk, spec);
    spectrogram.inverseAdd(spec, 0, y, a);
  }
  return y;
}

export type WavCodec = { bits: 8 | 16 | 24 | 32; float?: false } | { bits: 32 | 64; float: true };

/** Encodes planar channels as a WAV file (optionally WAVE_FORMAT_EXTENSIBLE). */
export function encodeWav(channels: Float32Array[], sampleRate: number, codec: WavCodec, extensible = false): Buffer {
  const n = channels[0]!.length;
  const nch = channels.length;
  const size = codec.bits / 8;
  const fmtSize = extensible ? 40 : 16;
  const data = Buffer.alloc(n * nch * size);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < nch; c++) {
      const x = channels[c]![i]!;
      const at = (i * nch + c) * size;
      if (codec.float) {
        if (codec.bits === 32) data.writeFloatLE(x, at);
        else data.writeDoubleLE(x, at);
      } else {
        const full = 2 ** (codec.bits - 1);
        const v = Math.max(-full, Math.min(full - 1, Math.round(x * full)));
        if (codec.bits === 8) data.writeUInt8(v + 128, at);
        else if (codec.bits === 16) data.writeInt16LE(v, at);
        else if (codec.bits === 24) data.writeIntLE(v, at, 3);
        else data.writeInt32LE(v, at);
      }
    }
  }
  const h = Buffer.alloc(12 + 8 + fmtSize + 8);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(h.length - 8 + data.length, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(fmtSize, 16);
  const tag = codec.float ? 3 : 1;
  h.writeUInt16LE(extensible ? 0xfffe : tag, 20);
  h.writeUInt16LE(nch, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * nch * size, 28);
  h.writeUInt16LE(nch * size, 32);
  h.writeUInt16LE(codec.bits, 34);
  if (extensible) {
    h.writeUInt16LE(22, 36);
    h.writeUInt16LE(codec.bits, 38);
    h.writeUInt32LE(nch === 2 ? 3 : 0, 40);
    h.writeUInt16LE(tag, 44);
    Buffer.from('000000001000800000aa00389b71', 'hex').copy(h, 46);
  }
  h.write('data', 12 + 8 + fmtSize, 'ascii');
  h.writeUInt32LE(data.length, 12 + 8 + fmtSize + 4);
  return Buffer.concat([h, data]);
}

export function writeWav(path: string, channels: Float32Array[], sampleRate = 44100, codec: WavCodec = { bits: 32, float: true }): string {
  writeFileSync(path, encodeWav(channels, sampleRate, codec));
  return path;
}

/** Reads a stereo WAV written by the CLI (44-byte header; 16/24-bit PCM or float 32). */
export function readStereoWav(file: string | Buffer): { left: Float32Array; right: Float32Array; tag: number; bits: number; rate: number } {
  const b = typeof file === 'string' ? readFileSync(file) : file;
  const tag = b.readUInt16LE(20);
  const rate = b.readUInt32LE(24);
  const bits = b.readUInt16LE(34);
  const size = bits / 8;
  const n = b.readUInt32LE(40) / (2 * size);
  const left = new Float32Array(n);
  const right = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (const [c, out] of [left, right].entries()) {
      const at = 44 + (2 * i + c) * size;
      out[i] = tag === 3 ? b.readFloatLE(at) : bits === 16 ? b.readInt16LE(at) / 32768 : b.readIntLE(at, 3) / 8388608;
    }
  }
  return { left, right, tag, bits, rate };
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: string[]): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/demucs-mixer.js'), ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export { maxAbsDiff } from '../../src/core/metrics.ts';
