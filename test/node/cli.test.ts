import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { AUDIO, encodeWav, maxAbsDiff, MODELS, readStereoWav, runCli, stereoSignal, tempDir, writeWav, type WavCodec } from './helpers.ts';
import { measureTrack } from '../../src/core/normalize.ts';
import { geometryOf } from '../../src/core/geometry.ts';
import { separate } from '../../src/core/separator.ts';
import { memorySource } from '../../src/core/track.ts';
import { SIX_STEMS } from '../../src/core/stems.ts';
import { GainModel } from './helpers.ts';

const WAVE4 = join(MODELS, 'wave4.onnx');
const B = [1, 0.5, -0.25, 2];
const STEMS = ['drums', 'bass', 'other', 'vocals'];
const fast = ['--model', WAVE4, '--shifts', '0'];

/** wave4's stems for a stereo input: b (x − m) + m. */
function expected(left: Float32Array, right: Float32Array, s: number): [Float32Array, Float32Array] {
  const { mean } = measureTrack(left, right);
  return [left, right].map((x) => Float32Array.from(x, (v) => B[s]! * (v - mean) + mean)) as [Float32Array, Float32Array];
}

describe('CLI: inputs', () => {
  const N = 30000;
  const [left, right] = stereoSignal(N, 11);
  const codecs: [string, WavCodec, number][] = [
    ['PCM 8-bit', { bits: 8 }, 1 / 64],
    ['PCM 16-bit', { bits: 16 }, 1e-4],
    ['PCM 24-bit', { bits: 24 }, 1e-6],
    ['PCM 32-bit', { bits: 32 }, 1e-6],
    ['float 32-bit', { bits: 32, float: true }, 1e-6],
    ['float 64-bit', { bits: 64, float: true }, 1e-6],
  ];
  for (const extensible of [false, true]) {
    test(`WAV ${extensible ? 'WAVE_FORMAT_EXTENSIBLE' : 'plain'}: every sample format reads back through an identity-like model`, () => {
      const dir = tempDir();
      const inputs = codecs.map(([name, codec]) => {
        const path = join(dir, `${name.replace(/\W+/g, '_')}.wav`);
        writeFileSync(path, encodeWav([left, right], 44100, codec, extensible));
        return path;
      });
      const r = runCli(['separate', ...inputs, ...fast, '--format', 'f32', '--stems', 'drums', '-o', join(dir, 'out')]);
      assert.equal(r.status, 0, r.stderr);
      codecs.forEach(([name, , tolerance], k) => {
        const out = readStereoWav(join(dir, 'out', `${name.replace(/\W+/g, '_')}`, 'drums.wav'));
        assert.equal(out.left.length, N);
        assert.ok(maxAbsDiff(out.left, left) < tolerance, `${name} left: ${maxAbsDiff(out.left, left)}`);
        assert.ok(maxAbsDiff(out.right, right) < tolerance, `${name} right`);
        assert.ok(inputs[k]);
      });
    });
  }

  test('mono is duplicated; more than two channels keep the first two', () => {
    const dir = tempDir();
    writeWav(join(dir, 'mono.wav'), [left]);
    writeWav(join(dir, 'quad.wav'), [left, right, new Float32Array(N).fill(0.9), new Float32Array(N).fill(-0.9)]);
    const r = runCli(['separate', join(dir, 'mono.wav'), join(dir, 'quad.wav'), ...fast, '--format', 'f32', '--json', '-o', join(dir, 'out')]);
    assert.equal(r.status, 0, r.stderr);
    const mono = readStereoWav(join(dir, 'out/mono/drums.wav'));
    assert.ok(maxAbsDiff(mono.left, left) < 1e-6 && maxAbsDiff(mono.right, left) < 1e-6);
    const quad = readStereoWav(join(dir, 'out/quad/vocals.wav'));
    const [el, er] = expected(left, right, 3);
    assert.ok(maxAbsDiff(quad.left, el) < 1e-5 && maxAbsDiff(quad.right, er) < 1e-5);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.inputs.map((i: { inputChannels: number }) => i.inputChannels), [1, 4]);
  });

  test('other sample rates are resampled to 44.1 kHz (length and pitch kept)', () => {
    const dir = tempDir();
    for (const rate of [22050, 48000, 96000]) {
      const n = rate; // one second
      const tone = Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / rate));
      writeWav(join(dir, `r${rate}.wav`), [tone, tone], rate);
    }
    const r = runCli(['separate', ...[22050, 48000, 96000].map((rate) => join(dir, `r${rate}.wav`)), ...fast, '--format', 'f32', '--stems', 'drums', '-o', join(dir, 'out')]);
    assert.equal(r.status, 0, r.stderr);
    for (const rate of [22050, 48000, 96000]) {
      const out = readStereoWav(join(dir, `out/r${rate}/drums.wav`));
      assert.equal(out.rate, 44100);
      assert.equal(out.left.length, 44100, `${rate}: length`);
      // Compare with an ideal 1 kHz tone at 44.1 kHz away from the edges.
      let worst = 0;
      for (let i = 2000; i < 42000; i++) worst = Math.max(worst, Math.abs(out.left[i]! - 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 44100)));
      assert.ok(worst < 2e-3, `${rate}: max |Δ| ${worst}`);
    }
  });

  test('FLAC, MP3, Ogg Vorbis and Opus decode to the tone they hold', () => {
    const dir = tempDir();
    const files = ['tone.flac', 'tone.mp3', 'tone.ogg', 'tone.opus', 'tone-48k.flac'];
    const names = ['flac', 'mp3', 'ogg', 'opus', 'flac48k'];
    files.forEach((f, k) => copyFileSync(join(AUDIO, f), join(dir, `${names[k]}.${f.split('.')[1]}`)));
    const r = runCli(['separate', ...files.map((f, k) => join(dir, `${names[k]}.${f.split('.')[1]}`)), ...fast, '--format', 'f32', '--stems', 'drums', '--json', '-o', join(dir, 'out')]);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.inputs.map((i: { format: string }) => i.format), ['FLAC', 'MP3', 'Ogg Vorbis', 'Ogg Opus', 'FLAC']);
    for (const [k, name] of names.entries()) {
      const out = readStereoWav(join(dir, 'out', name, 'drums.wav'));
      assert.ok(Math.abs(out.left.length - 44100) <= 64, `${files[k]}: ${out.left.length} samples`);
      // Correlation with the 440 Hz / 660 Hz tones (phase-free: energy at the right frequency).
      for (const [ch, f] of [[out.left, 440], [out.right, 660]] as const) {
        let re = 0;
        let im = 0;
        let e = 0;
        for (let i = 4410; i < 39690; i++) {
          re += ch[i]! * Math.cos((2 * Math.PI * f * i) / 44100);
          im += ch[i]! * Math.sin((2 * Math.PI * f * i) / 44100);
          e += ch[i]! ** 2;
        }
        const share = (2 * (re * re + im * im)) / (35280 * e);
        assert.ok(share > 0.98, `${files[k]} ${f} Hz: ${share}`);
      }
    }
  });
});

