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

/** Bits per sample from a FLAC STREAMINFO block's body (34 bytes). */
export function streamInfoBits(body: Uint8Array): number {
  return (((body[12]! & 1) << 4) | (body[13]! >> 4)) + 1;
}

/** Bits per sample of a FLAC file from its head ('fLaC', then STREAMINFO first), or null. */
export function flacFileBits(head: Uint8Array): number | null {
  const tag = String.fromCharCode(...head.subarray(0, 4));
  return tag === 'fLaC' && head.length >= 8 + 34 && (head[4]! & 0x7f) === 0 ? streamInfoBits(head.subarray(8)) : null;
}
