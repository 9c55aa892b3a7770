/**
 * Key and tempo (issue 20), rendered offline through the same graph the mixer plays: the stems'
 * player at the tempo's speed, their faders, and the key and tempo stage (Signalsmith Stretch in
 * its AudioWorklet). Tones for pitch, gaps for duration, sums of stems for alignment, a loop's
 * passes for its seam.
 */
import { SAMPLE_RATE } from '../../src/core/constants.ts';
import { pitchShift } from '../../src/core/key-tempo.ts';
import { createJsRealFft } from '../../src/core/js-fft.ts';
import { residualDb, toneFrequency } from '../../src/core/metrics.ts';
import type { StemName } from '../../src/core/stems.ts';
import { KeyTempoStage } from '../../components/audio/key-tempo-stage.ts';
import { StemPlayer } from '../../components/audio/stem-player.ts';
import stretchProcessor from '../../worklet/stretch.processor.ts?worker&url';
import { sendKeys } from '@web/test-runner-commands';
import { isDemucsError } from '../../src/core/errors.ts';
import { equal, near, ok, rejects } from './assert.ts';
import { MODELS, readWav, sleep, stereoSignal, until, wavFile } from './helpers.ts';
import { recordOutput, testMixer } from './mixer-helpers.ts';

interface Render {
  /** Each stem's [left, right]. */
  readonly stems: Float32Array[][];
  readonly tempo: number;
  readonly key: number;
  readonly seconds: number;
  readonly gains?: number[];
  /** A loop in frames. */
  readonly loop?: { start: number; end: number };
}

/** What the mixer's graph plays (offline): the stage's latency, and the output's channels. */
async function render(r: Render): Promise<{ latency: number; left: Float32Array; right: Float32Array }> {
  const context = new OfflineAudioContext({ numberOfChannels: 2, length: Math.round(r.seconds * SAMPLE_RATE), sampleRate: SAMPLE_RATE });
  const stage = new KeyTempoStage(context, context.destination);
  const names = r.stems.map((_, s) => `stem${s}` as StemName);
  const player = new StemPlayer(context, names, r.stems[0]![0]!.length, stage.input);
  player.addRegion(0, r.stems);
  if (r.gains) player.setGains(r.gains);
  if (r.loop) player.setLoop(r.loop);
  const speed = r.tempo / 100;
  await stage.prepare(stretchProcessor);
  player.setSpeed(speed);
  await stage.set(pitchShift(r.key, speed, false), 0, stretchProcessor);
  player.play();
  const out = await context.startRendering();
  player.dispose();
  return { latency: stage.latency, left: out.getChannelData(0), right: out.getChannelData(1) };
}

const tone = (hz: number, seconds: number) => Float32Array.from({ length: Math.round(seconds * SAMPLE_RATE) }, (_, n) => 0.5 * Math.sin((2 * Math.PI * hz * n) / SAMPLE_RATE));

/** Centres (s) of the silent gaps inside `x` (RMS over 10 ms windows below `floor`; not its silent start or end). */
function gaps(x: Float32Array, floor = 0.05): number[] {
  const w = Math.round(0.01 * SAMPLE_RATE);
  const quiet: number[] = [];
  for (let i = 0; i + w <= x.length; i += w) {
    let e = 0;
    for (let j = i; j < i + w; j++) e += x[j]! ** 2;
    quiet.push(Math.sqrt(e / w) < floor ? 1 : 0);
  }
  const centres: number[] = [];
  for (let k = 0; k < quiet.length; ) {
    if (!quiet[k]) {
      k++;
      continue;
    }
    let end = k;
    while (end < quiet.length && quiet[end]) end++;
    if (k > 0 && end < quiet.length) centres.push(((k + end) / 2) * (w / SAMPLE_RATE));
    k = end;
  }
  return centres;
}

/** Residual of the magnitude spectrograms (2048-point Hann frames every 512), relative to the reference's energy (dB). */
function magnitudeResidualDb(reference: Float32Array, estimate: Float32Array, from: number, to: number): number {
  const size = 2048;
  const fft = createJsRealFft(size);
  const window = Float32Array.from({ length: size }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size));
  const magnitudes = (x: Float32Array, at: number) => {
    for (let i = 0; i < size; i++) fft.input[i] = x[at + i]! * window[i]!;
    fft.forward();
    return Float32Array.from({ length: size / 2 - 1 }, (_, k) => Math.hypot(fft.output[2 * k + 2]!, fft.output[2 * k + 3]!));
  };
  let error = 0;
  let energy = 0;
  for (let at = from; at + size <= to; at += 512) {
    const [a, b] = [magnitudes(reference, at), magnitudes(estimate, at)];
    a.forEach((m, k) => {
      error += (b[k]! - m) ** 2;
      energy += m ** 2;
    });
  }
  return 10 * Math.log10(error / energy);
}

