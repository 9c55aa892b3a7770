/**
 * What each of the element's exports asks of the song controller: the mixes of the stems that
 * make each file, per format. A plain module: the element's export methods call it with its
 * stems and its mix as heard.
 */
import type { EncodeSettings, ExportRequest } from '../../src/core/output-formats.ts';
import { soloMix, type StereoMix } from '../../src/core/mixing.ts';
import { niStemGroups } from '../../src/core/ni-stems-layout.ts';
import type { OutputFormat } from '../../src/core/output-formats.ts';
import type { StemName } from '../../src/core/stems.ts';

/** Settings of an export: FLAC's (and lossless NI Stems') bits, MP3's and AAC's bitrate, NI Stems in ALAC (`lossless`), progress, NI Stems' mix track. */
export interface ExportOptions extends EncodeSettings {
  /** Told the share done (0…1) as the file is written. */
  readonly onProgress?: (fraction: number) => void;
  /**
   * NI Stems' first track, what ordinary players play: the song as its stems rebuild it (all at
   * unity, the default) or the mix as heard (faders, pans, mutes, solos, karaoke, master).
   */
  readonly mix?: 'song' | 'heard';
  /**
   * Rendered at the key and tempo heard (the same stretch, offline): a 60 s song at 75 % makes an
   * 80 s file. Off by default: exports are the stems as separated.
   */
  readonly withKeyAndTempo?: boolean;
}

const UNITY: StereoMix = { ll: 1, rl: 0, lr: 0, rr: 1 };
const SILENT: StereoMix = { ll: 0, rl: 0, lr: 0, rr: 0 };

/** NI Stems' five tracks as mixes of the stems: the mix, then drums, bass, other (with guitar and piano), vocals. */
export function niStemsRequest(stems: readonly StemName[], heard: readonly StereoMix[], options: ExportOptions): ExportRequest {
  const groups = niStemGroups(stems);
  const missing = groups.some((g) => g.length === 0);
  if (missing) throw new Error(`NI Stems need drums, bass, other and vocals; this model has ${stems.join(', ')}`);
  const mix = options.mix === 'heard' ? heard : stems.map(() => UNITY);
  const tracks = [mix, ...groups.map((group) => stems.map((_, s) => (group.includes(s) ? UNITY : SILENT)))];
  return { format: 'stem', tracks, settings: settingsOf(options) };
}

/** Stem `s` alone in a per-stem format. */
export function stemRequest(format: Exclude<OutputFormat, 'stem'>, count: number, s: number, options: ExportOptions): ExportRequest {
  return { format, mixes: soloMix(count, s), settings: settingsOf(options) };
}

export function mixRequest(format: Exclude<OutputFormat, 'stem'>, heard: readonly StereoMix[], options: ExportOptions): ExportRequest {
  return { format, mixes: heard, settings: settingsOf(options) };
}

/** Only the encoder's settings cross to the worker (a callback cannot be copied). */
function settingsOf(options: ExportOptions): EncodeSettings {
  return { ...(options.bits ? { bits: options.bits } : {}), ...(options.bitrate ? { bitrate: options.bitrate } : {}), ...(options.lossless ? { lossless: true } : {}) };
}
