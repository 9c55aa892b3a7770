/** Any file the browser can decode, as 44.1 kHz stereo float32 (decodeAudioData resamples). */
import { SAMPLE_RATE } from '../src/core/constants.ts';
import { DemucsError } from '../src/core/errors.ts';

export interface DecodedTrack {
  readonly left: Float32Array;
  readonly right: Float32Array;
  readonly channels: number;
}

export async function decodeToStereo(bytes: ArrayBuffer, label = 'the file'): Promise<DecodedTrack> {
  if (bytes.byteLength === 0) throw new DemucsError('AUDIO_EMPTY', `${label} is empty`);
  const context = new OfflineAudioContext(2, 1, SAMPLE_RATE);
  let buffer: AudioBuffer;
  try {
    buffer = await context.decodeAudioData(bytes);
  } catch (error) {
    throw new DemucsError('AUDIO_DECODE', `${label} cannot be decoded as audio (${(error as Error).message || 'unknown format'})`);
  }
  if (buffer.length === 0) throw new DemucsError('AUDIO_EMPTY', `${label} holds no audio samples`);
  const left = buffer.getChannelData(0).slice();
  const right = buffer.numberOfChannels > 1 ? buffer.getChannelData(1).slice() : left.slice();
  return { left, right, channels: buffer.numberOfChannels };
}
