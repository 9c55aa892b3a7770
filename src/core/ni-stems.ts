import { Mp4OutputFormat, Output, type Target } from 'mediabunny';
import { ensureEncoder, start, StereoTrackFeed, type EncodeSettings } from './audio-encode.ts';
import { STEM_COLORS, type StemName } from './stems.ts';

/**
 * NI Stems (`.stem.mp4`), the multitrack MP4 that Traktor, Mixxx (2.6+) and djay open as one
 * track with four stems: track 1 the mix (enabled: what an ordinary player plays), tracks 2–5
 * the stems (disabled), AAC-LC, 44.1 kHz stereo, and a `stem` box in `moov/udta` holding NI's
 * JSON: format version 1, the mastering DSP (compressor and limiter, both off: the stems are
 * played as separated) and each stem's name and colour in track order.
 *
 * NI Stems hold exactly four stems: a six-stem model's guitar and piano are folded into
 * "other" (`niStemGroups`).
 */

/** The four stems of the format, in track order. */
export const NI_STEMS = ['drums', 'bass', 'other', 'vocals'] as const;

/** Which of `stems` add up into each NI stem (guitar and piano into "other"). */
export function niStemGroups(stems: readonly StemName[]): number[][] {
  return NI_STEMS.map((ni) => {
    const own = stems.indexOf(ni);
    const folded = ni === 'other' ? stems.flatMap((s, k) => (s === 'guitar' || s === 'piano' ? [k] : [])) : [];
    return own < 0 ? folded : [own, ...folded];
  });
}

/** The JSON of the `stem` box, as NI's format defines it. */
export function niStemsManifest(): string {
  return JSON.stringify({
    version: 1,
    mastering_dsp: {
      compressor: { enabled: false, ratio: 3, output_gain: 0.5, release: 0.3, attack: 0.003, input_gain: 0.5, threshold: 0, hp_cutoff: 300, dry_wet: 50 },
      limiter: { enabled: false, release: 0.05, threshold: 0, ceiling: -0.35 },
    },
    stems: NI_STEMS.map((name) => ({ name: name[0]!.toUpperCase() + name.slice(1), color: STEM_COLORS[name] })),
  });
}

/** A `.stem.mp4` being written: the mix and the four stems, region by region, in step. */
export interface NiStemsWriter {
  readonly clipped: number;
  /** Frames [at, at + n) of the mix and of the four NI stems (each [left, right]). */
  append(mix: [Float32Array, Float32Array], stems: [Float32Array, Float32Array][]): Promise<void>;
  finish(): Promise<void>;
  abort(): Promise<void>;
}

export async function openNiStems(target: Target, settings: EncodeSettings = {}): Promise<NiStemsWriter> {
  await ensureEncoder('aac');
  const output = new Output({ format: new Mp4OutputFormat({ fastStart: false, metadataFormat: 'udta' }), target });
  // The manifest is ASCII (names and colours), so its bytes are its character codes.
  output.setMetadataTags({ raw: { stem: Uint8Array.from(niStemsManifest(), (c) => c.charCodeAt(0)) } });
  const feeds = Array.from({ length: 1 + NI_STEMS.length }, () => new StereoTrackFeed('aac', settings));
  feeds.forEach((feed, k) => output.addAudioTrack(feed.source, { disposition: { default: k === 0 }, name: k === 0 ? 'Mix' : NI_STEMS[k - 1] }));
  await start(output, 'NI Stems');
  return {
    get clipped() {
      return feeds.reduce((n, f) => n + f.clipped, 0);
    },
    async append(mix, stems) {
      await Promise.all([mix, ...stems].map(([left, right], k) => feeds[k]!.append(left, right)));
    },
    finish: () => output.finalize(),
    abort: () => output.cancel(),
  };
}
