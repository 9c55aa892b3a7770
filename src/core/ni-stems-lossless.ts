import { ALAC_FRAME, alacCookie, encodeAlacFrame } from './alac-encode.ts';
import { CHANNELS, SAMPLE_RATE } from './constants.ts';
import { alacSampleEntry, box, Mp4Writer, type ByteSink } from './mp4-writer.ts';
import { NI_STEMS, niStemsManifest } from './ni-stems-layout.ts';
import type { NiStemsWriter } from './ni-stems.ts';
import { quantise } from './wav.ts';

/**
 * Lossless NI Stems: the same five tracks and `stem` box as ni-stems.ts, in ALAC (16 or 24
 * bits, quantised as WAV is) through our encoder and MP4 writer, since no encoder package offers
 * ALAC. Samples are gathered into whole ALAC frames (4096 samples); each frame is written as a
 * chunk of every track in turn, so the five stay interleaved in the file.
 */
export function openLosslessNiStems(sink: ByteSink, bits: 16 | 24 = 16): NiStemsWriter {
  const full = 2 ** (bits - 1);
  const cookie = alacCookie(bits, CHANNELS, SAMPLE_RATE);
  const tracks = Array.from({ length: 1 + NI_STEMS.length }, (_, k) => ({ sampleEntry: alacSampleEntry(cookie, CHANNELS, bits, SAMPLE_RATE), enabled: k === 0 }));
  const mp4 = new Mp4Writer(sink, tracks, SAMPLE_RATE);
  // Per track, the samples of a frame not yet full.
  const pending = tracks.map(() => [new Int32Array(ALAC_FRAME), new Int32Array(ALAC_FRAME)] as const);
  let filled = 0;
  let clipped = 0;

  const flush = (n: number) => {
    pending.forEach((planes, k) => mp4.addChunk(k, [encodeAlacFrame(planes.map((p) => p.subarray(0, n)), n, bits)], [n]));
    filled = 0;
  };
  return {
    get clipped() {
      return clipped;
    },
    async append(mix, stems) {
      const all = [mix, ...stems];
      const length = mix[0].length;
      for (let from = 0; from < length; ) {
        const n = Math.min(ALAC_FRAME - filled, length - from);
        all.forEach(([left, right], k) => {
          const [l, r] = pending[k]!;
          clipped += quantise(left.subarray(from, from + n), l.subarray(filled, filled + n), 0, full, 1);
          clipped += quantise(right.subarray(from, from + n), r.subarray(filled, filled + n), 0, full, 1);
        });
        filled += n;
        from += n;
        if (filled === ALAC_FRAME) flush(ALAC_FRAME);
      }
    },
    async finish() {
      if (filled > 0) flush(filled);
      mp4.finish([box('stem', Uint8Array.from(niStemsManifest(), (c) => c.charCodeAt(0)))]);
    },
    async abort() {
      filled = 0;
    },
  };
}
