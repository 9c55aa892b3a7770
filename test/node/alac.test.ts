import assert from 'node:assert/strict';
import { closeSync, fstatSync, openSync, readSync, createReadStream } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import decodeChunked from 'audio-decode/stream';
import { EncodedPacketSink, FilePathSource, Input, MP4, Logging, LogLevel } from 'mediabunny';
import { AlacDecoder } from '../../src/core/alac-decode.ts';
import { ALAC_FRAME, alacCookie, encodeAlacFrame } from '../../src/core/alac-encode.ts';
import { readIsoStructure } from '../../src/core/iso-boxes.ts';
import { AUDIO } from './helpers.ts';

Logging.level = LogLevel.Errors;

/** Our ALAC decoder (the browser's) on a file's packets: planar channels. */
async function decodeOurs(path: string): Promise<Float32Array[]> {
  const fd = openSync(path, 'r');
  const bytes = { size: fstatSync(fd).size, read: (at: number, n: number) => { const b = new Uint8Array(n); return b.subarray(0, readSync(fd, b, 0, n, at)); } };
  const cookie = readIsoStructure(bytes, path).tracks.find((t) => t.handler === 'soun')!.alacCookie!;
  closeSync(fd);
  const decoder = new AlacDecoder(cookie);
  const input = new Input({ source: new FilePathSource(path), formats: [MP4] });
  const parts: Float32Array[][] = [];
  for await (const packet of new EncodedPacketSink((await input.getPrimaryAudioTrack())!).packets()) parts.push(decoder.decode(packet.data));
  input.dispose();
  return joinParts(parts);
}

/** The CLI's decoder (audio-decode's, an independent implementation). */
async function decodeTheirs(path: string): Promise<Float32Array[]> {
  const parts: Float32Array[][] = [];
  for await (const block of decodeChunked(createReadStream(path), 'm4a')) parts.push(block.channelData);
  return joinParts(parts);
}

function joinParts(parts: Float32Array[][]): Float32Array[] {
  const n = parts.reduce((sum, p) => sum + p[0]!.length, 0);
  return parts[0]!.map((_, c) => {
    const out = new Float32Array(n);
    let at = 0;
    for (const p of parts) {
      out.set(p[c]!, at);
      at += p[c]!.length;
    }
    return out;
  });
}

describe('ALAC decoder (the browser has no other)', () => {
  for (const [file, bits] of [['tone-alac.m4a', 16], ['noise-alac.m4a', 24]] as const) {
    test(`${file} (${bits}-bit): bit-exact to the CLI's independent decoder`, async () => {
      const path = join(AUDIO, file);
      const ours = await decodeOurs(path);
      const theirs = await decodeTheirs(path);
      assert.equal(ours.length, 2);
      assert.equal(ours[0]!.length, theirs[0]!.length);
      assert.ok(ours[0]!.some((v) => v !== 0), 'not silence');
      assert.deepEqual(ours, theirs);
    });
  }

  test('a damaged packet gives AUDIO_DECODE, never a hang or a crash', async () => {
    const path = join(AUDIO, 'noise-alac.m4a');
    const fd = openSync(path, 'r');
    const bytes = { size: fstatSync(fd).size, read: (at: number, n: number) => { const b = new Uint8Array(n); return b.subarray(0, readSync(fd, b, 0, n, at)); } };
    const cookie = readIsoStructure(bytes, path).tracks.find((t) => t.handler === 'soun')!.alacCookie!;
    closeSync(fd);
    const decoder = new AlacDecoder(cookie);
    const packet = Uint8Array.from({ length: 300 }, (_, i) => (i * 73 + 11) & 0xff);
    assert.throws(() => decoder.decode(packet), (e: Error & { code?: string }) => e.code === 'AUDIO_DECODE');
    assert.throws(() => new AlacDecoder(new Uint8Array(10)), (e: Error & { code?: string }) => e.code === 'AUDIO_DECODE');
  });
});

describe('ALAC encoder (lossless NI Stems)', () => {
  for (const bits of [16, 24] as const) {
    for (const channels of [1, 2]) {
      test(`${bits}-bit, ${channels === 1 ? 'mono' : 'stereo'}: our decoder gets every sample back (noise, a tone, silence, full scale, short frames)`, () => {
        const full = 2 ** (bits - 1);
        let seed = 7;
        const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5);
        const N = 3 * ALAC_FRAME + 1234;
        const planes = Array.from({ length: channels }, (_, c) =>
          Int32Array.from({ length: N }, (_, i) => {
            if (i > 5000 && i < 9000) return 0; // a run of zeros across a frame's boundary
            if (i % 3001 === 0) return c ? -full : full - 1;
            return Math.max(-full, Math.min(full - 1, Math.round((0.5 * Math.sin(i * 0.02 * (c + 1)) + 0.2 * random()) * full)));
          }),
        );
        const decoder = new AlacDecoder(alacCookie(bits, channels, 44100));
        let bytes = 0;
        for (let at = 0; at < N; at += ALAC_FRAME) {
          const n = Math.min(ALAC_FRAME, N - at);
          const packet = encodeAlacFrame(planes.map((p) => p.subarray(at, at + n)), n, bits);
          bytes += packet.length;
          const decoded = decoder.decode(packet);
          assert.equal(decoded.length, channels);
          for (const [c, plane] of decoded.entries()) {
            assert.deepEqual(Int32Array.from(plane, (v) => Math.round(v * full)), planes[c]!.subarray(at, at + n), `frame at ${at}, channel ${c}`);
          }
        }
        assert.ok(bytes < (N * channels * bits) / 8, `${bytes} bytes: smaller than the samples`);
      });
    }
  }
});
