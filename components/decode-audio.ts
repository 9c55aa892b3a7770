/** Any file the browser can decode, at 44.1 kHz (decodeAudioData resamples to the context's rate). */
import { SAMPLE_RATE } from '../src/core/constants.ts';
import { DemucsError } from '../src/core/errors.ts';

export interface DecodedTrack {
  readonly left: Float32Array;
  readonly right: Float32Array;
  readonly channels: number;
}

/** Decodes to an AudioBuffer at 44.1 kHz; fails with AUDIO_EMPTY or AUDIO_DECODE. */
export async function decodeBuffer(bytes: ArrayBuffer, label = 'the file', context: BaseAudioContext = new OfflineAudioContext(2, 1, SAMPLE_RATE)): Promise<AudioBuffer> {
  if (bytes.byteLength === 0) throw new DemucsError('AUDIO_EMPTY', `${label} is empty`);
  let buffer: AudioBuffer;
  try {
    buffer = await context.decodeAudioData(bytes);
  } catch (error) {
    throw new DemucsError('AUDIO_DECODE', `${label} cannot be decoded as audio (${(error as Error).message || 'unknown format'})`);
  }
  if (buffer.length === 0) throw new DemucsError('AUDIO_EMPTY', `${label} holds no audio samples`);
  return buffer;
}

/** Stereo float32 copies of a decoded file (mono duplicated, channels past two dropped), to hand to the worker. */
export async function decodeToStereo(bytes: ArrayBuffer, label = 'the file'): Promise<DecodedTrack> {
  const buffer = await decodeBuffer(bytes, label);
  const left = buffer.getChannelData(0).slice();
  const right = buffer.numberOfChannels > 1 ? buffer.getChannelData(1).slice() : left.slice();
  return { left, right, channels: buffer.numberOfChannels };
}
