import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { alignedSnr, decode, probe } from './ffmpeg-read.ts';
import { MODELS, readStereoWav, runCli, stereoSignal, tempDir, writeWav } from './helpers.ts';
import { findBox, findBoxes } from './mp4-boxes.ts';

/**
 * Every output format of the CLI, read back by Debian's ffmpeg/ffprobe (issue 19). The input is
 * a chord (a music-like signal: lossy codecs are judged on what they are made for) with a
 * little noise; through wave4 (stems = gains 1, 0.5, −0.25, 2 of the mix) the last stem
 * exceeds ±1 in places at full level, where FLAC must clamp exactly as WAV does. Lossy codecs
 * are measured on a quieter copy whose stems stay within ±1 (each encoder clips in its own way
 * beyond): SNR against the f32 stem after aligning the encoder's delay (LAME 1105 samples, the
 * AAC encoder 1024).
 */
const STEMS = ['drums', 'bass', 'other', 'vocals'];
const N = 3 * 44100;

function chord(gain = 1): [Float32Array, Float32Array] {
  const [nl, nr] = stereoSignal(N, 5);
  const at = (i: number, f: number[]) => f.reduce((s, hz) => s + Math.sin((2 * Math.PI * hz * i) / 44100), 0) / f.length;
  const left = Float32Array.from({ length: N }, (_, i) => gain * (0.6 * at(i, [220, 277.2, 329.6]) + 0.05 * nl[i]!));
  const right = Float32Array.from({ length: N }, (_, i) => gain * (0.6 * at(i, [165, 246.9, 392]) + 0.05 * nr[i]!));
  return [left, right];
}

