import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { corruptSamples, LOSSLESS, LOSSY, lossyLengthOk, TONE_FRAMES, toneShare } from './container-fixtures.ts';
import { AUDIO, MODELS, readStereoWav, runCli, tempDir } from './helpers.ts';

/**
 * The CLI's inputs beyond WAV/FLAC/MP3/Ogg (issue 19): MP4/M4A/MOV, WebM/Matroska, AIFF/AIFC
 * and CAF, each fixture encoded by Debian's ffmpeg from tone.wav (tools/make-audio-fixtures.sh).
 * Through wave4 (stems = gains of the mix), a lossless file's stems must equal the WAV's
 * exactly: identical PCM in, identical stems out.
 */
const fast = ['--model', join(MODELS, 'wave4.onnx'), '--shifts', '0', '--format', 'f32', '--stems', 'bass', '--json'];

function separateAll(files: string[]): { dir: string; formats: string[] } {
  const dir = tempDir();
  const paths = files.map((f, k) => {
    const to = join(dir, `${k}-${f}`);
    copyFileSync(join(AUDIO, f), to);
    return to;
  });
  const r = runCli(['separate', ...paths, ...fast, '-o', join(dir, 'out')]);
  assert.equal(r.status, 0, r.stderr);
  return { dir, formats: JSON.parse(r.stdout).inputs.map((i: { format: string }) => i.format) };
}

const stemOf = (dir: string, k: number, f: string) => readStereoWav(join(dir, 'out', `${k}-${f.replace(/\.[^.]+$/, '')}`, 'bass.wav'));

describe('CLI: every container in', () => {
  test('lossless containers give stems identical to the WAV they were made from', () => {
    const lossless = [['tone.wav', 'WAV'] as const, ...LOSSLESS];
    const { dir, formats } = separateAll(lossless.map(([f]) => f));
    assert.deepEqual(formats, lossless.map(([, name]) => name));
    const wav = stemOf(dir, 0, 'tone.wav');
    assert.equal(wav.left.length, TONE_FRAMES);
    for (const [k, [f]] of lossless.entries()) {
      const stem = stemOf(dir, k, f);
      assert.deepEqual([stem.left, stem.right], [wav.left, wav.right], `${f}: stems differ from the WAV's`);
    }
  });

  test('lossy codecs in MP4, M4A and WebM/Matroska (and a music video) decode to the tone they hold, at its length', () => {
    const { dir, formats } = separateAll(LOSSY.map(([f]) => f));
    assert.deepEqual(formats, LOSSY.map(([, name]) => name));
    for (const [k, [f]] of LOSSY.entries()) {
      const { left, right } = stemOf(dir, k, f);
      // The encoders' priming and padding are trimmed (edit lists, Opus pre-skip).
      assert.ok(lossyLengthOk(left.length), `${f}: ${left.length} samples`);
      for (const [ch, hz] of [[left, 440], [right, 660]] as const) assert.ok(toneShare(ch, hz) > 0.98, `${f} ${hz} Hz: ${toneShare(ch, hz)}`);
    }
  });

  test('what cannot be decoded is named: E-AC-3, encrypted audio, a video without audio, an M4A cut short, one with corrupt samples', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'corrupt.m4a'), corruptSamples(readFileSync(join(AUDIO, 'tone.m4a'))));
    const cases: [string, RegExp][] = [
      ['tone-eac3.m4a', /tone-eac3\.m4a: the file is an MP4 file with E-AC-3 audio, which is not supported; supported in MP4: AAC, ALAC/],
      ['encrypted.m4a', /encrypted\.m4a: the file is an M4A file with encrypted \(DRM-protected\) audio/],
      ['no-audio.mp4', /no-audio\.mp4: the file is an MP4 video file with no audio track/],
      ['truncated.m4a', /truncated\.m4a: the file is an M4A file cut short or damaged: its index \(the "moov" box\) is missing/],
    ];
    for (const [f] of cases) copyFileSync(join(AUDIO, f), join(dir, f));
    const r = runCli(['separate', ...cases.map(([f]) => join(dir, f)), ...fast, '-o', join(dir, 'out')]);
    assert.equal(r.status, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, cases.length, r.stderr);
    cases.forEach(([, pattern], k) => assert.match(lines[k]!, pattern));
    const codes = JSON.parse(r.stdout).inputs.map((i: { error: { code: string } }) => i.error.code);
    assert.deepEqual(codes, ['AUDIO_UNSUPPORTED', 'AUDIO_UNSUPPORTED', 'AUDIO_EMPTY', 'AUDIO_DECODE']);
    // Corrupt AAC frames: the decoder gives what it can of them (as ffmpeg does), or a named error; never a hang.
    const corrupt = runCli(['separate', join(dir, 'corrupt.m4a'), ...fast, '-o', join(dir, 'out')]);
    const report = JSON.parse(corrupt.stdout).inputs[0];
    assert.ok(report.ok || ['AUDIO_EMPTY', 'AUDIO_DECODE'].includes(report.error.code), corrupt.stderr);
  });
});
