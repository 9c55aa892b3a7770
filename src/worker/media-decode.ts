/**
 * The audio of a media container (MP4/M4A/MOV, WebM, Matroska) decoded in the worker, block
 * by block: mediabunny reads the packets lazily from the Blob, the browser's WebCodecs decoder
 * decodes them (AAC, MP3, FLAC, Opus, Vorbis; PCM by mediabunny itself). The encoder's priming
 * (negative timestamps) is dropped, and in MP4/MOV, whose edit list states the length exactly,
 * the padding past the end too.
 */
import { AudioSampleSink } from 'mediabunny';
import { DemucsError } from '../core/errors.ts';
import type { MediaAudio } from '../core/media-probe.ts';
import type { DecodedBlock } from '../core/stereo-decode.ts';

export async function* mediaBlocks(media: MediaAudio, label: string): AsyncGenerator<DecodedBlock> {
  const track = media.track;
  if (!track || !(await track.canDecode())) {
    throw new DemucsError('AUDIO_UNSUPPORTED', `${label} is ${media.container} with ${media.codecName} audio, which this browser cannot decode`);
  }
  const exactEnd = media.duration !== null && media.container !== 'WebM' && media.container !== 'Matroska';
  let next: number | null = null; // the frame the next sample starts at
  let end = Infinity;
  for await (const sample of new AudioSampleSink(track).samples()) {
    try {
      const rate = sample.sampleRate;
      const n = sample.numberOfFrames;
      if (next === null) {
        next = Math.round(sample.timestamp * rate);
        if (exactEnd) end = Math.round(media.duration! * rate);
      }
      const first = next;
      next += n;
      const from = Math.max(0, -first);
      const to = Math.min(n, end - first);
      if (to <= from) continue;
      const channelData: Float32Array[] = [];
      for (let c = 0; c < sample.numberOfChannels; c++) {
        const plane = new Float32Array(n);
        sample.copyTo(plane, { planeIndex: c, format: 'f32-planar' });
        channelData.push(from > 0 || to < n ? plane.subarray(from, to) : plane);
      }
      yield { channelData, sampleRate: rate };
    } finally {
      sample.close();
    }
  }
}
