import { execFileSync } from 'node:child_process';
import { planar } from './interleaved.ts';

/**
 * What an independent reader (Debian's ffmpeg and ffprobe, installed by .ci/run) finds in the
 * files we write: their streams and their decoded samples.
 */

export interface ProbedStream {
  readonly codec_name: string;
  readonly sample_rate: string;
  readonly channels: number;
  readonly disposition: { readonly default: number };
  readonly bits_per_raw_sample?: string;
}

export function probe(path: string): { streams: ProbedStream[]; format: { duration: string } } {
  return JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path], { encoding: 'utf8' }));
}

/** Stream `index`'s samples as integers (`s16`/`s32`) or floats, planar [left, right]. */
export function decode(path: string, as: 's16' | 's32' | 'f32', index = 0): [Int16Array | Int32Array | Float32Array, Int16Array | Int32Array | Float32Array] {
  const format = { s16: 's16le', s32: 's32le', f32: 'f32le' }[as];
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-map', `0:a:${index}`, '-f', format, '-ac', '2', '-'], { maxBuffer: 1 << 30 });
  const bytes = new Uint8Array(raw).slice().buffer;
  return planar(as === 's16' ? new Int16Array(bytes) : as === 's32' ? new Int32Array(bytes) : new Float32Array(bytes));
}

export { alignedSnr } from '../../src/core/metrics.ts';
