/** Any file the browser can decode, at 44.1 kHz (decodeAudioData resamples to the context's rate). */
import { SAMPLE_RATE } from '../../src/core/constants.ts';
import { DemucsError } from '../../src/core/errors.ts';
import { SNIFF_BYTES, sniffSong } from '../../src/core/song-format.ts';

/**
 * The longest song file mode takes (seconds). It holds the decoded song and its stems in the
 * page's memory, about 2 MB per second of song with four stems: 20 minutes is about 2.5 GB,
 * beside the model's 3 GB in the worker. Longer songs are refused with AUDIO_TOO_LONG before
 * they take the tab down.
 */
export const MAX_SONG_SECONDS = 20 * 60;

const tooLong = (label: string, seconds: number, limit: number) =>
  new DemucsError('AUDIO_TOO_LONG', `${label} lasts ${(seconds / 60).toFixed(1)} minutes: the mixer separates songs up to ${+(limit / 60).toFixed(2)} minutes (the CLI has no limit)`);

/** A WAV file's duration from its header (null when it is not a WAV or does not say). */
function wavSeconds(bytes: ArrayBuffer): number | null {
  if (bytes.byteLength < 12) return null;
  const v = new DataView(bytes);
  const tag = (at: number) => String.fromCharCode(v.getUint8(at), v.getUint8(at + 1), v.getUint8(at + 2), v.getUint8(at + 3));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') return null;
  let byteRate = 0;
  for (let at = 12; at + 8 <= bytes.byteLength; ) {
    const id = tag(at);
    const size = v.getUint32(at + 4, true);
    if (id === 'fmt ' && at + 20 <= bytes.byteLength) byteRate = v.getUint32(at + 16, true);
    // 0xFFFFFFFF (or 0) is a streaming writer's "unknown": the decoded length will tell.
    if (id === 'data') return byteRate > 0 && size > 0 && size < 0xffffffff ? size / byteRate : null;
    at += 8 + size + (size & 1);
  }
  return null;
}

export interface DecodedTrack {
  readonly left: Float32Array;
  readonly right: Float32Array;
  readonly channels: number;
}

/**
 * Decodes to an AudioBuffer at 44.1 kHz; fails with AUDIO_EMPTY, AUDIO_DECODE, or AUDIO_TOO_LONG
 * past `maxSeconds` (a WAV's header is believed before decoding; other formats tell once decoded).
 */
export async function decodeBuffer(
  bytes: ArrayBuffer,
  label = 'the file',
  context: BaseAudioContext = new OfflineAudioContext(2, 1, SAMPLE_RATE),
  maxSeconds = Infinity,
): Promise<AudioBuffer> {
  if (bytes.byteLength === 0) throw new DemucsError('AUDIO_EMPTY', `${label} is empty`);
  const declared = wavSeconds(bytes);
  if (declared !== null && declared > maxSeconds) throw tooLong(label, declared, maxSeconds);
  let buffer: AudioBuffer;
  try {
    buffer = await context.decodeAudioData(bytes);
  } catch (error) {
    throw new DemucsError('AUDIO_DECODE', `${label} cannot be decoded as audio (${(error as Error).message || 'unknown format'})`);
  }
  if (buffer.length === 0) throw new DemucsError('AUDIO_EMPTY', `${label} holds no audio samples`);
  if (buffer.duration > maxSeconds) throw tooLong(label, buffer.duration, maxSeconds);
  return buffer;
}

/** Stereo float32 copies of a decoded file (mono duplicated, channels past two dropped), to hand to the worker. */
export async function decodeToStereo(bytes: ArrayBuffer, label = 'the file', maxSeconds = MAX_SONG_SECONDS): Promise<DecodedTrack> {
  const buffer = await decodeBuffer(bytes, label, undefined, maxSeconds);
  const left = buffer.getChannelData(0).slice();
  const right = buffer.numberOfChannels > 1 ? buffer.getChannelData(1).slice() : left.slice();
  return { left, right, channels: buffer.numberOfChannels };
}

/** Whether a file starts like a format the worker reads (so its refusal named the codec). */
export async function isKnownFormat(song: Blob): Promise<boolean> {
  return !('unsupported' in sniffSong(new Uint8Array(await song.slice(0, SNIFF_BYTES).arrayBuffer())));
}
