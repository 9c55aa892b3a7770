import type { EncodedFormat } from './audio-encode.ts';
import type { WavFormat } from './wav.ts';

/**
 * The formats results leave in, the same set in the CLI and the mixer: WAV (16/24-bit integer,
 * 32-bit float), FLAC (16/24-bit), MP3 (LAME, CBR), AAC in M4A, and NI Stems (one `.stem.mp4`
 * with the mix and four stems).
 */
export type OutputFormat = WavFormat | EncodedFormat | 'stem';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['wav16', 'wav24', 'f32', 'flac', 'mp3', 'm4a', 'stem'];

/** The file extension of each per-stem format. */
export const EXTENSION: Record<Exclude<OutputFormat, 'stem'>, string> = { wav16: 'wav', wav24: 'wav', f32: 'wav', flac: 'flac', mp3: 'mp3', m4a: 'm4a' };

/** NI Stems files end so (DJ software looks for it). */
export const NI_STEMS_EXTENSION = '.stem.mp4';

export function isWavFormat(format: OutputFormat): format is WavFormat {
  return format === 'wav16' || format === 'wav24' || format === 'f32';
}

export function isOutputFormat(text: string): text is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(text);
}
