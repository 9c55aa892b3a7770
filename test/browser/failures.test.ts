/**
 * Failures that must not lose work or hang the mixer: a newer model request replacing one still
 * loading, the inference worker dying mid-separation, a new song dropped mid-separation.
 */
import { MixerError } from '../../components/demucs-mixer.ts';
import type { DemucsErrorEvent, DemucsProgressEvent } from '../../components/events.ts';
import { SIX_STEMS } from '../../src/core/stems.ts';
import { deepEqual, equal, near, ok, rejects } from './assert.ts';
import { MODELS, nextEvent, stereoSignal, wavFile, within } from './helpers.ts';
import { recordOutput, testMixer } from './mixer-helpers.ts';

describe('failures', function () {
  this.timeout(300000);

  it('a second loadModel() while one loads: the newer wins, the older rejects CANCELLED, no demucs-error', async () => {
    const el = await testMixer();
    const errors: string[] = [];
    el.addEventListener('demucs-error', (e) => errors.push((e as DemucsErrorEvent).detail.code));
    try {
      const first = el.loadModel(`${MODELS}/wave4.onnx`);
      const second = el.loadModel(`${MODELS}/six.onnx`);
      await rejects(first, (e) => e instanceof MixerError && e.code === 'CANCELLED');
      await second;
      deepEqual(el.stems, SIX_STEMS);
      deepEqual(errors, []);
      // And a song separates on the winner.
      await el.load(wavFile(...stereoSignal(20000, 3)));
      equal(el.stems.length, 6);
    } finally {
      el.remove();
    }
  });

  it('the worker dies mid-separation: WORKER_CRASHED, what was separated stays, the next song runs in a new worker', async () => {
    const el = await testMixer();
    try {
      await el.loadModel(`${MODELS}/wave4.onnx`);
      const long = wavFile(...stereoSignal(120 * 44100, 4), 'long.wav');
      const firstRegion = new Promise<void>((resolve) => {
        const onProgress = (e: Event) => {
          if ((e as DemucsProgressEvent).detail.separatedSeconds > 0) {
            el.removeEventListener('demucs-progress', onProgress);
            el._crashWorkerForTests();
            resolve();
          }
        };
        el.addEventListener('demucs-progress', onProgress);
      });
      const error = nextEvent<DemucsErrorEvent>(el, 'demucs-error');
      const loading = el.load(long);
      // Each step names itself and the element's state if it never ends.
      const state = () => `separated ${el.separatedSeconds} s`;
      await within(firstRegion, 'the first region', state);
      await within(rejects(loading, (e) => e instanceof MixerError && e.code === 'WORKER_CRASHED'), 'load() answering WORKER_CRASHED', state);
      equal((await within(error, 'the demucs-error event', state)).detail.code, 'WORKER_CRASHED');
      const kept = el.separatedSeconds;
      ok(kept > 0 && kept < 120, `separated ${kept} s before the crash`);
      const stems = await within(el.exportStems('f32'), 'exporting what was separated', state);
      equal(stems['drums']!.size, 44 + Math.round(kept * 44100) * 8, 'what was separated exports');
      // The next song: a new worker, the model loaded again.
      await within(el.load(wavFile(...stereoSignal(30000, 5))), 'the next song', state);
      near(el.separatedSeconds, 30000 / 44100, 1e-9);
      ok(!el.shadowRoot!.querySelector('.error'), 'no error shown once the next song is in');
    } finally {
      el.remove();
    }
  });

  it('a new song dropped mid-separation: the old run stops, the new one completes alone', async () => {
    const el = await testMixer();
    try {
      await el.loadModel(`${MODELS}/wave4.onnx`);
      const started = new Promise<void>((resolve) => el.addEventListener('demucs-progress', () => resolve(), { once: true }));
      const first = el.load(wavFile(...stereoSignal(120 * 44100, 6), 'first.wav'));
      const state = () => `separated ${el.separatedSeconds} s of ${el.duration} s`;
      await within(started, 'the first song starting', state);
      await within(el.load(wavFile(...stereoSignal(50000, 7), 'second.wav')), 'the second song', state);
      await within(first, 'the first load returning once superseded', state);
      near(el.duration, 50000 / 44100, 1e-9);
      near(el.separatedSeconds, el.duration, 1e-9);
      equal(el.separationStats!.runs, 1, 'only the second song ran after the switch');
    } finally {
      el.remove();
    }
  });

  it('the AudioContext suspended mid-play (a hidden tab, another app taking the device): playback resumes in sync', async () => {
    const el = await testMixer();
    try {
      await el.loadModel(`${MODELS}/wave4.onnx`);
      // A slow ramp: each output sample tells which input sample it is.
      const N = 5 * 44100;
      const ramp = Float32Array.from({ length: N }, (_, i) => i / N - 0.5);
      await el.load(wavFile(ramp.slice(), ramp.slice()));
      const context = el.output.context as AudioContext;
      const recording = await recordOutput(el.output);
      await el.play();
      await new Promise((r) => setTimeout(r, 700));
      await context.suspend();
      const frozen = el.currentTime;
      await new Promise((r) => setTimeout(r, 600));
      near(el.currentTime, frozen, 1e-6, 'the playhead holds while suspended');
      await context.resume();
      await new Promise((r) => setTimeout(r, 700));
      el.pause();
      const out = recording.stop();
      ok(el.currentTime > frozen + 0.4 && el.currentTime < frozen + 1.2, `playhead ${el.currentTime} s after ${frozen} s`);
      // The stems add up to the song (consistent, the default): the recording, once sound
      // starts, must be the input's samples one after the other, through the suspension.
      const index = (y: number) => (y + 0.5) * N;
      const first = out.findIndex((y) => Math.abs(y) > 1e-6);
      ok(first >= 0, 'sound was recorded');
      let worst = 0;
      const start = index(out[first + 10]!) - 10;
      const last = Math.min(out.length, first + Math.floor((el.currentTime - 0.1) * 44100) - Math.round(start));
      for (let i = first + 10; i < last; i++) worst = Math.max(worst, Math.abs(index(out[i]!) - (start + (i - first))));
      ok(last - first > 44100, `${last - first} samples recorded`);
      ok(worst < 2, `the recorded stream is the input in order (worst index error ${worst.toFixed(2)} samples)`);
    } finally {
      el.remove();
    }
  });
});
