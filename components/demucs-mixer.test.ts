import { sendKeys } from '@web/test-runner-commands';
import { FADER_MIN_DB, panMatrix } from '../src/core/mixing.ts';
import { deepEqual, equal, near, ok, rejects } from '../test/browser/assert.ts';
import { maxAbsDiff, MODELS, nextEvent, readWav, stereoSignal, wavFile } from '../test/browser/helpers.ts';
import type { DemucsErrorEvent, DemucsProgressEvent, DemucsReadyEvent } from './events.ts';
import { DemucsMixer, MixerError } from './demucs-mixer.ts';

const WAVE4 = `${MODELS}/wave4.onnx`; // stems = b (x - m) + m, b = [1, 0.5, -0.25, 2]

async function mixer(model = WAVE4, consistent = false): Promise<DemucsMixer> {
  const el = document.createElement('demucs-mixer');
  el.backends = ['wasm'];
  el.shifts = 0;
  el.consistent = consistent; // the model's own stems, which these tests predict
  document.body.append(el);
  await el.loadModel(model);
  await el.updateComplete;
  return el;
}

function shadow<T extends Element>(el: DemucsMixer, selector: string): T {
  const found = el.shadowRoot!.querySelector<T>(selector);
  ok(found, `no ${selector}`);
  return found;
}