function separateAs(dir: string, input: string, format: string, extra: string[] = [], model = 'wave4.onnx') {
  const out = join(dir, format + extra.join(''));
  const r = runCli(['separate', input, '--model', join(MODELS, model), '--shifts', '0', '--format', format, ...extra, '--json', '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  return { out, report: JSON.parse(r.stdout).inputs[0] };
}

describe('CLI: every format out, read back by ffmpeg', () => {
  const dir = tempDir();
  const input = writeWav(join(dir, 'song.wav'), chord());
  const quiet = writeWav(join(dir, 'quiet.wav'), chord(0.6));

  for (const bits of [16, 24] as const) {
    test(`flac --bits ${bits}: bit-exact to wav${bits}, the same samples clamped`, () => {
      const wav = separateAs(dir, input, `wav${bits}`);
      const flac = separateAs(dir, input, 'flac', ['--bits', String(bits)]);
      assert.ok(wav.report.clippedSamples > 0, 'some samples beyond ±1');
      assert.equal(flac.report.clippedSamples, wav.report.clippedSamples);
      for (const stem of STEMS) {
        const file = join(flac.out, 'song', `${stem}.flac`);
        const [stream] = probe(file).streams;
        assert.equal(stream!.codec_name, 'flac');
        assert.equal(stream!.bits_per_raw_sample, String(bits));
        const as = bits === 16 ? 's16' : 's32';
        assert.deepEqual(decode(file, as), decode(join(wav.out, 'song', `${stem}.wav`), as), `${stem}: FLAC differs from WAV`);
      }
    });
  }

  for (const [format, codec, kbps, floor] of [['mp3', 'mp3', 320, 30], ['m4a', 'aac', 256, 30]] as const) {
    test(`${format}: ${codec} at ${kbps} kbit/s, each stem within its codec's error of the f32 stem (SNR after aligning the encoder delay)`, () => {
      const f32 = separateAs(dir, quiet, 'f32');
      const lossy = separateAs(dir, quiet, format);
      for (const stem of STEMS) {
        const file = join(lossy.out, 'quiet', `${stem}.${format}`);
        const { streams, format: container } = probe(file);
        assert.equal(streams[0]!.codec_name, codec);
        assert.ok(Math.abs(Number(container.duration) - N / 44100) < 0.1, `${stem}: ${container.duration} s`);
        const { left, right } = readStereoWav(join(f32.out, 'quiet', `${stem}.wav`));
        const { snr } = alignedSnr([left, right], decode(file, 'f32') as Float32Array[]);
        assert.ok(snr > floor, `${stem}: SNR ${snr.toFixed(1)} dB`);
      }
    });
  }
});

/**
 * The `stem` box as Mixxx's importer reads it: JSON with version ≥ 1 and a `stems` array of
 * four entries, each with a name and a #rrggbb colour.
 */
function mixxxReadsManifest(json: string): { name: string; color: string }[] {
  const manifest = JSON.parse(json) as { version?: number; stems?: { name?: unknown; color?: unknown }[] };
  assert.ok(typeof manifest.version === 'number' && manifest.version >= 1, `version ${manifest.version}`);
  assert.ok(Array.isArray(manifest.stems) && manifest.stems.length === 4, 'four stems');
  for (const s of manifest.stems!) {
    assert.equal(typeof s.name, 'string');
    assert.match(String(s.color), /^#[0-9a-fA-F]{6}$/);
  }
  return manifest.stems as { name: string; color: string }[];
}

describe('CLI: NI Stems (--format stem)', () => {
  const dir = tempDir();
  const input = writeWav(join(dir, 'song.wav'), chord(0.6));
  // six.onnx's stems are gains up to 6 of the mix: quiet enough that other + guitar + piano stays within ±1.
  const six = writeWav(join(dir, 'six.wav'), chord(0.05));

  test('five AAC tracks (the mix enabled, four stems disabled), the stem box field by field, each track decoding to its stem', () => {
    const f32 = separateAs(dir, input, 'f32');
    const stem = separateAs(dir, input, 'stem');
    const file = join(stem.out, 'song.stem.mp4');
    assert.deepEqual(readdirSync(stem.out), ['song.stem.mp4']);
    assert.deepEqual(Object.values(stem.report.stems), STEMS.map(() => file));
    const { streams } = probe(file);
    assert.equal(streams.length, 5);
    assert.deepEqual(streams.map((s) => [s.codec_name, s.sample_rate, s.channels, s.disposition.default]), [
      ['aac', '44100', 2, 1],
      ...STEMS.map(() => ['aac', '44100', 2, 0]),
    ]);
    const bytes = new Uint8Array(readFileSync(file));
    // tkhd flags: bit 0 "enabled", on for the mix only.
    const flags = findBoxes(bytes, ['moov', 'trak', 'tkhd']).map((tkhd) => tkhd[3]! & 1);
    assert.deepEqual(flags, [1, 0, 0, 0, 0]);
    const box = findBox(bytes, ['moov', 'udta', 'stem']);
    assert.ok(box, 'moov/udta/stem');
    const json = new TextDecoder().decode(box);
    const manifest = JSON.parse(json);
    assert.equal(manifest.version, 1);
    assert.equal(manifest.mastering_dsp.compressor.enabled, false);
    assert.equal(manifest.mastering_dsp.limiter.enabled, false);
    for (const key of ['ratio', 'output_gain', 'release', 'attack', 'input_gain', 'threshold', 'hp_cutoff', 'dry_wet']) assert.equal(typeof manifest.mastering_dsp.compressor[key], 'number', key);
    for (const key of ['release', 'threshold', 'ceiling']) assert.equal(typeof manifest.mastering_dsp.limiter[key], 'number', key);
    assert.deepEqual(mixxxReadsManifest(json).map((s) => s.name), ['Drums', 'Bass', 'Other', 'Vocals']);
    // Track 1 is the song; tracks 2–5 the stems, in order.
    const song = readStereoWav(input);
    assert.ok(alignedSnr([song.left, song.right], decode(file, 'f32', 0) as Float32Array[]).snr > 25, 'the mix is the song');
    for (const [k, name] of STEMS.entries()) {
      const { left, right } = readStereoWav(join(f32.out, 'song', `${name}.wav`));
      const { snr } = alignedSnr([left, right], decode(file, 'f32', k + 1) as Float32Array[]);
      assert.ok(snr > 25, `${name}: SNR ${snr.toFixed(1)} dB`);
    }
  });

  for (const bits of [16, 24] as const) {
    test(`--lossless --bits ${bits}: five ALAC tracks, each bit-exact to the wav${bits} of its stem (the mix: the input)`, () => {
      const wav = separateAs(dir, input, `wav${bits}`);
      const stem = separateAs(dir, input, 'stem', ['--lossless', '--bits', String(bits)]);
      const file = join(stem.out, 'song.stem.mp4');
      const { streams } = probe(file);
      assert.deepEqual(streams.map((s) => [s.codec_name, s.bits_per_raw_sample, s.disposition.default]), [
        ['alac', String(bits), 1],
        ...STEMS.map(() => ['alac', String(bits), 0]),
      ]);
      const bytes = new Uint8Array(readFileSync(file));
      assert.deepEqual(findBoxes(bytes, ['moov', 'trak', 'tkhd']).map((tkhd) => tkhd[3]! & 1), [1, 0, 0, 0, 0]);
      mixxxReadsManifest(new TextDecoder().decode(findBox(bytes, ['moov', 'udta', 'stem'])));
      const as = bits === 16 ? 's16' : 's32';
      // The mix track is the input (float) quantised: within one step of ffmpeg's own quantising of it.
      const mixTrack = decode(file, as, 0);
      const song = decode(input, as);
      assert.ok(mixTrack[0].length === song[0].length && [0, 1].every((c) => mixTrack[c]!.every((v, i) => Math.abs(v - song[c]![i]!) <= (bits === 16 ? 1 : 256))), 'the mix track is the input');
      for (const [k, name] of STEMS.entries()) assert.deepEqual(decode(file, as, k + 1), decode(join(wav.out, 'song', `${name}.wav`), as), `${name}: ALAC differs from WAV`);
      const wavBytes = statSync(join(wav.out, 'song', 'drums.wav')).size;
      assert.ok(statSync(file).size < 5 * wavBytes, `compressed below five WAVs: ${statSync(file).size} vs ${5 * wavBytes}`);
    });
  }

  test('a six-stem model: four stems, guitar and piano folded into other (their sum checked)', () => {
    const f32 = separateAs(dir, six, 'f32', [], 'six.onnx');
    const stem = separateAs(dir, six, 'stem', [], 'six.onnx');
    const file = join(stem.out, 'six.stem.mp4');
    assert.equal(probe(file).streams.length, 5);
    const read = (name: string) => readStereoWav(join(f32.out, 'six', `${name}.wav`));
    const [other, guitar, piano] = [read('other'), read('guitar'), read('piano')];
    const sum = (c: 'left' | 'right') => other[c].map((v, i) => v + guitar[c][i]! + piano[c][i]!);
    const folded = alignedSnr([sum('left'), sum('right')], decode(file, 'f32', 3) as Float32Array[]).snr;
    const alone = alignedSnr([other.left, other.right], decode(file, 'f32', 3) as Float32Array[]).snr;
    assert.ok(folded > 25, `other + guitar + piano: SNR ${folded.toFixed(1)} dB`);
    assert.ok(alone < folded - 6, `other alone matches less well (${alone.toFixed(1)} dB)`);
  });

  test('usage: --bits outside flac, a bitrate LAME or AAC does not take, stem with stems missing', () => {
    const bad: [string[], RegExp][] = [
      [['--format', 'mp3', '--bits', '24'], /--bits applies to --format flac and stem --lossless, not mp3/],
      [['--format', 'stem', '--bits', '24'], /--bits applies to --format flac and stem --lossless, not stem \(AAC\)/],
      [['--format', 'flac', '--lossless'], /--lossless applies to --format stem, not flac/],
      [['--format', 'stem', '--lossless', '--bitrate', '256'], /--bitrate applies to --format mp3, m4a or stem \(AAC\), not stem --lossless/],
      [['--format', 'mp3', '--bitrate', '300'], /--bitrate for mp3 must be one of .*320/],
      [['--format', 'wav16', '--bitrate', '256'], /--bitrate applies to --format mp3, m4a or stem \(AAC\), not wav16/],
      [['--format', 'ogg'], /--format must be one of wav16, wav24, f32, flac, mp3, m4a, stem/],
    ];
    for (const [args, message] of bad) {
      const r = runCli(['separate', input, ...args, '-o', join(dir, 'bad')]);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, message);
    }
    const r = runCli(['separate', input, '--model', join(MODELS, 'wave4.onnx'), '--shifts', '0', '--format', 'stem', '--stems', 'vocals', '-o', join(dir, 'partial')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--format stem needs the stems drums, bass, other, vocals; this run makes vocals/);
    assert.ok(!existsSync(join(dir, 'partial', 'song.stem.mp4')));
  });
});
