import { executeServerCommand } from '@web/test-runner-commands';
import type { DemucsMixer } from '../../components/index.ts';
import { alignedSnr } from '../../src/core/metrics.ts';
import { planar as interleavedToPlanar } from '../node/interleaved.ts';
import { deepEqual, equal, ok } from './assert.ts';
import { MODELS, wavFile } from './helpers.ts';
import { testMixer } from './mixer-helpers.ts';
import { mixerAssets } from '../../components/clients/assets.ts';
import { StemStoreClient } from '../../components/clients/stem-store-client.ts';

/**
 * The mixer's exports in every format (issue 19), read back by Debian's ffmpeg through the test
 * server: FLAC bit-exact to WAV at its depth, MP3 and AAC within their codec's error (SNR after
 * aligning the encoder's delay), NI Stems with five tracks, their dispositions, the `stem` box
 * and each track's stem. wave4's stems are gains 1, 0.5, −0.25, 2 of the mix.
 */
const N = 2 * 44100;

function chord(): [Float32Array, Float32Array] {
  const at = (i: number, f: number[]) => f.reduce((s, hz) => s + Math.sin((2 * Math.PI * hz * i) / 44100), 0) / f.length;
  return [
    Float32Array.from({ length: N }, (_, i) => 0.25 * at(i, [220, 277.2, 329.6])),
    Float32Array.from({ length: N }, (_, i) => 0.25 * at(i, [165, 246.9, 392])),
  ];
}

interface Read {
  streams: { codec_name: string; disposition: { default: number }; bits_per_raw_sample?: string }[];
  samples: (string | null)[];
  error?: string;
}

async function ffmpegRead(blob: Blob, name: string, sampleFormat: 'f32' | 's16' | 's32' = 'f32'): Promise<Read> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const read = (await executeServerCommand('ffmpeg-read', { file: btoa(binary), name, sampleFormat })) as Read;
  ok(!read.error, read.error ?? '');
  return read;
}

/** Interleaved samples (base64) as planar [left, right]. */
function planar(b64: string, kind: 'f32' | 's16' | 's32'): [Float32Array | Int16Array | Int32Array, Float32Array | Int16Array | Int32Array] {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return interleavedToPlanar(kind === 'f32' ? new Float32Array(bytes.buffer) : kind === 's16' ? new Int16Array(bytes.buffer) : new Int32Array(bytes.buffer));
}