describe('<demucs-mixer>', function () {
  this.timeout(300000);
  let el: DemucsMixer;
  const N = 30000;
  const [left, right] = stereoSignal(N);

  before(async () => {
    el = await mixer();
    await el.load(wavFile(left.slice(), right.slice()));
  });
  after(() => el.remove());

  it('loads a model: ready event with backend and stems, before any song', async () => {
    const other = document.createElement('demucs-mixer');
    other.backends = ['wasm'];
    document.body.append(other);
    const ready = nextEvent<DemucsReadyEvent>(document, 'demucs-ready');
    const done = other.loadModel(WAVE4);
    const event = await ready;
    await done;
    equal(event.detail.backend, 'wasm');
    deepEqual(event.detail.stems, ['drums', 'bass', 'other', 'vocals']);
    ok(event.bubbles && event.composed, 'bubbles and composed');
    equal(other.backend, 'wasm');
    other.remove();
  });

  it('separates a file: stems, duration and separatedSeconds', () => {
    deepEqual(el.stems, ['drums', 'bass', 'other', 'vocals']);
    near(el.duration, N / 44100, 1e-9);
    near(el.separatedSeconds, el.duration, 1e-9);
  });

  it('fader → GainNode gain, in dB, with −∞ at the bottom', async () => {
    el.setGain('bass', -6);
    near(el.stemNode('bass')!.gain.value, 10 ** (-6 / 20), 1e-6);
    el.setGain('bass', 6);
    near(el.stemNode('bass')!.gain.value, 10 ** (6 / 20), 1e-6);
    el.setGain('bass', FADER_MIN_DB);
    equal(el.stemNode('bass')!.gain.value, 0);
    el.setGain('bass', 0);
    equal(el.stemNode('bass')!.gain.value, 1);
    await el.updateComplete;
    const fader = shadow<HTMLInputElement>(el, 'input[aria-label="bass level"]');
    equal(fader.getAttribute('aria-valuetext'), '0.0 dB');
  });

  it('mute and solo: the whole truth table for two stems', () => {
    const gains = () => ['drums', 'bass'].map((s) => el.stemNode(s)!.gain.value);
    for (const muteD of [false, true]) {
      for (const soloD of [false, true]) {
        for (const muteB of [false, true]) {
          for (const soloB of [false, true]) {
            el.setMute('drums', muteD);
            el.setSolo('drums', soloD);
            el.setMute('bass', muteB);
            el.setSolo('bass', soloB);
            const anySolo = soloD || soloB;
            const want = [!muteD && (!anySolo || soloD) ? 1 : 0, !muteB && (!anySolo || soloB) ? 1 : 0];
            deepEqual(gains(), want, `mute ${muteD}/${muteB} solo ${soloD}/${soloB}`);
            // A soloed stem elsewhere silences 'other' too.
            equal(el.stemNode('other')!.gain.value, anySolo ? 0 : 1);
          }
        }
      }
    }
    for (const s of ['drums', 'bass']) {
      el.setMute(s, false);
      el.setSolo(s, false);
    }
  });

  it('karaoke takes the vocals out and back; isolate leaves one stem', () => {
    el.karaoke(true);
    equal(el.stemNode('vocals')!.gain.value, 0);
    ok(el.karaokeOn);
    el.karaoke();
    equal(el.stemNode('vocals')!.gain.value, 1);
    el.isolate('drums');
    deepEqual(el.stems.map((s) => el.stemNode(s)!.gain.value), [1, 0, 0, 0]);
    el.setSolo('drums', false);
  });

  it('one karaoke control: the button, the amount and "vocals only" are one state, in the transport', async () => {
    await el.updateComplete;
    const button = shadow<HTMLButtonElement>(el, '[part=karaoke] button');
    const amount = shadow<HTMLInputElement>(el, '[part=karaoke] input[aria-label="Karaoke: vocals removed"]');
    button.click();
    await el.updateComplete;
    equal(el.karaokeAmount, 1);
    equal(Number(amount.value), 1, 'the amount follows the button');
    equal(button.getAttribute('aria-pressed'), 'true');
    amount.value = '0.5';
    amount.dispatchEvent(new Event('input'));
    await el.updateComplete;
    near(el.stemNode('vocals')!.gain.value, 0.5, 1e-6);
    equal(button.getAttribute('aria-pressed'), 'false', 'half out is not karaoke on');
    el.karaoke(false);
    const only = shadow<HTMLButtonElement>(el, '[part=karaoke] button:last-of-type');
    only.click();
    await el.updateComplete;
    ok(el.vocalsOnly);
    deepEqual(el.stems.map((s) => el.stemNode(s)!.gain.value), [0, 0, 0, 1]);
    equal(only.getAttribute('aria-pressed'), 'true');
    only.click();
    await el.updateComplete;
    deepEqual(el.stems.map((s) => el.stemNode(s)!.gain.value), [1, 1, 1, 1]);
    equal(el.shadowRoot!.querySelectorAll('input[aria-label="Karaoke: vocals removed"]').length, 1, 'one control');
  });

  it('the status line goes through the stages in order (a slowed load), with their elapsed times kept out of the live region', async () => {
    const slow = document.createElement('demucs-mixer');
    slow.backends = ['wasm'];
    slow.shifts = 0;
    slow._stageDelayForTests = 300;
    document.body.append(slow);
    const seen: string[] = [];
    let hiddenClock = false;
    const sampler = setInterval(() => {
      const status = slow.shadowRoot!.querySelector('[part=status]');
      const text = status?.textContent ?? '';
      for (const stage of ['downloading', 'compiling', 'warming up', 'model ready', 'separating', 'separated in']) {
        if (text.includes(stage) && seen.at(-1) !== stage && !seen.includes(stage)) seen.push(stage);
      }
      const clock = status?.querySelector('.elapsed');
      if (clock && clock.getAttribute('aria-hidden') === 'true' && /\(\d+ s\)/.test(clock.textContent ?? '')) hiddenClock = true;
    }, 20);
    try {
      // A URL of its own: not in the model cache (downloaded, not read from the cache).
      await slow.loadModel(`${WAVE4}?stages=${Date.now()}`);
      await slow.load(wavFile(...stereoSignal(3 * 44100, 9)));
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      clearInterval(sampler);
      slow.remove();
    }
    deepEqual(seen, ['downloading', 'compiling', 'warming up', 'model ready', 'separating', 'separated in']);
    ok(hiddenClock, 'an elapsed time was shown, aria-hidden');
  });

  it('keyboard: faders take arrows, Home, End, Page keys; buttons take Enter and Space', async () => {
    await el.updateComplete;
    const fader = shadow<HTMLInputElement>(el, 'input[aria-label="drums level"]');
    fader.focus();
    await sendKeys({ press: 'ArrowLeft' });
    await sendKeys({ press: 'ArrowLeft' });
    near(el.stemNode('drums')!.gain.value, 10 ** (-1 / 20), 1e-6);
    await sendKeys({ press: 'End' });
    near(el.stemNode('drums')!.gain.value, 10 ** (6 / 20), 1e-6);
    await sendKeys({ press: 'Home' });
    equal(el.stemNode('drums')!.gain.value, 0);
    await el.updateComplete;
    equal(fader.getAttribute('aria-valuetext'), '−∞ dB');
    await sendKeys({ press: 'PageUp' });
    ok(el.stemNode('drums')!.gain.value > 0, 'PageUp raises the fader');
    el.setGain('drums', 0);
    await el.updateComplete;
    const mute = shadow<HTMLButtonElement>(el, 'button[aria-label="Mute drums"]');
    mute.focus();
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    equal(mute.getAttribute('aria-pressed'), 'true');
    equal(el.stemNode('drums')!.gain.value, 0);
    await sendKeys({ press: 'Space' });
    await el.updateComplete;
    equal(mute.getAttribute('aria-pressed'), 'false');
    equal(el.stemNode('drums')!.gain.value, 1);
  });

  it('exports each stem, equal to the model output', async () => {
    const stems = await el.exportStems('f32');
    deepEqual(Object.keys(stems), ['drums', 'bass', 'other', 'vocals']);
    const bass = await readWav(stems['bass']!);
    equal(bass.left.length, N);
    let mean = 0;
    for (let i = 0; i < N; i++) mean += (left[i]! + right[i]!) / 2;
    mean /= N;
    const want = Float32Array.from(left, (x) => 0.5 * (x - mean) + mean);
    ok(maxAbsDiff(bass.left, want) < 1e-5, `bass: ${maxAbsDiff(bass.left, want)}`);
  });

  it('exports the mix as heard: vocals muted, bass at −6 dB, master at −3 dB', async () => {
    el.karaoke(true);
    el.setGain('bass', -6);
    el.setMasterGain(-3);
    const mix = await readWav(await el.exportMix('f32'));
    const stems = await el.exportStems('f32');
    const [d, b, o] = await Promise.all(['drums', 'bass', 'other'].map((s) => readWav(stems[s]!)));
    const g = 10 ** (-3 / 20);
    const want = Float32Array.from(d!.left, (x, i) => g * (x + 10 ** (-6 / 20) * b!.left[i]! + o!.left[i]!));
    ok(maxAbsDiff(mix.left, want) < 1e-5, `mix: ${maxAbsDiff(mix.left, want)}`);
    el.karaoke(false);
    el.setGain('bass', 0);
    el.setMasterGain(0);
  });

  it('pan: setPan sets the stem\'s StereoPannerNode (clamped to −1 … 1), the strip\'s control follows and sets it; reset-all', async () => {
    el.setPan('drums', -0.5);
    el.setPan('bass', 3);
    equal(el.panNode('drums')!.pan.value, -0.5);
    equal(el.panNode('bass')!.pan.value, 1, 'clamped');
    equal(el.getPan('bass'), 1);
    await el.updateComplete;
    const control = shadow<HTMLInputElement>(el, 'input[aria-label="drums pan"]');
    equal(Number(control.value), -0.5);
    equal(control.getAttribute('aria-valuetext'), 'L 50');
    control.value = '0.25';
    control.dispatchEvent(new Event('input'));
    equal(el.panNode('drums')!.pan.value, 0.25);
    el.setGain('other', -12);
    el.setSolo('vocals', true);
    el.setMasterGain(-6);
    shadow<HTMLButtonElement>(el, '.master button').click();
    for (const stem of el.stems) {
      equal(el.panNode(stem)!.pan.value, 0, `${stem} centred`);
      equal(el.stemNode(stem)!.gain.value, 1, `${stem} at 0 dB, no solo`);
    }
    equal((el.output as GainNode).gain.value, 1, 'master at 0 dB');
  });

  it('the StereoPannerNode\'s law is the one the mix export applies (equal power, stereo input)', async () => {
    const input = new AudioBuffer({ numberOfChannels: 2, length: 128, sampleRate: 44100 });
    input.getChannelData(0).fill(1);
    input.getChannelData(1).fill(0.5);
    for (const pan of [-1, -0.5, -0.2, 0, 0.3, 0.75, 1]) {
      const one = new OfflineAudioContext(2, 128, 44100);
      const source = new AudioBufferSourceNode(one, { buffer: input });
      source.connect(new StereoPannerNode(one, { pan })).connect(one.destination);
      source.start();
      const heard = await one.startRendering();
      const m = panMatrix(pan);
      near(heard.getChannelData(0)[64]!, m.ll * 1 + m.rl * 0.5, 1e-6, `pan ${pan}: left`);
      near(heard.getChannelData(1)[64]!, m.lr * 1 + m.rr * 0.5, 1e-6, `pan ${pan}: right`);
    }
  });

  it('exports the mix as heard with pans: drums half left, bass hard right', async () => {
    el.setPan('drums', -0.5);
    el.setPan('bass', 1);
    const mix = await readWav(await el.exportMix('f32'));
    const stems = await el.exportStems('f32');
    const [d, b, o, v] = await Promise.all(['drums', 'bass', 'other', 'vocals'].map((s) => readWav(stems[s]!)));
    const h = Math.SQRT1_2; // cos(π/4) = sin(π/4): pan −0.5
    const wantLeft = Float32Array.from(d!.left, (_, i) => d!.left[i]! + h * d!.right[i]! + o!.left[i]! + v!.left[i]!);
    const wantRight = Float32Array.from(d!.left, (_, i) => h * d!.right[i]! + b!.right[i]! + b!.left[i]! + o!.right[i]! + v!.right[i]!);
    ok(maxAbsDiff(mix.left, wantLeft) < 1e-5, `left: ${maxAbsDiff(mix.left, wantLeft)}`);
    ok(maxAbsDiff(mix.right, wantRight) < 1e-5, `right: ${maxAbsDiff(mix.right, wantRight)}`);
    el.resetMix();
  });

  it('consistent (the default): the stems add up to the song; karaoke plays the song minus the vocals', async () => {
    const other = document.createElement('demucs-mixer');
    ok(other.consistent, 'on by default');
    other.remove();
    const c = await mixer(WAVE4, true);
    try {
      await c.load(wavFile(left.slice(), right.slice()));
      const stems = await c.exportStems('f32');
      const parts = await Promise.all(c.stems.map((s) => readWav(stems[s]!)));
      const sum = Float32Array.from(left, (_, i) => parts.reduce((t, p) => t + p.left[i]!, 0));
      ok(maxAbsDiff(sum, left) < 1e-6, `Σ stems − song: ${maxAbsDiff(sum, left)}`);
      // wave4's stems sum to 3.25 (x − m) + 4 m: each got a quarter of the residual.
      let mean = 0;
      for (let i = 0; i < N; i++) mean += (left[i]! + right[i]!) / 2;
      mean /= N;
      const residual = (i: number) => left[i]! - (3.25 * (left[i]! - mean) + 4 * mean);
      const bass = Float32Array.from(left, (x, i) => 0.5 * (x - mean) + mean + residual(i) / 4);
      ok(maxAbsDiff(parts[1]!.left, bass) < 1e-5, `bass: ${maxAbsDiff(parts[1]!.left, bass)}`);
      c.karaoke(true);
      const karaoke = await readWav(await c.exportMix('f32'));
      const want = Float32Array.from(left, (x, i) => x - parts[3]!.left[i]!);
      ok(maxAbsDiff(karaoke.left, want) < 1e-5, `karaoke − (song − vocals): ${maxAbsDiff(karaoke.left, want)}`);
    } finally {
      c.remove();
    }
  });

  it('progress events: bubbling, composed, with separated seconds and a final done', async () => {
    const seen: DemucsProgressEvent[] = [];
    const listen = (e: Event) => seen.push(e as DemucsProgressEvent);
    document.addEventListener('demucs-progress', listen);
    await el.load(wavFile(...stereoSignal(400000, 3)));
    document.removeEventListener('demucs-progress', listen);
    ok(seen.length >= 3, `${seen.length} events`);
    ok(seen.every((e) => e.bubbles && e.composed));
    const last = seen.at(-1)!.detail;
    ok(last.done);
    near(last.fraction, 1, 1e-9);
    near(last.separatedSeconds, 400000 / 44100, 1e-9);
    ok(seen[0]!.detail.separatedSeconds < last.separatedSeconds, 'regions arrive before the end');
  });

  it('plays: the position advances and the master output is reachable', async () => {
    ok(el.output instanceof AudioNode);
    await el.play();
    await new Promise((r) => setTimeout(r, 600));
    ok(el.currentTime > 0.3, `position ${el.currentTime}`);
    el.pause();
    const at = el.currentTime;
    await new Promise((r) => setTimeout(r, 200));
    equal(el.currentTime, at);
    el.seek(1);
    near(el.currentTime, 1, 1e-3);
  });

  it('taken out of the page, its audio context is suspended (its audio thread idle); moved, it is not; put back, play() resumes it and plays on', async () => {
    const context = el.output.context as AudioContext;
    await el.play();
    equal(context.state, 'running');
    document.body.append(el); // a move: out and back in the same task
    await new Promise((r) => setTimeout(r, 300));
    equal(context.state, 'running', 'moved: not suspended');
    el.remove();
    try {
      const since = performance.now();
      while (context.state !== 'suspended' && performance.now() - since < 5000) await new Promise((r) => setTimeout(r, 20));
      equal(context.state, 'suspended', 'removed: suspended');
    } finally {
      document.body.append(el); // the tests after this one use it in the page
    }
    el.seek(0.2);
    await el.play();
    equal(context.state, 'running', 'put back and played: running');
    await new Promise((r) => setTimeout(r, 400));
    ok(el.currentTime > 0.3, `the playhead moves on (${el.currentTime.toFixed(2)} s)`);
    el.pause();
  });

  it('a file that is not audio: demucs-error AUDIO_DECODE, and load() rejects', async () => {
    const error = nextEvent<DemucsErrorEvent>(document, 'demucs-error');
    await rejects(el.load(new File(['not audio at all'], 'notes.txt')), (e) => e instanceof MixerError && e.code === 'AUDIO_DECODE');
    equal((await error).detail.code, 'AUDIO_DECODE');
    const empty = nextEvent<DemucsErrorEvent>(document, 'demucs-error');
    await rejects(el.load(new File([], 'empty.wav')), (e) => e instanceof MixerError && e.code === 'AUDIO_EMPTY');
    equal((await empty).detail.code, 'AUDIO_EMPTY');
  });

  const badModels: [string, string, string][] = [
    ['a file that is not a model', `${MODELS}/not-a-model.onnx`, 'MODEL_LOAD'],
    ['a model with another contract', `${MODELS}/wrong-segment.onnx`, 'MODEL_CONTRACT'],
    ['a missing model', `${MODELS}/missing.onnx`, 'MODEL_DOWNLOAD'],
  ];
  for (const [what, url, code] of badModels) {
    it(`${what}: demucs-error ${code}`, async () => {
      const other = document.createElement('demucs-mixer');
      other.backends = ['wasm'];
      document.body.append(other);
      const error = nextEvent<DemucsErrorEvent>(other, 'demucs-error');
      await rejects(other.loadModel(url), (e) => e instanceof MixerError && e.code === code);
      const event = await error;
      equal(event.detail.code, code);
      ok(event.detail.message.length > 10);
      other.remove();
    });
  }

  it('the src attribute loads and separates a song by URL', async () => {
    const url = URL.createObjectURL(wavFile(...stereoSignal(20000, 9)));
    const other = document.createElement('demucs-mixer');
    other.backends = ['wasm'];
    other.shifts = 0;
    other.setAttribute('model', WAVE4);
    const done = new Promise<void>((resolve) => other.addEventListener('demucs-progress', (e) => (e as DemucsProgressEvent).detail.done && resolve()));
    other.setAttribute('src', url);
    document.body.append(other);
    await done;
    near(other.duration, 20000 / 44100, 1e-9);
    equal(other.getAttribute('src'), url);
    other.remove();
  });

  it('a model whose sha256 does not match: MODEL_INTEGRITY; the right one loads', async () => {
    const other = document.createElement('demucs-mixer');
    other.backends = ['wasm'];
    document.body.append(other);
    await rejects(other.loadModel(WAVE4, { sha256: '0'.repeat(64) }), (e) => e instanceof MixerError && e.code === 'MODEL_INTEGRITY');
    const bytes = new Uint8Array(await (await fetch(WAVE4)).arrayBuffer());
    const hex = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
    await other.loadModel(WAVE4, { sha256: hex });
    equal(other.backend, 'wasm');
    other.remove();
  });
});
