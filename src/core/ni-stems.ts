import { Mp4OutputFormat, Output, type Target } from 'mediabunny';
import { ensureEncoder, start, StereoTrackFeed } from './audio-encode.ts';
import type { EncodeSettings } from './output-formats.ts';
import { NI_STEMS, niStemsManifest } from './ni-stems-layout.ts';


/**
 * NI Stems (`.stem.mp4`), the multitrack MP4 that Traktor, Mixxx (2.6+) and djay open as one
 * track with four stems (ni-stems-layout.ts): track 1 the mix (enabled: what an ordinary player
 * plays), tracks 2–5 the stems (disabled), here in AAC-LC, 44.1 kHz stereo, through mediabunny,
 * with the `stem` box in `moov/udta` (ni-stems-lossless.ts writes the ALAC variant).
 */

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