describe('CLI: outputs and options', () => {
  const N = 20000;
  const [left, right] = stereoSignal(N, 5);

  test('writes DIR/<name>/<stem>.wav in each format, with the values of the model', () => {
    const dir = tempDir();
    writeWav(join(dir, 'song.take1.wav'), [left, right]);
    for (const format of ['wav16', 'wav24', 'f32']) {
      const r = runCli(['separate', join(dir, 'song.take1.wav'), ...fast, '--format', format, '-o', join(dir, format)]);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(readdirSync(join(dir, format, 'song.take1')).sort(), STEMS.map((s) => `${s}.wav`).sort());
      const out = readStereoWav(join(dir, format, 'song.take1', 'bass.wav'));
      assert.equal(out.tag, format === 'f32' ? 3 : 1);
      assert.equal(out.bits, { wav16: 16, wav24: 24, f32: 32 }[format]);
      const tolerance = { wav16: 2e-5, wav24: 1e-6, f32: 1e-6 }[format]!;
      const [el] = expected(left, right, 1);
      assert.ok(maxAbsDiff(out.left, el) < tolerance, `${format}: ${maxAbsDiff(out.left, el)}`);
    }
  });

  test('integer formats clamp and count; f32 keeps values beyond ±1', () => {
    const dir = tempDir();
    const loud = Float32Array.from(left, (x) => 0.9 * Math.sign(x));
    writeWav(join(dir, 'loud.wav'), [loud, loud]);
    const r16 = runCli(['separate', join(dir, 'loud.wav'), ...fast, '--stems', 'vocals', '--json', '-o', join(dir, 'a')]);
    assert.equal(r16.status, 0, r16.stderr);
    assert.ok(JSON.parse(r16.stdout).inputs[0].clippedSamples > 0);
    const r32 = runCli(['separate', join(dir, 'loud.wav'), ...fast, '--stems', 'vocals', '--format', 'f32', '-o', join(dir, 'b')]);
    assert.equal(r32.status, 0);
    assert.ok(readStereoWav(join(dir, 'b/loud/vocals.wav')).left.some((x) => Math.abs(x) > 1.5));
  });

  test('--stems, --json, --shift-offsets, --seed and --overlap', () => {
    const dir = tempDir();
    writeWav(join(dir, 'x.wav'), [left, right]);
    const r = runCli(['separate', join(dir, 'x.wav'), '--model', WAVE4, '--stems', 'vocals,bass', '--shift-offsets', '5,22050', '--overlap', '0.5', '--json', '-o', join(dir, 'o')]);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.stems, ['vocals', 'bass']);
    assert.deepEqual(report.inputs[0].shiftOffsets, [5, 22050]);
    assert.deepEqual(Object.keys(report.inputs[0].stems), ['vocals', 'bass']);
    assert.deepEqual(readdirSync(join(dir, 'o/x')).sort(), ['bass.wav', 'vocals.wav']);
    const seeded = () => JSON.parse(runCli(['separate', join(dir, 'x.wav'), '--model', WAVE4, '--shifts', '2', '--seed', '7', '--stems', 'bass', '--json', '-o', join(dir, 's')]).stdout).inputs[0].shiftOffsets;
    const a = seeded();
    assert.equal(a.length, 2);
    assert.deepEqual(seeded(), a);
  });

  test('ONNX Runtime threads: one per core by default (reported by --json), --threads overrides', () => {
    const dir = tempDir();
    writeWav(join(dir, 'x.wav'), [left, right]);
    const threads = (extra: string[]) => {
      const r = runCli(['separate', join(dir, 'x.wav'), ...fast, '--stems', 'bass', '--json', '-o', join(dir, 'o'), ...extra]);
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout).threads;
    };
    assert.equal(threads([]), availableParallelism());
    assert.equal(threads(['--threads', '1']), 1);
    assert.equal(threads(['--threads', '3']), 3);
  });

  test('--consistent: the stems add up to the input', () => {
    const dir = tempDir();
    writeWav(join(dir, 'x.wav'), [left, right]);
    const r = runCli(['separate', join(dir, 'x.wav'), ...fast, '--consistent', '--format', 'f32', '-o', join(dir, 'o')]);
    assert.equal(r.status, 0, r.stderr);
    const stems = STEMS.map((s) => readStereoWav(join(dir, 'o/x', `${s}.wav`)));
    const sum = Float32Array.from(left, (_, i) => stems.reduce((t, w) => t + w.left[i]!, 0));
    assert.ok(maxAbsDiff(sum, left) < 1e-6, `Σ stems − input: ${maxAbsDiff(sum, left)}`);
    // Without it, wave4's stems sum to 3.25 (x − m) + 4 m, not the input.
    const [drums] = expected(left, right, 0);
    assert.ok(maxAbsDiff(stems[0]!.left, drums) > 1e-3);
  });

  test('a bag manifest as --model; an unneeded member is never loaded', () => {
    const dir = tempDir();
    writeWav(join(dir, 'x.wav'), [left, right]);
    mkdirSync(join(dir, 'bag'));
    for (const f of ['bag-a.onnx', 'bag-c.onnx']) copyFileSync(join(MODELS, f), join(dir, 'bag', f));
    copyFileSync(join(MODELS, 'bag.json'), join(dir, 'bag', 'bag.json')); // bag-b.onnx left out
    const r = runCli(['separate', join(dir, 'x.wav'), '--model', join(dir, 'bag/bag.json'), '--shifts', '0', '--stems', 'drums,other', '--format', 'f32', '-o', join(dir, 'o')]);
    assert.equal(r.status, 0, r.stderr);
    const { mean } = measureTrack(left, right);
    const other = readStereoWav(join(dir, 'o/x/other.wav'));
    assert.ok(maxAbsDiff(other.left, Float32Array.from(left, (v) => 3 * (v - mean) + mean)) < 1e-5);
    const needsB = runCli(['separate', join(dir, 'x.wav'), '--model', join(dir, 'bag/bag.json'), '--shifts', '0', '--stems', 'vocals', '-o', join(dir, 'o2')]);
    assert.equal(needsB.status, 2);
    assert.match(needsB.stderr, /bag-b\.onnx does not exist/);
  });
});

