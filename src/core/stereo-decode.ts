import { CHANNELS, SAMPLE_RATE } from './constants.ts';
import { DemucsError } from './errors.ts';
import { StatsAccumulator, type NormStats } from './normalize.ts';
import { StereoResampler } from './resample.ts';

/** A block of decoded audio: planar channels at the file's rate. */
export interface DecodedBlock {
  readonly channelData: Float32Array[];
  readonly sampleRate: number;
}

export interface StereoTrackInfo {
  /** Frames at 44.1 kHz. */
  readonly frames: number;
  readonly stats: NormStats;
  readonly inputSampleRate: number;
  readonly inputChannels: number;
}

/**
 * Turns a decoder's blocks into what the engine reads, block by block: the first two channels
 * (mono duplicated), resampled to 44.1 kHz (libsamplerate), handed to `write` as interleaved
 * stereo at frame `at`, with the normalisation statistics measured on the way. Memory stays a
 * few blocks, whatever the length. The CLI spools to a file, the browser's worker to OPFS.
 */
export async function decodeStereo(
  blocks: AsyncIterable<DecodedBlock> | Iterable<DecodedBlock>,
  write: (interleaved: Float32Array, at: number) => void,
): Promise<StereoTrackInfo> {
  const stats = new StatsAccumulator();
  let frames = 0;
  let inputSampleRate = 0;
  let inputChannels = 0;
  let resampler: StereoResampler | null = null;
  const take = (interleaved: Float32Array): void => {
    const n = interleaved.length / CHANNELS;
    if (n === 0) return;
    const left = new Float32Array(n);
    const right = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      left[i] = interleaved[2 * i]!;
      right[i] = interleaved[2 * i + 1]!;
    }
    stats.add(left, right, n, frames);
    write(interleaved, frames);
    frames += n;
  };
  for await (const block of blocks) {
    const data = block.channelData;
    if (!inputSampleRate) {
      inputSampleRate = block.sampleRate;
      inputChannels = data.length;
      if (!(inputSampleRate >= 1000 && inputSampleRate <= 768000)) {
        throw new DemucsError('AUDIO_DECODE', `sample rate ${inputSampleRate} Hz is not a usable audio rate`);
      }
      if (inputSampleRate !== SAMPLE_RATE) resampler = await StereoResampler.create(inputSampleRate, SAMPLE_RATE);
    } else if (block.sampleRate !== inputSampleRate) {
      throw new DemucsError('AUDIO_DECODE', `sample rate changes mid-stream (${inputSampleRate} → ${block.sampleRate} Hz)`);
    }
    const interleaved = interleaveStereo(data);
    if (resampler) for (const out of resampler.push(interleaved)) take(out);
    else take(interleaved);
  }
  if (resampler) take(resampler.finish());
  if (frames === 0) throw new DemucsError('AUDIO_EMPTY', 'decodes to no audio samples (empty, truncated or corrupt)');
  return { frames, stats: stats.result(), inputSampleRate, inputChannels };
}

/** First two channels interleaved; mono is duplicated. */
function interleaveStereo(channels: Float32Array[]): Float32Array {
  const left = channels[0]!;
  const right = channels[1] ?? left;
  const out = new Float32Array(CHANNELS * left.length);
  for (let i = 0; i < left.length; i++) {
    out[2 * i] = left[i]!;
    out[2 * i + 1] = right[i]!;
  }
  return out;
}
