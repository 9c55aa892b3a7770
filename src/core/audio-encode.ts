import {
  AudioSample,
  AudioSampleSource,
  canEncodeAudio,
  FlacOutputFormat,
  Mp3OutputFormat,
  Mp4OutputFormat,
  Output,
  type AudioCodec,
  type Target,
} from 'mediabunny';
import { CHANNELS, SAMPLE_RATE } from './constants.ts';
import { DemucsError, describeError } from './errors.ts';
import { DEFAULT_BITRATE, type EncodedFormat, type EncodeSettings } from './output-formats.ts';
import { quantise } from './wav.ts';

/**
 * Stereo 44.1 kHz audio encoded as it comes (region by region, memory bounded) into FLAC, MP3
 * or AAC in M4A, through mediabunny's muxers and its WASM encoder packages where the runtime
 * has no encoder of its own (Node always; browsers but for AAC on some systems): libFLAC,
 * LAME and FFmpeg's AAC encoder. The same code serves the CLI (a file) and the browser (OPFS).
 */
const ENCODERS: Record<'flac' | 'mp3' | 'aac', () => Promise<() => void>> = {
  flac: async () => (await import('@mediabunny/flac-encoder')).registerFlacEncoder,
  mp3: async () => (await import('@mediabunny/mp3-encoder')).registerMp3Encoder,
  aac: async () => (await import('@mediabunny/aac-encoder')).registerAacEncoder,
};
const registered = new Map<string, Promise<void>>();

/** Makes `codec` encodable: the runtime's own encoder where it has one, else the WASM package. */
export function ensureEncoder(codec: 'flac' | 'mp3' | 'aac'): Promise<void> {
  let done = registered.get(codec);
  if (!done) {
    done = (async () => {
      if (await canEncodeAudio(codec, { numberOfChannels: CHANNELS, sampleRate: SAMPLE_RATE, bitrate: codec === 'flac' ? undefined : 128000 })) return;
      (await ENCODERS[codec]())();
    })();
    registered.set(codec, done);
  }
  return done;
}

/** One stereo track fed region by region. */
export class StereoTrackFeed {
  readonly source: AudioSampleSource;
  readonly #codec: 'flac' | 'mp3' | 'aac';
  readonly #bits: 16 | 24;
  #frames = 0;
  #clipped = 0;

  constructor(codec: 'flac' | 'mp3' | 'aac', settings: EncodeSettings) {
    this.#codec = codec;
    this.#bits = settings.bits ?? 16;
    const kbps = codec === 'flac' ? undefined : (settings.bitrate ?? DEFAULT_BITRATE[codec]);
    this.source = new AudioSampleSource({ codec: codec as AudioCodec, ...(kbps ? { bitrate: kbps * 1000, bitrateMode: 'constant' as const } : {}) });
  }

  /** Samples beyond ±1 (FLAC: clamped, as WAV does; MP3/AAC: the encoder clips them). */
  get clipped(): number {
    return this.#clipped;
  }

  async append(left: Float32Array, right: Float32Array): Promise<void> {
    const n = left.length;
    if (n === 0) return;
    const sample = this.#sample(left, right);
    try {
      await this.source.add(sample);
    } finally {
      sample.close();
    }
    this.#frames += n;
  }

  #sample(left: Float32Array, right: Float32Array): AudioSample {
    const n = left.length;
    const common = { numberOfChannels: CHANNELS, sampleRate: SAMPLE_RATE, timestamp: this.#frames / SAMPLE_RATE };
    if (this.#codec === 'flac') {
      // Quantised exactly as the WAV writer does, so FLAC holds the WAV's integers.
      if (this.#bits === 16) {
        const data = new Int16Array(CHANNELS * n);
        this.#clipped += quantise(left, data.subarray(0, n), 0, 32768, 1) + quantise(right, data.subarray(n), 0, 32768, 1);
        return new AudioSample({ ...common, data, format: 's16-planar' });
      }
      const data = new Int32Array(CHANNELS * n);
      this.#clipped += quantise(left, data.subarray(0, n), 0, 8388608, 1) + quantise(right, data.subarray(n), 0, 8388608, 1);
      for (let i = 0; i < data.length; i++) data[i] = data[i]! << 8; // 24 bits at the top of s32
      return new AudioSample({ ...common, data, format: 's32-planar' });
    }
    const data = new Float32Array(CHANNELS * n);
    data.set(left);
    data.set(right, n);
    for (let i = 0; i < data.length; i++) if (!(Math.abs(data[i]!) <= 1)) this.#clipped++;
    return new AudioSample({ ...common, data, format: 'f32-planar' });
  }
}

/** An encoded file being written: one stereo track. */
export interface EncodedWriter {
  readonly clipped: number;
  append(left: Float32Array, right: Float32Array): Promise<void>;
  /** Writes the file's end (index, sizes); the length must be complete. */
  finish(): Promise<void>;
  /** Stops and drops what was written. */
  abort(): Promise<void>;
}

const CODEC_OF: Record<EncodedFormat, 'flac' | 'mp3' | 'aac'> = { flac: 'flac', mp3: 'mp3', m4a: 'aac' };

/** Starts writing `format` into `target`. EXPORT when the encoder cannot start. */
export async function openEncoded(format: EncodedFormat, target: Target, settings: EncodeSettings = {}): Promise<EncodedWriter> {
  const codec = CODEC_OF[format];
  await ensureEncoder(codec);
  const container = format === 'flac' ? new FlacOutputFormat() : format === 'mp3' ? new Mp3OutputFormat() : new Mp4OutputFormat({ fastStart: false });
  const output = new Output({ format: container, target });
  const feed = new StereoTrackFeed(codec, settings);
  output.addAudioTrack(feed.source);
  await start(output, format);
  return {
    get clipped() {
      return feed.clipped;
    },
    append: (left, right) => feed.append(left, right),
    finish: () => output.finalize(),
    abort: () => output.cancel(),
  };
}

/** Starts an output; EXPORT naming the format when its encoder cannot start. */
export async function start(output: Output, what: string): Promise<void> {
  try {
    await output.start();
  } catch (error) {
    throw new DemucsError('EXPORT', `the ${what} encoder could not start: ${describeError(error)}`, { cause: error });
  }
}
