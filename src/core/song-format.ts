import getType from 'audio-type';
import { isAiff } from './aiff-decode.ts';
import { isCaf } from './caf-decode.ts';
import { isIsoMedia } from './iso-boxes.ts';
import { isWav } from './wav-decode.ts';

/**
 * What a song file is, from its first bytes, and which reader takes it: our own readers for
 * uncompressed containers, audio-decode's streaming decoders for FLAC, MP3 and Ogg, the media
 * probe (media-probe.ts) for MP4/M4A/MOV, WebM and Matroska. The CLI and the worker decide
 * alike.
 */
export type SongFormat = 'wav' | 'aiff' | 'caf' | 'flac' | 'mp3' | 'oga' | 'opus' | 'media';

/** Formats decoded block by block by audio-decode, as its format names go. */
export type CodecStreamFormat = 'flac' | 'mp3' | 'oga' | 'opus';

const NAMES: Record<Exclude<SongFormat, 'media'>, string> = {
  wav: 'WAV', aiff: 'AIFF', caf: 'CAF', flac: 'FLAC', mp3: 'MP3', oga: 'Ogg Vorbis', opus: 'Ogg Opus',
};

/** Every input, for messages and the README. */
export const SUPPORTED_INPUTS =
  'WAV, AIFF/AIFC, CAF (PCM), FLAC, MP3, Ogg Vorbis, Ogg Opus, MP4/M4A/MOV (AAC, ALAC, MP3, FLAC, Opus, PCM), WebM/Matroska (Opus, Vorbis, FLAC, AAC, MP3)';

/** Bytes read to tell the format. */
export const SNIFF_BYTES = 4096;

export interface Sniffed {
  readonly format: SongFormat;
  /** The format for people; for media containers the probe names container and codec. */
  readonly name: string;
}

/** The format of a file starting with `head`, or the reason it is not one we read. */
export function sniffSong(head: Uint8Array): Sniffed | { readonly unsupported: string } {
  if (isWav(head)) return { format: 'wav', name: NAMES.wav };
  if (isAiff(head)) return { format: 'aiff', name: NAMES.aiff };
  if (isCaf(head)) return { format: 'caf', name: NAMES.caf };
  if (isIsoMedia(head) || isMatroska(head)) return { format: 'media', name: 'media' };
  const type = getType(head);
  if (type === 'flac' || type === 'mp3' || type === 'oga' || type === 'opus') return { format: type, name: NAMES[type] };
  return { unsupported: type ? `${type} audio, which is not supported` : 'not a recognised audio format' };
}

/** An EBML header: WebM or Matroska (the probe tells which from its doctype). */
function isMatroska(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3;
}

export function unsupportedMessage(what: string): string {
  return `is ${what}; supported: ${SUPPORTED_INPUTS}`;
}