describe('exports in every format, read back by ffmpeg', function () {
  this.timeout(300000);
  let el: DemucsMixer;
  let f32: Record<string, Blob>;
  const reference = async (stem: string) => planar((await ffmpegRead(f32[stem]!, `${stem}.wav`)).samples[0]!, 'f32') as [Float32Array, Float32Array];

  before(async () => {
    el = await testMixer();
    await el.loadModel(`${MODELS}/wave4.onnx`);
    await el.load(wavFile(...chord()));
    f32 = await el.exportStems('f32');
  });
  after(() => el.remove());

  it('flac, 16 and 24 bits: bit-exact to the WAV of the same depth', async () => {
    for (const bits of [16, 24] as const) {
      const flac = await el.exportStems('flac', { bits });
      const wav = await el.exportStems(bits === 16 ? 'wav16' : 'wav24');
      const kind = bits === 16 ? 's16' : 's32';
      for (const stem of el.stems) {
        const read = await ffmpegRead(flac[stem]!, `${stem}.flac`, kind);
        equal(read.streams[0]!.codec_name, 'flac');
        equal(read.streams[0]!.bits_per_raw_sample, String(bits));
        deepEqual(planar(read.samples[0]!, kind), planar((await ffmpegRead(wav[stem]!, `${stem}.wav`, kind)).samples[0]!, kind), `${stem} at ${bits} bits`);
      }
    }
  });

  it('mp3 (320 kbit/s) and m4a (AAC-LC, 256 kbit/s): each stem above 30 dB SNR, progress told up to 1', async () => {
    for (const [format, codec] of [['mp3', 'mp3'], ['m4a', 'aac']] as const) {
      const told: number[] = [];
      const files = await el.exportStems(format, { onProgress: (f) => told.push(f) });
      ok(told.length >= el.stems.length && told.at(-1) === 1 && told.every((f, i) => i === 0 || f >= told[i - 1]!), `progress ${told.join(' ')}`);
      for (const stem of el.stems) {
        const read = await ffmpegRead(files[stem]!, `${stem}.${format}`);
        equal(read.streams[0]!.codec_name, codec);
        const { snr } = alignedSnr(await reference(stem), planar(read.samples[0]!, 'f32') as Float32Array[]);
        ok(snr > 30, `${format} ${stem}: SNR ${snr.toFixed(1)} dB`);
      }
    }
  });

  it('NI Stems: five AAC tracks (the mix enabled), the stem box, each track its stem; the mix as heard on request', async () => {
    const file = await el.exportNiStems();
    const read = await ffmpegRead(file, 'song.stem.mp4');
    deepEqual(read.streams.map((s) => [s.codec_name, s.disposition.default]), [['aac', 1], ['aac', 0], ['aac', 0], ['aac', 0], ['aac', 0]]);
    const text = new TextDecoder('latin1').decode(new Uint8Array(await file.arrayBuffer()));
    const at = text.indexOf('stem{');
    ok(at > 0, 'a stem box');
    const json = JSON.parse(text.slice(at + 4, text.indexOf('}]}', at) + 3));
    equal(json.version, 1);
    deepEqual(json.stems.map((s: { name: string }) => s.name), ['Drums', 'Bass', 'Other', 'Vocals']);
    for (const [k, stem] of ['drums', 'bass', 'other', 'vocals'].entries()) {
      const { snr } = alignedSnr(await reference(stem), planar(read.samples[k + 1]!, 'f32') as Float32Array[]);
      ok(snr > 30, `track ${k + 2} (${stem}): SNR ${snr.toFixed(1)} dB`);
    }
    // The song as the stems rebuild it (their sum), and the mix as heard with the vocals muted.
    const stems = await Promise.all(el.stems.map(reference));
    const sum = (without: number) => [0, 1].map((c) => stems[0]![c]!.map((_, i) => stems.reduce((t, s, k) => (k === without ? t : t + s[c]![i]!), 0)));
    const song = alignedSnr(sum(-1), planar(read.samples[0]!, 'f32') as Float32Array[]).snr;
    ok(song > 30, `the mix track is the song: SNR ${song.toFixed(1)} dB`);
    el.setMute('vocals', true);
    const heard = await ffmpegRead(await el.exportMix('stem'), 'heard.stem.mp4');
    el.setMute('vocals', false);
    const muted = alignedSnr(sum(3), planar(heard.samples[0]!, 'f32') as Float32Array[]).snr;
    ok(muted > 30, `the mix track as heard (vocals muted): SNR ${muted.toFixed(1)} dB`);
  });

  it('NI Stems, lossless: five ALAC tracks, each stem bit-exact to its 24-bit WAV', async () => {
    const read = await ffmpegRead(await el.exportNiStems({ lossless: true, bits: 24 }), 'lossless.stem.mp4', 's32');
    deepEqual(read.streams.map((s) => [s.codec_name, s.bits_per_raw_sample, s.disposition.default]), [['alac', '24', 1], ['alac', '24', 0], ['alac', '24', 0], ['alac', '24', 0], ['alac', '24', 0]]);
    const wav = await el.exportStems('wav24');
    for (const [k, stem] of ['drums', 'bass', 'other', 'vocals'].entries()) {
      deepEqual(planar(read.samples[k + 1]!, 's32'), planar((await ffmpegRead(wav[stem]!, `${stem}.wav`, 's32')).samples[0]!, 's32'), stem);
    }
  });
});

describe('exports of stems kept in memory (their files could not be opened)', function () {
  this.timeout(120000);

  it('the store\'s worker pulls each piece from the page and encodes it: MP3 and lossless NI Stems read back by ffmpeg', async () => {
    const store = StemStoreClient.create(mixerAssets(null).stemStore)!;
    try {
      const [left, right] = chord();
      const unity = { ll: 1, rl: 0, lr: 0, rr: 1 };
      const asked: number[] = [];
      const read = (track: number, from: number, n: number): [Float32Array, Float32Array] => {
        asked.push(track);
        // Track k: the chord at gain (k + 1) / 5.
        return [left.subarray(from, from + n).map((v) => (v * (track + 1)) / 5), right.subarray(from, from + n).map((v) => (v * (track + 1)) / 5)];
      };
      const mp3 = await ffmpegRead(await store.exportFromPage({ format: 'mp3', mixes: [unity] }, N, read), 'memory.mp3');
      const { snr } = alignedSnr([left.map((v) => v / 5), right.map((v) => v / 5)], planar(mp3.samples[0]!, 'f32') as Float32Array[]);
      ok(snr > 30, `mp3 from memory: SNR ${snr.toFixed(1)} dB`);
      asked.length = 0;
      const tracks = [0, 1, 2, 3, 4].map(() => [unity]);
      const ni = await ffmpegRead(await store.exportFromPage({ format: 'stem', tracks, settings: { lossless: true } }, N, read), 'memory.stem.mp4', 's16');
      deepEqual(new Set(asked), new Set([0, 1, 2, 3, 4]), 'every track pulled');
      equal(ni.streams.length, 5);
      for (let k = 0; k < 5; k++) {
        const [l] = planar(ni.samples[k]!, 's16');
        // What the page handed over (float32), quantised as WAV is: half away from zero.
        const expected = Int16Array.from(left, (v) => {
          const x = Math.fround((v * (k + 1)) / 5) * 32768;
          return x < 0 ? Math.trunc(x - 0.5) : Math.trunc(x + 0.5);
        });
        equal(l.length, N, `track ${k + 1}: length`);
        equal(l.filter((v, i) => v !== expected[i]).length, 0, `track ${k + 1}: samples that differ`);
      }
    } finally {
      store.dispose();
    }
  });
});
