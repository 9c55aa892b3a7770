/**
 * The audio of a media container (MP4/M4A/MOV, WebM, Matroska) decoded in the worker, block
 * by block: mediabunny reads the packets lazily from the Blob, the browser's WebCodecs decoder
 * decodes them (AAC, MP3, FLAC, Opus, Vorbis; PCM by mediabunny itself), and ALAC, which
 * WebCodecs lacks, our decoder (src/core/alac-decode.ts). The encoder's priming (negative
 * timestamps) is dropped, and in MP4/MOV, whose edit list states the length exactly, the
 * padding past the end too.
 */
import { AudioSampleSink, EncodedPacketSink } from 'mediabunny';
import { AlacDecoder } from '../core/alac-decode.ts';
import { DemucsError } from '../core/errors.ts';
import type { MediaAudio } from '../core/media-probe.ts';
import type { DecodedBlock } from '../core/stereo-decode.ts';

/** Decoded audio as it comes: its start time in seconds and its planes. */
interface Timed {
  readonly timestamp: number;
  readonly sampleRate: number;
  readonly planes: Float32Array[];
}

export async function* mediaBlocks(media: MediaAudio, label: string): AsyncGenerator<DecodedBlock> {
  const exactEnd = media.duration !== null && media.container !== 'WebM' && media.container !== 'Matroska';
  let next: number | null = null; // the frame the next block starts at
  let end = Infinity;
  for await (const block of media.codec === 'alac' ? alacBlocks(media) : webCodecsBlocks(media, label)) {
    const rate = block.sampleRate;
    const frames = block.planes[0]!.length;
    if (next === null) {
      next = Math.round(block.timestamp * rate);
      if (exactEnd) end = Math.round(media.duration! * rate);
    }
    const first = next;
    next += frames;
    const from = Math.max(0, -first);
    const to = Math.min(frames, end - first);
    if (to <= from) continue;
    yield { channelData: from > 0 || to < frames ? block.planes.map((p) => p.subarray(from, to)) : block.planes, sampleRate: rate };
  }
}

async function* webCodecsBlocks(media: MediaAudio, label: string): AsyncGenerator<Timed> {
  if (!(await media.track.canDecode())) {
    throw new DemucsError('AUDIO_UNSUPPORTED', `${label}: this browser cannot decode its ${media.codecName} audio (${media.container})`);
  }
  for await (const sample of new AudioSampleSink(media.track).samples()) {
    try {
      const planes = Array.from({ length: sample.numberOfChannels }, (_, c) => {
        const plane = new Float32Array(sample.numberOfFrames);
        sample.copyTo(plane, { planeIndex: c, format: 'f32-planar' });
        return plane;
      });
      yield { timestamp: sample.timestamp, sampleRate: sample.sampleRate, planes };
    } finally {
      sample.close();
    }
  }
}

async function* alacBlocks(media: MediaAudio): AsyncGenerator<Timed> {
  if (!media.alacCookie) throw new DemucsError('AUDIO_DECODE', 'the ALAC track has no configuration (its magic cookie)');
  const decoder = new AlacDecoder(media.alacCookie);
  for await (const packet of new EncodedPacketSink(media.track).packets()) {
    const planes = decoder.decode(packet.data);
    if (planes.length) yield { timestamp: packet.timestamp, sampleRate: media.sampleRate, planes };
  }
}
