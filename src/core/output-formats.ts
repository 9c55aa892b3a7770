import type { PitchShift } from './key-tempo.ts';
import type { StereoMix } from './mixing.ts';
import type { WavFormat } from './wav.ts';

/**
 * The formats results leave in, the same set in the CLI and the mixer: WAV (16/24-bit integer,
 * 32-bit float), FLAC (16/24-bit), MP3 (LAME, CBR), AAC in M4A, and NI Stems (one `.stem.mp4`
 * with the mix and four stems).
 */
export type OutputFormat = WavFormat | EncodedFormat | 'stem';

/** The formats encoded by mediabunny's encoders (audio-encode.ts). */
export type EncodedFormat = 'flac' | 'mp3' | 'm4a';

export interface EncodeSettings {
  /** FLAC's (and lossless NI Stems') bits per sample (default 16). */
  readonly bits?: 16 | 24;
  /** MP3's and AAC's bitrate in kbit/s (defaults: MP3 320, AAC 256). */
  readonly bitrate?: number;
  /** NI Stems in ALAC (16 or 24 `bits`) instead of AAC. */
  readonly lossless?: boolean;
}

export const DEFAULT_BITRATE = { mp3: 320, aac: 256 } as const;
/** Bitrates LAME takes for 44.1 kHz MPEG-1 Layer III (kbit/s). */
export const MP3_BITRATES = [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
/** AAC-LC bitrates we offer for stereo (kbit/s). */
export const AAC_BITRATES = [96, 128, 160, 192, 256, 320];

/**
 * One file to export from the stems: a mix of them (a gain and pan per stem, StereoMix; one
 * stem alone: soloMix) in a per-stem format, or NI Stems' five such mixes, one per track.
 */
export type ExportRequest = (
  | { readonly format: Exclude<OutputFormat, 'stem'>; readonly mixes: readonly StereoMix[]; readonly settings?: EncodeSettings }
  | { readonly format: 'stem'; readonly tracks: readonly (readonly StereoMix[])[]; readonly settings?: EncodeSettings }
) & {
  /** Rendered at a tempo and key (src/core/key-tempo.ts): each track through its own stretch. */
  readonly keyTempo?: KeyTempoRender;
};

/** Key and tempo of an export: the speed the stems play at, and the shift after it. */
export interface KeyTempoRender {
  readonly speed: number;
  readonly shift: PitchShift;
}

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

/** Reads frames [from, from + n) of track `track` of an export (the page's memory, through comlink). */
export type TrackReader = (track: number, from: number, n: number) => Promise<[Float32Array, Float32Array]>;