describe('CLI: models that describe themselves', () => {
  test('a 3.9 s six-stem model: six stems equal to the engine with that model; a contradicting manifest is refused', async () => {
    const dir = tempDir();
    const N = 400000;
    const [left, right] = stereoSignal(N, 21);
    writeWav(join(dir, 'x.wav'), [left, right]);
    const r = runCli(['separate', join(dir, 'x.wav'), '--model', join(MODELS, 'short6.onnx'), '--shifts', '0', '--format', 'f32', '-o', join(dir, 'o')]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(join(dir, 'o/x')).sort(), SIX_STEMS.map((n) => `${n}.wav`).sort());
    const model = new GainModel({ a: [0.5, 0, 0, 0, 0, 0.25], b: [1, 2, 3, 4, 5, 6], c: [0, 0, 0, 0, 0, 0.5] }, geometryOf(171990));
    const expect = SIX_STEMS.map(() => new Float32Array(N));
    for await (const region of separate({ stems: SIX_STEMS, members: [{ model, weights: SIX_STEMS.map(() => 1) }] }, memorySource(left, right), { shifts: 0 })) {
      region.channels.forEach((stem, s) => expect[s]!.set(stem[0]!, region.start));
    }
    for (const [s, name] of SIX_STEMS.entries()) {
      const d = maxAbsDiff(readStereoWav(join(dir, `o/x/${name}.wav`)).left, expect[s]!);
      assert.ok(d < 1e-5, `${name}: ${d}`);
    }
    // The manifest beside a model must agree with its shapes.
    mkdirSync(join(dir, 'm'));
    copyFileSync(join(MODELS, 'short4.onnx'), join(dir, 'm/short4.onnx'));
    writeFileSync(join(dir, 'm/short4.json'), JSON.stringify({ stems: STEMS, segment: 343980 }));
    const bad = runCli(['separate', join(dir, 'x.wav'), '--model', join(dir, 'm/short4.onnx'), '--shifts', '0', '-o', join(dir, 'o2')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /short4\.onnx takes segments of 171990 samples but its manifest says 343980/);
  });
});

describe('CLI: bad input', () => {
  test('every bad input gets one line naming the file and the problem; good inputs in the run still complete', () => {
    const dir = tempDir();
    const N = 5000;
    const [left, right] = stereoSignal(N, 2);
    const good = writeWav(join(dir, 'good.wav'), [left, right]);
    const good2 = writeWav(join(dir, 'good2.wav'), [right, left], 48000, { bits: 16 });
    const full = encodeWav([left, right], 44100, { bits: 16 });
    writeFileSync(join(dir, 'cut.wav'), full.subarray(0, full.length - 3000));
    writeFileSync(join(dir, 'empty.wav'), '');
    writeFileSync(join(dir, 'noise.bin'), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 255)));
    writeFileSync(join(dir, 'text.mp3'), 'not audio at all, only words\n'.repeat(40));
    const nan = Float32Array.from(left);
    nan[1234] = NaN;
    writeWav(join(dir, 'nan.wav'), [nan, right]);
    const adpcm = Buffer.from(full);
    adpcm.writeUInt16LE(2, 20); // MS ADPCM tag
    writeFileSync(join(dir, 'adpcm.wav'), adpcm);
    writeFileSync(join(dir, 'silent-header.wav'), encodeWav([new Float32Array(0), new Float32Array(0)], 44100, { bits: 16 }));
    const cases: [string, RegExp][] = [
      ['missing.wav', /missing\.wav: cannot be read: no such file/],
      ['cut.wav', /cut\.wav: .*truncated: its header promises 5000 frames, the file holds 4250/],
      ['empty.wav', /empty\.wav: is an empty file/],
      ['noise.bin', /noise\.bin: is not a recognised audio format/],
      ['text.mp3', /text\.mp3: is not a recognised audio format/],
      ['nan.wav', /nan\.wav: audio holds a non-finite sample .* at sample 1234/],
      ['adpcm.wav', /adpcm\.wav: .*compression format 2/],
      ['silent-header.wav', /silent-header\.wav: decodes to no audio samples/],
      [join(AUDIO, 'truncated.flac'), /truncated\.flac: decodes to no audio samples/],
      [join(AUDIO, 'corrupt.flac'), /corrupt\.flac: /],
      ['.', /dm-test-\w+: cannot be read: is a directory/],
    ];
    const inputs = [good, ...cases.map(([f]) => (f.startsWith('/') ? f : join(dir, f))), good2];
    const r = runCli(['separate', ...inputs, ...fast, '--json', '-o', join(dir, 'out')]);
    assert.equal(r.status, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, cases.length, r.stderr);
    cases.forEach(([, pattern], k) => assert.match(lines[k]!, pattern));
    assert.ok(existsSync(join(dir, 'out/good/vocals.wav')));
    assert.ok(existsSync(join(dir, 'out/good2/vocals.wav')));
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.inputs.map((i: { ok: boolean }) => i.ok), [true, ...cases.map(() => false), true]);
    assert.ok(report.inputs.slice(1, -1).every((i: { error: { code: string } }) => typeof i.error.code === 'string'));
    assert.ok(!readdirSync(join(dir, 'out')).some((f) => f.endsWith('.part')));
  });

  test('two inputs with the same name do not overwrite each other', () => {
    const dir = tempDir();
    const [left, right] = stereoSignal(1000);
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    writeWav(join(dir, 'a/song.wav'), [left, right]);
    writeWav(join(dir, 'b/song.wav'), [right, left]);
    const r = runCli(['separate', join(dir, 'a/song.wav'), join(dir, 'b/song.wav'), ...fast, '-o', join(dir, 'out')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /b\/song\.wav: writes to .*out\/song, as .*a\/song\.wav in this run already does/);
  });

  test('usage errors and unusable models exit 2 with one line', () => {
    const dir = tempDir();
    const input = writeWav(join(dir, 'x.wav'), stereoSignal(100));
    const cases: [string[], RegExp][] = [
      [['separate'], /no input files/],
      [['separate', input, '--overlap', '1'], /--overlap must be a number from 0/],
      [['separate', input, '--shifts', 'two'], /--shifts must be a whole number/],
      [['separate', input, '--shift-offsets', '1,99999'], /--shift-offsets must be between 0 and 22050/],
      [['separate', input, '--shifts', '3', '--shift-offsets', '1,2'], /disagrees/],
      [['separate', input, '--format', 'ogg'], /--format must be one of wav16, wav24, f32, flac, mp3, m4a, stem/],
      [['separate', input, '--threads', '0'], /--threads must be between 1/],
      [['separate', input, '--bogus'], /Unknown option '--bogus'/],
      [['separate', input, '--model', join(MODELS, 'wrong-segment.onnx')], /does not follow the demucs-mixer contract: 336 spectrogram frames for a segment of 44100 samples/],
      [['separate', input, '--model', join(MODELS, 'not-a-model.onnx')], /is not a loadable ONNX model/],
      [['separate', input, '--model', join(dir, 'nope.onnx')], /model .*nope\.onnx does not exist/],
      [['separate', input, '--model', WAVE4, '--stems', 'kazoo'], /unknown stem "kazoo": this model has drums, bass, other, vocals/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ];
    for (const [args, pattern] of cases) {
      const r = runCli(args);
      assert.equal(r.status, 2, `${args.join(' ')}: status ${r.status}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').filter((l) => !/onnxruntime/.test(l)).length, 1, r.stderr);
    }
    assert.match(runCli(['separate', '--help']).stdout, /Usage: demucs-mixer separate/);
    assert.equal(readFileSync(input).length > 0, true);
  });
});