describe('key and tempo', function () {
  this.timeout(300000);

  for (const [key, hz] of [[3, 523.25], [-12, 220], [0.5, 452.89]] as const) {
    it(`a 440 Hz tone at ${key > 0 ? '+' : ''}${key} semitones comes out at ${hz} Hz (±0.5 %), its duration unchanged`, async () => {
      const t = tone(440, 4);
      const { left, latency } = await render({ stems: [[t, t]], tempo: 100, key, seconds: 5 });
      const from = Math.round((0.5 + latency) * SAMPLE_RATE);
      const f = toneFrequency(left, SAMPLE_RATE, from, from + 2 * SAMPLE_RATE);
      near(f, hz, hz * 0.005, `${f.toFixed(2)} Hz`);
      // The tone ends where it ended, after the stretch's latency (within one of its blocks).
      const end = left.findLastIndex((v) => Math.abs(v) > 0.05) / SAMPLE_RATE;
      near(end, 4.05 + latency, 0.12, `the tone ends at ${end.toFixed(3)} s (latency ${latency.toFixed(3)} s)`);
    });
  }

  it('at 75 % a 60 s song plays in 80 s (±10 ms), a tone in it at its pitch', async () => {
    // A tone with two 100 ms gaps, 58 s apart in the song: 77.333 s apart when heard at 75 %.
    const t = tone(440, 60);
    for (const at of [1, 59]) t.fill(0, at * SAMPLE_RATE, (at + 0.1) * SAMPLE_RATE);
    const { left, latency } = await render({ stems: [[t, t]], tempo: 75, key: 0, seconds: 81 });
    const found = gaps(left);
    ok(found.length >= 2, `gaps found at ${found.map((g) => g.toFixed(3)).join(', ')} s`);
    const [a, b] = [found[0]!, found[found.length - 1]!];
    near(b - a, 58 / 0.75, 0.01, `gap to gap ${(b - a).toFixed(4)} s`);
    // Playback starts 50 ms after play() (stem-player.ts, START_LEAD).
    near(a - latency, 1.05 / 0.75 + 0.05, 0.01, `the first gap heard at ${a.toFixed(4)} s (latency ${latency.toFixed(3)} s)`);
    const f = toneFrequency(left, SAMPLE_RATE, Math.round(10 * SAMPLE_RATE), Math.round(20 * SAMPLE_RATE));
    near(f, 440, 440 * 0.005, `${f.toFixed(2)} Hz at 75 %`);
  });

  for (const mute of [null, 2]) {
    it(`stems stay in step at 75 % and +2 st: their sum${mute === null ? '' : ' with one muted'} equals the song through the same stretch (≤ −60 dB)`, async () => {
      // Stems on a grid of 2^-12 (|x| < 0.25, never 0): their sums, and the speed's
      // interpolation at 75 % (factors of 1/4), are exact in float32, so the stretch is fed the
      // song's very samples. (It is deterministic, but a phase vocoder's peak decisions make
      // it chaotic: 1e-6 of difference in its input changes its output's phases; README.)
      const n = 6 * SAMPLE_RATE;
      const grid = (v: number) => (Math.round(v * 4096) || 1) / 4096;
      const stems = [1, 2, 3, 4].map((seed) => stereoSignal(n, seed).map((c) => c.map((v) => grid(0.3 * v)))) as Float32Array[][];
      const song = [0, 1].map((c) => Float32Array.from({ length: n }, (_, i) => stems.reduce((sum, s, k) => sum + (k === mute ? 0 : s[c]![i]!), 0)));
      const gains = stems.map((_, k) => (k === mute ? 0 : 1));
      const heard = await render({ stems, gains, tempo: 75, key: 2, seconds: 7 });
      const reference = await render({ stems: [song], tempo: 75, key: 2, seconds: 7 });
      for (const c of ['left', 'right'] as const) {
        const db = residualDb(reference[c], heard[c], SAMPLE_RATE, 7 * SAMPLE_RATE);
        ok(db <= -60, `${c}: residual ${db.toFixed(1)} dB`);
      }
    });
  }

  it('stems that add up to the song only within float rounding: the same magnitude spectrogram through the stretch (≤ −25 dB), though not the same waveform', async () => {
    const n = 6 * SAMPLE_RATE;
    const stems = [1, 2, 3, 4].map((seed) => stereoSignal(n, seed).map((c, k) => c.map((v, i) => 0.3 * v * (0.5 + 0.4 * Math.sin((i * (seed + k)) / 20000))))) as Float32Array[][];
    const song = [0, 1].map((c) => Float32Array.from({ length: n }, (_, i) => stems.reduce((sum, s) => sum + s[c]![i]!, 0)));
    const heard = await render({ stems, tempo: 75, key: 2, seconds: 7 });
    const reference = await render({ stems: [song], tempo: 75, key: 2, seconds: 7 });
    const magnitude = magnitudeResidualDb(reference.left, heard.left, SAMPLE_RATE, 6 * SAMPLE_RATE);
    const waveform = residualDb(reference.left, heard.left, SAMPLE_RATE, 6 * SAMPLE_RATE);
    ok(magnitude <= -25, `magnitude residual ${magnitude.toFixed(1)} dB (waveform ${waveform.toFixed(1)} dB)`);
  });

  it('a loop at 75 % and +2 st plays seamlessly: its passes equal the loop repeated, through the same stretch (≤ −60 dB)', async () => {
    const n = 4 * SAMPLE_RATE;
    const [left, right] = stereoSignal(n, 7);
    const [a, b] = [Math.round(0.5 * SAMPLE_RATE), Math.round(1.25 * SAMPLE_RATE)];
    // Heard from the loop's start: its frames again and again, as one song.
    const passes = 5;
    const repeated = [left, right].map((c) => {
      const out = new Float32Array(passes * (b - a));
      for (let p = 0; p < passes; p++) out.set(c.subarray(a, b), p * (b - a));
      return out;
    });
    const seconds = ((passes - 1) * (b - a)) / SAMPLE_RATE / 0.75;
    const looped = await render({ stems: [[left, right]], loop: { start: a, end: b }, tempo: 75, key: 2, seconds });
    const reference = await render({ stems: [repeated], tempo: 75, key: 2, seconds });
    for (const c of ['left', 'right'] as const) {
      const db = residualDb(reference[c], looped[c], Math.round(0.5 * SAMPLE_RATE), Math.round(seconds * SAMPLE_RATE));
      ok(db <= -60, `${c}: residual ${db.toFixed(1)} dB over ${passes - 1} passes`);
    }
  });
});

