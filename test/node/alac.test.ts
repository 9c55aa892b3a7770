import assert from 'node:assert/strict';
import { closeSync, fstatSync, openSync, readSync, createReadStream } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import decodeChunked from 'audio-decode/stream';
import { EncodedPacketSink, FilePathSource, Input, MP4, Logging, LogLevel } from 'mediabunny';
import { AlacDecoder } from '../../src/core/alac-decode.ts';
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
