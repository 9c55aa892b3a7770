import { Input, MATROSKA, MP4, QTFF, WEBM, type InputAudioTrack, type Source } from 'mediabunny';
import { DemucsError, describeError, isDemucsError } from './errors.ts';
import { flacFileInfo } from './flac-scale.ts';
import { readIsoStructure, isIsoMedia, type IsoTrack } from './iso-boxes.ts';
import type { ByteSource } from './pcm-blocks.ts';

/**
 * The audio track of a media container (MP4/M4A/MOV, WebM, Matroska), found and named before
 * decoding: mediabunny's demuxers read the container (lazily: a long file's samples are not
 * touched), our box walker (iso-boxes.ts) names what mediabunny does not know (ALAC, encrypted
 * audio, a missing index). Decoding is the host's: the CLI's audio-decode, the worker's
 * WebCodecs.
 */

/** The codecs we decode, by family. */
export type MediaCodec = 'aac' | 'alac' | 'mp3' | 'flac' | 'opus' | 'vorbis' | 'pcm';

export interface MediaAudio {
  /** MP4, M4A, MOV, WebM or Matroska. */
  readonly container: string;
  readonly codec: MediaCodec;
  /** For people: 'AAC', 'ALAC', … */
  readonly codecName: string;
  /** mediabunny's track (for ALAC, whose codec mediabunny does not know, its packets only). */
  readonly track: InputAudioTrack;
  /** FLAC's bits per sample (its decoder's scale needs mending: flac-scale.ts). */
  readonly flacBits: number | null;
  /** ALAC's magic cookie. */
  readonly alacCookie?: Uint8Array;
  readonly sampleRate: number;
  readonly channels: number;
  /** Seconds, as the container states them (before decoding): exact in MP4/MOV. */
  readonly duration: number | null;
  /** Frees the demuxer. */
  dispose(): void;
}

const NAMES: Record<string, string> = {
  aac: 'AAC', alac: 'ALAC', mp3: 'MP3', flac: 'FLAC', opus: 'Opus', vorbis: 'Vorbis', pcm: 'PCM',
  ac3: 'AC-3', eac3: 'E-AC-3', dts: 'DTS', 'ac-3': 'AC-3', 'ec-3': 'E-AC-3', 'ac-4': 'AC-4', samr: 'AMR', sawb: 'AMR-WB',
};
const SUPPORTED = 'AAC, ALAC, MP3, FLAC, Opus, Vorbis, PCM';

function family(codec: string | null): MediaCodec | null {
  if (codec === 'aac' || codec === 'mp3' || codec === 'flac' || codec === 'opus' || codec === 'vorbis') return codec;
  if (codec && (codec.startsWith('pcm-') || codec === 'ulaw' || codec === 'alaw')) return 'pcm';
  return null;
}

/**
 * Opens `source` (whose bytes `bytes` also reads) and returns its first audio track. Errors,
 * each naming the container: AUDIO_DECODE for a damaged or cut-short file, AUDIO_EMPTY for one
 * without audio, AUDIO_UNSUPPORTED for encrypted audio or a codec we do not decode.
 */
export async function probeMedia(source: Source, bytes: ByteSource, label: string): Promise<MediaAudio> {
  const head = bytes.read(0, 16);
  const iso = isIsoMedia(head) ? readIsoStructure(bytes, label) : null;
  let container = iso?.container ?? 'Matroska';
  const isoAudio = iso?.tracks.find((t) => t.handler === 'soun');
  if (isoAudio) refuseEncrypted(isoAudio, container, label);
  const input = new Input({ source, formats: [MP4, QTFF, WEBM, MATROSKA] });
  try {
    if (!iso) container = (await input.getFormat()) === WEBM ? 'WebM' : 'Matroska';
    const track = await input.getPrimaryAudioTrack();
    if (!track) {
      const video = iso ? iso.tracks.some((t) => t.handler === 'vide') : (await input.getPrimaryVideoTrack()) !== null;
      throw new DemucsError('AUDIO_EMPTY', `${label} is ${article(container)} ${container}${video ? ' video' : ''} file with no audio track`);
    }
    const codec = isoAudio?.entry === 'alac' ? 'alac' : family(track.codec);
    if (!codec) {
      const name = NAMES[track.codec ?? isoAudio?.entry ?? ''] ?? (isoAudio ? `'${isoAudio.entry}'` : 'an unknown codec');
      throw new DemucsError('AUDIO_UNSUPPORTED', `${label} is ${article(container)} ${container} file with ${name} audio, which is not supported; supported in ${container}: ${SUPPORTED}`);
    }
    // MP4's edit list states the length exactly (the worker trims to it); Matroska's Segment
    // Duration is the stated length there (its last block's end can fall short of it).
    const duration = await (iso ? track.computeDuration() : input.getDurationFromMetadata()).catch(() => null);
    const description = codec === 'flac' ? (await track.getDecoderConfig())?.description : undefined;
    return {
      container,
      codec,
      codecName: NAMES[codec]!,
      track,
      flacBits: description ? (flacFileInfo(bytesOf(description))?.bits ?? null) : null,
      alacCookie: isoAudio?.alacCookie,
      sampleRate: track.sampleRate,
      channels: track.numberOfChannels,
      duration: duration && Number.isFinite(duration) && duration > 0 ? duration : null,
      dispose: () => input.dispose(),
    };
  } catch (error) {
    input.dispose();
    if (isDemucsError(error)) throw error;
    throw new DemucsError('AUDIO_DECODE', `${label} is not a readable ${container} file: ${describeError(error)}`, { cause: error });
  }
}

function bytesOf(source: ArrayBufferLike | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : new Uint8Array(source);
}

function refuseEncrypted(track: IsoTrack, container: string, label: string): void {
  if (track.entry === 'enca' || track.entry === 'drms') {
    throw new DemucsError('AUDIO_UNSUPPORTED', `${label} is ${article(container)} ${container} file with encrypted (DRM-protected) audio, as in iTunes M4P files; it cannot be decoded`);
  }
}

/** 'an MP4', 'an M4A', 'a MOV', 'a WebM', 'a Matroska'. */
const article = (container: string): string => (container === 'MP4' || container === 'M4A' ? 'an' : 'a');