describe('<demucs-mixer> key and tempo', function () {
  this.timeout(300000);

  it('key and tempo as attributes and properties: heard at the key, the playhead in song time at the tempo, out of range refused', async () => {
    const el = await testMixer(`${MODELS}/wave4.onnx`);
    try {
      el.consistent = true;
      await el.loadModel(`${MODELS}/wave4.onnx`);
      const t = tone(440, 8);
      await el.load(wavFile(t, t.slice(), 'tone.wav'));
      el.setAttribute('key', '3');
      el.setAttribute('tempo', '75');
      await el.updateComplete;
      equal(el.key, 3);
      equal(el.tempo, 75);
      const recording = await recordOutput(el.output);
      await el.play();
      await until(() => el.playState === 'playing', 'playing');
      // Past the stretch's latency (the playhead is what is heard).
      await sleep(500);
      const context = el.output.context;
      const [c0, p0] = [context.currentTime, el.currentTime];
      await sleep(1500);
      const [c1, p1] = [context.currentTime, el.currentTime];
      el.pause();
      const out = recording.stop();
      near((p1 - p0) / (c1 - c0), 0.75, 0.02, 'the playhead moves 0.75 s of the song per second');
      const start = out.findIndex((v) => Math.abs(v) > 0.05) + Math.round(0.3 * SAMPLE_RATE);
      const f = toneFrequency(out, SAMPLE_RATE, start, start + SAMPLE_RATE);
      near(f, 523.25, 523.25 * 0.005, `heard at ${f.toFixed(2)} Hz`);
      el.seek(3);
      near(el.currentTime, 3, 1e-6, 'seeking is in the song\'s seconds');
      const errors: string[] = [];
      el.addEventListener('demucs-error', (e) => errors.push(e.detail.code));
      await rejects(Promise.resolve().then(() => (el.tempo = 200)), (e) => isDemucsError(e) && e.code === 'BAD_ARGUMENT', 'tempo 200 %');
      await rejects(Promise.resolve().then(() => (el.key = -13)), (e) => isDemucsError(e) && e.code === 'BAD_ARGUMENT', 'key −13');
      equal(errors.join(), 'BAD_ARGUMENT,BAD_ARGUMENT');
      equal(el.tempo, 75, 'unchanged');
      equal(el.key, 3, 'unchanged');
    } finally {
      el.remove();
    }
  });

  it('the transport sets them (key range, cents, tempo range, the resets) and so do [ ] , . keys', async () => {
    const el = await testMixer(`${MODELS}/wave4.onnx`);
    try {
      await el.load(wavFile(...stereoSignal(4 * SAMPLE_RATE, 3), 'keys.wav'));
      const $ = <T extends Element>(selector: string) => el.shadowRoot!.querySelector<T>(selector)!;
      const set = (input: HTMLInputElement, value: string, type = 'input') => {
        input.value = value;
        input.dispatchEvent(new Event(type, { bubbles: true }));
      };
      set($<HTMLInputElement>('input.key'), '-5');
      equal(el.key, -5);
      await el.updateComplete;
      set($<HTMLInputElement>('input.cents'), '25', 'change');
      equal(el.key, -4.75);
      await el.updateComplete;
      equal($('.key-reset').textContent!.trim(), '−4.75 st');
      set($<HTMLInputElement>('input.tempo'), '80');
      equal(el.tempo, 80);
      $<HTMLButtonElement>('.key-reset').click();
      $<HTMLButtonElement>('.tempo-reset').click();
      equal(el.key, 0);
      equal(el.tempo, 100);
      $<HTMLElement>('.scroller').focus();
      await sendKeys({ press: 'BracketRight' });
      await sendKeys({ press: 'BracketRight' });
      await sendKeys({ press: 'BracketLeft' });
      equal(el.key, 1, '] ] [');
      await sendKeys({ press: 'Comma' });
      equal(el.tempo, 95, ',');
      await sendKeys({ press: 'Period' });
      await sendKeys({ press: 'Period' });
      equal(el.tempo, 105, '. .');
      await el.updateComplete;
    } finally {
      el.remove();
    }
  });

  it('exportMix with withKeyAndTempo renders the key and tempo heard (75 %, +3 st: 4 s in 5.333 s, 440 Hz at 523 Hz); the default export stays the song', async () => {
    const el = await testMixer();
    try {
      el.consistent = true;
      await el.loadModel(`${MODELS}/wave4.onnx`);
      const t = tone(440, 4);
      await el.load(wavFile(t, t.slice(), 'tone.wav'));
      el.key = 3;
      el.tempo = 75;
      await el.updateComplete;
      for (const [options, frames, hz] of [[{ withKeyAndTempo: true }, Math.round((4 * SAMPLE_RATE) / 0.75), 523.25], [{}, 4 * SAMPLE_RATE, 440]] as const) {
        const { left } = await readWav(await el.exportMix('f32', options));
        equal(left.length, frames, `${JSON.stringify(options)}: frames`);
        const f = toneFrequency(left, SAMPLE_RATE, SAMPLE_RATE, 3 * SAMPLE_RATE);
        near(f, hz, hz * 0.005, `${JSON.stringify(options)}: ${f.toFixed(2)} Hz`);
      }
      // In step with what is heard: the tone starts at the file's start (the stretch's latency taken off).
      const { left } = await readWav(await el.exportMix('f32', { withKeyAndTempo: true }));
      const onset = left.findIndex((v) => Math.abs(v) > 0.05);
      ok(onset < 0.03 * SAMPLE_RATE, `the tone starts at frame ${onset}`);
      const stems = await el.exportStems('wav16', { withKeyAndTempo: true });
      const vocals = await readWav(stems.vocals);
      equal(vocals.left.length, Math.round((4 * SAMPLE_RATE) / 0.75), 'stems likewise, on request');
    } finally {
      el.remove();
    }
  });
});
