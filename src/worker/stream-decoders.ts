/**
 * Streaming decoders of the formats the worker decodes itself: the WASM decoders audio-decode
 * uses (as the CLI does), imported one by one so that a browser bundle holds these four and
 * not the registry's long tail of optional formats.
 */
import type { DecodedBlock } from '../core/stereo-decode.ts';

type Decoded = { channelData: Float32Array[]; sampleRate: number; samplesDecoded?: number };

/** Some decoders answer at once, others with a promise. */
interface Codec {
  decode(data: Uint8Array): Decoded | Promise<Decoded>;
  flush?(): Decoded | Promise<Decoded>;
  free?(): void;
}

const DECODERS = {
  flac: () => import('@audio/decode-flac'),
  mp3: () => import('@audio/decode-mp3'),
  opus: () => import('@audio/decode-opus'),
  oga: () => import('@audio/decode-vorbis'),
};

export type StreamedFormat = keyof typeof DECODERS;

/** A decoder's result as a block, or null when it holds no samples yet. */
function block(r: Decoded | undefined): DecodedBlock | null {
  if (!r?.channelData?.length) return null;
  const n = r.samplesDecoded ?? r.channelData[0]!.length;
  if (n === 0) return null;
  return { channelData: n < r.channelData[0]!.length ? r.channelData.map((c) => c.subarray(0, n)) : r.channelData, sampleRate: r.sampleRate };
}

/** Decoded blocks of an encoded stream, as they come. */
export async function* decodeStream(stream: ReadableStream<Uint8Array>, format: StreamedFormat): AsyncGenerator<DecodedBlock> {
  const codec = (await (await DECODERS[format]()).decoder()) as unknown as Codec;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const decoded = block(await codec.decode(value));
      if (decoded) yield decoded;
    }
    const last = block(await codec.flush?.());
    if (last) yield last;
  } finally {
    reader.releaseLock();
    codec.free?.();
  }
}
