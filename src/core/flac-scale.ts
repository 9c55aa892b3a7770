import type { DecodedBlock } from './stereo-decode.ts';

/**
 * FLAC samples as Demucs reads them. The FLAC decoder audio-decode uses (wasm-audio-decoders)
 * divides b-bit integers by 2^(b-1) - 1; torchaudio, our WAV/AIFF/CAF readers and WebCodecs by
 * 2^(b-1), so a FLAC file and the WAV it was made from gave stems that differed (by 3e-5
 * relative). round(x · (2^(b-1) - 1)) recovers the integer exactly (checked on every 16-bit
 * value and 200 000 random 24-bit ones, extremes included), which is then divided by 2^(b-1).
 */
export async function* exactFlac(blocks: AsyncIterable<DecodedBlock>, bits: number): AsyncGenerator<DecodedBlock> {
  const max = 2 ** (bits - 1) - 1;
  const full = 2 ** (bits - 1);
  for await (const block of blocks) {
    for (const channel of block.channelData) {
      for (let i = 0; i < channel.length; i++) channel[i] = Math.round(channel[i]! * max) / full;
    }
    yield block;
  }
}

export interface StreamInfo {
  readonly bits: number;
  readonly sampleRate: number;
  /** Samples per channel the stream states (0: unknown). */
  readonly frames: number;
}

/** A FLAC STREAMINFO block's body (34 bytes): bits per sample, rate and length. */
export function streamInfo(body: Uint8Array): StreamInfo {
  return {
    bits: (((body[12]! & 1) << 4) | (body[13]! >> 4)) + 1,
    sampleRate: (body[10]! << 12) | (body[11]! << 4) | (body[12]! >> 4),
    frames: (body[13]! & 0x0f) * 2 ** 32 + ((body[14]! << 24) >>> 0) + (body[15]! << 16) + (body[16]! << 8) + body[17]!,
  };
}

/** A FLAC file's STREAMINFO from its head ('fLaC', then STREAMINFO first), or null. */
export function flacFileInfo(head: Uint8Array): StreamInfo | null {
  const tag = String.fromCharCode(...head.subarray(0, 4));
  return tag === 'fLaC' && head.length >= 8 + 34 && (head[4]! & 0x7f) === 0 ? streamInfo(head.subarray(8)) : null;
}
