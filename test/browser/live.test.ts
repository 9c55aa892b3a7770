import { DemucsMixer, MixerError } from '../../components/demucs-mixer.ts';
import type { DemucsLiveStateEvent, DemucsXrunEvent } from '../../components/events.ts';
import { LivePipeline } from '../../components/audio/live-pipeline.ts';
import { LIVE_SEGMENT } from '../../src/core/constants.ts';
import { geometryOf } from '../../src/core/geometry.ts';
import { HOLD_HOP, HOLD_MARGIN, latencyPreset, statedLatency, type LiveTiming } from '../../src/core/live.ts';
import { equal, near, ok, rejects } from './assert.ts';
import { removeMixers, testMixer } from './mixer-helpers.ts';
import { MODELS, nextEvent, sleep, until, wavFile } from './helpers.ts';

const WAVE4 = `${MODELS}/wave4.onnx`; // stems = b (x - m) + m, b = [1, 0.5, -0.25, 2]: their sum is 3.25 (x - m) + 4 m
const TIMING: LiveTiming = { hop: 22050, lookahead: 22050, margin: 22050, crossfade: 1024 };

const mixer = () => testMixer(WAVE4);

/** A recorder of (source, mix), sample-aligned, in the mixer's context. */
async function recorder(context: BaseAudioContext, source: AudioNode, mix: AudioNode) {
  await context.audioWorklet.addModule('/test/browser/recorder.processor.js');
  const node = new AudioWorkletNode(context, 'test-recorder', { numberOfInputs: 2, numberOfOutputs: 0 });
  source.connect(node, 0, 0);
  mix.connect(node, 0, 1);
  const input: Float32Array[] = [];
  const output: Float32Array[] = [];
  await new Promise<void>((ready) => {
    node.port.onmessage = (e: MessageEvent<[Float32Array, Float32Array] | 'ready'>) => {
      if (e.data === 'ready') return ready();
      input.push(e.data[0]);
      output.push(e.data[1]);
    };
  });
  const join = (blocks: Float32Array[]) => {
    const out = new Float32Array(blocks.length * 128);
    blocks.forEach((b, i) => out.set(b, i * 128));
    return out;
  };
  const stop = () => {
    source.disconnect(node);
    mix.disconnect(node);
    node.port.onmessage = null;
  };
  return { stop, input: () => join(input), output: () => join(output) };
}

function clickTrain(context: BaseAudioContext, seconds: number, every: number): AudioBufferSourceNode {
  const buffer = new AudioBuffer({ numberOfChannels: 2, length: seconds * 44100, sampleRate: 44100 });
  for (let c = 0; c < 2; c++) {
    const data = buffer.getChannelData(c);
    for (let t = every; t < seconds * 44100; t += every) data[t] = 0.5;
  }
  return new AudioBufferSourceNode(context, { buffer });
}

/**
 * The main thread connecting and disconnecting nodes 12 ms at a time until the returned stop is
 * called: the audio thread then often finds the graph locked (as on a busy page).
 */
function rewireAllAlong(context: BaseAudioContext): () => void {
  let on = true;
  const nodes = Array.from({ length: 8 }, () => new GainNode(context));
  const rewire = () => {
    for (const until = performance.now() + 12; on && performance.now() < until; ) {
      for (const node of nodes) {
        node.connect(context.destination);
        node.disconnect();
      }
    }
    if (on) setTimeout(rewire, 0);
  };
  rewire();
  return () => (on = false);
}

function sine(context: BaseAudioContext, seconds: number): AudioBufferSourceNode {
  const buffer = new AudioBuffer({ numberOfChannels: 2, length: seconds * 44100, sampleRate: 44100 });
  for (let c = 0; c < 2; c++) buffer.getChannelData(c).set(Float32Array.from({ length: seconds * 44100 }, (_, i) => 0.4 * Math.sin((2 * Math.PI * 330 * i) / 44100)));
  return new AudioBufferSourceNode(context, { buffer });
}

describe('live mode', function () {
  this.timeout(300000);
  afterEach(removeMixers);

  /** Goes live on a click train and checks that every click after the first runs comes out the stated latency later, through the stems. */
  async function clicksAtStatedLatency(el: DemucsMixer, key = 0, during?: (context: AudioContext) => () => void): Promise<string[]> {
    const context = el.output.context as AudioContext;
    el.key = key;
    const source = clickTrain(context, 9, 75000); // clicks further apart than the latency
    const rec = await recorder(context, source, el.output);
    const states: string[] = [];
    el.addEventListener('demucs-live-state', (e) => states.push((e as DemucsLiveStateEvent).detail.state));
    const endDuring = during?.(context);
    let shifter: number;
    try {
      await el.startLive({ source, latency: TIMING, autoLatency: false });
      source.start();
      equal(el.liveState, 'running');
      await el.updateComplete;
      // With a key, the pitch shifter's own latency is part of the stated one.
      shifter = Math.round(el.latency * 44100) - statedSamples();
      if (key) ok(shifter > 1000 && shifter < 10000, `the pitch shifter adds ${shifter} samples`);
      else equal(shifter, 0, 'no pitch shifter at the song\'s key');
      await sleep(8500);
      rec.stop();
      await el.stopLive();
    } finally {
      endDuring?.();
    }
    const input = rec.input();
    const output = rec.output();
    const latency = statedSamples() + shifter;
    const clicks: number[] = [];
    for (let i = 0; i < input.length; i++) if (input[i]! > 0.25) clicks.push(i);
    ok(clicks.length >= 4, `${clicks.length} clicks recorded`);
    // Clicks late enough for the stems to be playing (after the latency and the first runs).
    const late = clicks.filter((c) => c > 1.6 * 44100 && c + latency + 4096 < output.length);
    ok(late.length >= 2, 'clicks after the stems started');
    for (const c of late) {
      let best = c;
      for (let i = c; i < Math.min(output.length, c + latency + 4096); i++) if (Math.abs(output[i]!) > Math.abs(output[best]!)) best = i;
      const measured = best - c;
      const stated = latency;
      // Pitch-shifted, the click's peak may move by a few samples; otherwise it is exact.
      if (key) ok(Math.abs(measured - stated) <= 128, `measured ${measured} samples, stated ${stated}`);
      else equal(measured, stated, 'measured against stated latency (samples)');
      // Pitch-shifted, a click keeps its place but not its height (measured: 0.58–0.99 of it).
      if (key) ok(Math.abs(output[best]!) > 0.8, `the sum of the separated stems (${output[best]!.toFixed(2)}), not the dry signal`);
      else near(output[best]!, 3.25 * 0.5, 0.05, 'the sum of the separated stems, not the dry signal');
    }
    return states;
  }

  it('a click comes out exactly the stated latency later (to the sample), through the stems', async () => {
    const el = await mixer();
    const states = await clicksAtStatedLatency(el);
    ok(states.join(',').startsWith('starting,running') && states.at(-1) === 'off', states.join(','));
    el.remove();
  });

  it('with the key moved (+2 st): the click comes out the stated latency later, the pitch shifter\'s included (± one render quantum)', async () => {
    const el = await mixer();
    await clicksAtStatedLatency(el, 2);
    el.remove();
  });

  it('after a stall of five segments (the input ring overflows, input is lost), the clicks come out at the stated latency again, to the sample', async () => {
    // A 3.9 s window: the input ring holds four segments (15.6 s); the worker stalls 19.5 s.
    const el = await testMixer(`${MODELS}/short4.onnx`);
    await until(() => el.stems.length === 4, 'the model loaded');
    const context = el.output.context as AudioContext;
    const source = clickTrain(context, 36, 75000); // clicks further apart than the latency
    const rec = await recorder(context, source, el.output);
    await el.startLive({ source, latency: TIMING, autoLatency: false, stallForTests: { afterRuns: 2, milliseconds: 5 * 3.9 * 1000 } });
    source.start();
    const stated = Math.round(el.latency * 44100);
    await sleep(34000);
    rec.stop();
    const lost = el._liveCounterForTests('overruns');
    await el.stopLive();
    ok(lost >= 44100, `${(lost / 44100).toFixed(1)} s of input lost to the stall`);
    const input = rec.input();
    const output = rec.output();
    const clicks: number[] = [];
    for (let i = 0; i < input.length; i++) if (input[i]! > 0.25) clicks.push(i);
    // The stall ends about 21.5 s in (2 s, then 19.5 s); the backlog is caught up at once (skipped,
    // played dry), and the runs after it are on time: every click from 22 s on.
    const after = clicks.filter((c) => c > 22 * 44100 && c + stated + 4096 < output.length);
    ok(after.length >= 2, `${after.length} clicks after the stall`);
    for (const c of after) {
      let best = c;
      for (let i = c; i < c + stated + 4096; i++) if (Math.abs(output[i]!) > Math.abs(output[best]!)) best = i;
      equal(best - c, stated, 'measured against stated latency (samples)');
      ok(Math.abs(output[best]!) > 0.8, `through the stems (${output[best]!.toFixed(2)}), not the dry signal`);
    }
    el.remove(); // and after a failure, the afterEach hook
  });

  it("the same, to the sample, while the page rewires its audio graph all along (Chromium's currentFrame then stays unchanged in many quanta)", async () => {
    const el = await mixer();
    let probe!: AudioWorkletNode;
    await clicksAtStatedLatency(el, 0, (context) => {
      probe = new AudioWorkletNode(context, 'test-frame-probe', { numberOfOutputs: 0 });
      return rewireAllAlong(context);
    });
    const frames = await new Promise<{ stale: number; quanta: number }>((r) => ((probe.port.onmessage = (e) => r(e.data)), probe.port.postMessage('count')));
    ok(frames.stale > frames.quanta / 20, `currentFrame unchanged in ${frames.stale} of ${frames.quanta} quanta (the condition under test)`);
    el.remove();
  });

  it('when compute cannot keep up: dry signal with cross-fades, counted xruns, a demucs-xrun event', async () => {
    const el = await mixer();
    const context = el.output.context as AudioContext;
    const source = sine(context, 10);
    const rec = await recorder(context, source, el.output);
    const xrun = nextEvent<DemucsXrunEvent>(el, 'demucs-xrun', 60000);
    await el.startLive({ source, latency: TIMING, autoLatency: false, minRunMilliseconds: 1600 });
    source.start();
    const event = await xrun;
    ok(event.detail.xruns >= 1 && event.detail.suggestedLatency > event.detail.latency, JSON.stringify(event.detail));
    await sleep(4000);
    rec.stop();
    ok(el.xruns >= 1, `xruns ${el.xruns}`);
    ok(!el.keepingUp, 'not keeping up');
    ok(el.realtimeFactor > 1, `real-time factor ${el.realtimeFactor}`);
    await el.stopLive();
    const output = rec.output();
    let jump = 0;
    let loud = 0;
    for (let i = 1; i < output.length; i++) {
      jump = Math.max(jump, Math.abs(output[i]! - output[i - 1]!));
      loud = Math.max(loud, Math.abs(output[i]!));
    }
    ok(loud > 0.3, 'sound all along');
    // A 330 Hz sine at 3.25 × 0.4 moves at most 0.061 per sample; switching between it and the
    // dry 0.4 sine without a fade would jump by up to 0.9.
    ok(jump < 0.1, `largest sample-to-sample jump ${jump}`);
    el.remove();
  });

  it('autoLatency: the latency that holds, chosen in one step from the run timed at load (a slowed model): no restart, no dropout', async () => {
    const el = await mixer();
    const context = el.output.context as AudioContext;
    const source = sine(context, 14);
    const states: string[] = [];
    el.addEventListener('demucs-live-state', (e) => states.push((e as DemucsLiveStateEvent).detail.state));
    let xrunEvents = 0;
    el.addEventListener('demucs-xrun', () => xrunEvents++);
    // Runs of at least 1.2 s, the one timed at load included, for an asked hop of 0.5 s.
    await el.startLive({ source, latency: TIMING, minRunMilliseconds: 1200 });
    source.start();
    const run = 1.2 * 44100;
    const least = TIMING.lookahead + Math.ceil(run * HOLD_HOP) + Math.ceil(run * HOLD_MARGIN) + TIMING.crossfade;
    ok(el.latency * 44100 >= least - 1, `stated ${Math.round(el.latency * 44100)} samples, at least ${least} for a 1.2 s run`);
    ok(el.latency < 1.25 * (least / 44100) + 0.1, `stated ${el.latency.toFixed(2)} s: one step, not more than the run calls for`);
    const text = () => el.shadowRoot!.querySelector('demucs-live-panel .live-state')?.textContent ?? '';
    await until(() => text().includes('what this device holds'), 'the panel says why', 5000);
    ok(/a run takes 1\.2\d s; 1\.5\d s asked/.test(text()), text());
    const workers = LivePipeline.workers;
    await sleep(11000);
    equal(states.join(','), 'starting,running', 'started once, never restarted');
    equal(LivePipeline.workers, workers, 'the same worker all along');
    const stemSeconds = (el._liveCounterForTests('stemQuanta') * 128) / 44100;
    ok(stemSeconds >= 6, `${stemSeconds.toFixed(1)} s heard separated`);
    equal(el.xruns, 0, 'no dropout');
    equal(xrunEvents, 0);
    ok(el.keepingUp && el.realtimeFactor <= 1 / HOLD_HOP + 0.1, `keeping up, real-time factor ${el.realtimeFactor.toFixed(2)}`);
    await el.stopLive();
    el.remove();
  });

  /**
   * Goes live at "balanced" on the shorter window (3.9 s: its latency, and the panel's choice on
   * it), awaits `whileLive`, stops, and goes live again with `fileModel` (7.8 s: its latency),
   * leaving that start running.
   */
  async function bothWindows(el: DemucsMixer, whileLive?: () => Promise<void>): Promise<void> {
    const context = el.output.context as AudioContext;
    const seconds = (t: LiveTiming) => statedLatency(t) / 44100;
    await el.startLive({ source: sine(context, 5), latency: 'balanced', autoLatency: false });
    near(el.latency, seconds(latencyPreset('balanced', geometryOf(LIVE_SEGMENT))), 1e-6, 'the 3.9 s window\'s balanced latency');
    await el.updateComplete;
    const choice = el.shadowRoot!.querySelector<HTMLSelectElement>('demucs-live-panel .live-window');
    ok(choice !== null, 'the panel offers the two windows');
    equal(choice!.value, 'live');
    await whileLive?.();
    await el.stopLive();
    await el.startLive({ source: sine(context, 5), latency: 'balanced', autoLatency: false, fileModel: true });
    near(el.latency, seconds(latencyPreset('balanced')), 1e-6, 'the file model\'s 7.8 s window');
  }

  it('live-model: live mode runs the shorter-window model it names (its presets scaled to 3.9 s), the panel offers the file model\'s window, and fileModel runs that one', async () => {
    const el = await mixer();
    el.liveModel = `${MODELS}/short4.onnx`;
    await el.updateComplete;
    await bothWindows(el);
    await el.stopLive();
    el.liveModel = '';
    await el.updateComplete;
    equal(el.shadowRoot!.querySelector('demucs-live-panel .live-window'), null, 'no choice without a live model');
    el.remove();
  });

  it('a model that runs any window (convert --segment any): the panel offers both windows once it has loaded, live mode runs the file model itself at 3.9 s, and fileModel runs 7.8 s', async () => {
    const fixed = await testMixer(WAVE4);
    await until(() => fixed.backend !== null, 'the fixed-window model loaded');
    await fixed.updateComplete;
    equal(fixed.shadowRoot!.querySelector('demucs-live-panel .live-window'), null, 'no choice with a fixed-window model and no live-model');
    fixed.remove();
    const el = await testMixer(`${MODELS}/any4.onnx`);
    await until(() => el.backend !== null, 'the any-window model loaded');
    await el.updateComplete;
    equal(el.shadowRoot!.querySelector<HTMLSelectElement>('demucs-live-panel .live-window')?.value, 'live', 'the choice, before any live start, on the shorter window');
    // The file model itself, at 3.9 s: its stems are heard.
    await bothWindows(el, () => until(() => el._liveCounterForTests('stemQuanta') > 0, 'separated stems heard', 10000));
    await el.updateComplete;
    equal(el.shadowRoot!.querySelector<HTMLSelectElement>('demucs-live-panel .live-window')!.value, 'file');
    await el.stopLive();
    el.remove();
  });

  /**
   * Goes live on a sine with a model slowed to `minRun` ms a run, records `seconds`, stops, and
   * finds the dropouts in the recording: each quantum of the output against the input a latency
   * earlier (wave4's stems add up to 3.25 × the zero-mean sine, the dry signal to 1 ×; cross-fades
   * between, silence before). Returns them beside the playback's counters at the stop.
   */
  async function dropoutsHeardAndCounted(timing: LiveTiming, minRun: number, seconds: number) {
    const el = await mixer();
    const context = el.output.context as AudioContext;
    const source = sine(context, seconds + 5);
    const rec = await recorder(context, source, el.output);
    source.start(); // sound from the capture's first quantum on
    const events: number[] = [];
    el.addEventListener('demucs-xrun', (e) => events.push((e as DemucsXrunEvent).detail.xruns));
    await el.startLive({ source, latency: timing, autoLatency: false, minRunMilliseconds: minRun });
    const latency = Math.round(el.latency * 44100);
    await sleep(seconds * 1000);
    await el.stopLive();
    await sleep(300);
    rec.stop();
    const counted = { xruns: el._liveCounterForTests('xruns'), dryQuanta: el._liveCounterForTests('dryQuanta') };
    el.remove();
    const input = rec.input();
    const output = rec.output();
    const peak = (x: Float32Array, from: number) => {
      let m = 0;
      for (let i = Math.max(0, from); i < from + 128 && i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
      return m;
    };
    const heard: ('stems' | 'dry' | 'fade')[] = [];
    for (let at = latency; at + 128 <= output.length; at += 128) {
      const dry = peak(input, at - latency);
      const out = peak(output, at);
      if (dry < 0.3 || out < 0.05) continue; // no input then, or the pre-roll / after the stop
      const ratio = out / dry;
      heard.push(ratio > 2.6 ? 'stems' : ratio < 1.4 ? 'dry' : 'fade');
    }
    let spans = 0;
    let dry = 0;
    let inSpan = false;
    for (const h of heard) {
      if (h === 'dry') {
        dry++;
        if (!inSpan) spans++;
        inSpan = true;
      } else if (h === 'stems') inSpan = false;
    }
    console.log(`dropouts heard: ${spans} spans, ${dry} dry quanta; counted ${counted.xruns}, ${counted.dryQuanta}; events ${events.join(',')}`);
    return { heard, spans, dry, events, ...counted };
  }

  it('the counters are what is heard: a model that never keeps up is one dropout from the first input\'s time on, counted and announced (against a recording)', async () => {
    // Runs of 1.6 s for a 0.5 s hop and a 0.5 s margin: no region is ever in time.
    const r = await dropoutsHeardAndCounted(TIMING, 1600, 8);
    ok(!r.heard.includes('stems') && r.dry > 300, `heard ${r.dry} quanta, all dry`);
    equal(r.spans, 1);
    equal(r.xruns, 1, 'counted: one dropout (before, 0: nothing counted until stems had played)');
    ok(Math.abs(r.dryQuanta - r.dry) <= 8, `counted ${r.dryQuanta} dry quanta, heard ${r.dry}`);
    equal(r.events.join(','), '1', 'announced');
  });

  it('the counters are what is heard: stems and dropouts alternating, each dry span counted once, its quanta too (against a recording)', async () => {
    // Runs of 0.7 s for a 0.5 s hop and a 1 s margin: late a little more each run, until the worker skips ahead.
    const r = await dropoutsHeardAndCounted({ ...TIMING, margin: 44100 }, 700, 14);
    ok(r.spans >= 2 && r.heard.includes('stems'), `${r.spans} dry spans between stems in the recording`);
    equal(r.xruns, r.spans, `counted ${r.xruns} dropouts, heard ${r.spans} dry spans`);
    ok(Math.abs(r.dryQuanta - r.dry) <= 10 * r.spans + 8, `counted ${r.dryQuanta} dry quanta, heard ${r.dry}`);
    ok(r.events.every((x, k) => k === 0 || x > r.events[k - 1]!) && r.events.at(-1)! >= r.xruns - 1, `demucs-xrun events ${r.events.join(', ')} for ${r.xruns} dropouts`);
  });

  it('the microphone (a fake one, from a file): separated 440 Hz tone at the output', async () => {
    const el = await mixer();
    const context = el.output.context as AudioContext;
    const silent = new GainNode(context, { gain: 0 });
    const rec = await recorder(context, silent, el.output);
    await el.startLive({ source: 'microphone', latency: TIMING });
    // The last second recorded must be separated: wait for the stems, not for a time.
    await until(() => el.keepingUp, 'playing stems');
    await sleep(1500);
    rec.stop();
    equal(el.liveState, 'running');
    await el.stopLive();
    const output = rec.output().subarray(-44100);
    let zeroCrossings = 0;
    let peak = 0;
    for (let i = 1; i < output.length; i++) {
      if (output[i - 1]! < 0 && output[i]! >= 0) zeroCrossings++;
      peak = Math.max(peak, Math.abs(output[i]!));
    }
    ok(peak > 0.1, `peak ${peak}`);
    near(zeroCrossings, 440, 5, 'a 440 Hz tone');
    el.remove();
  });

  it('a file played as if live: decoded by the live context, heard separated', async () => {
    const el = await mixer();
    const context = el.output.context as AudioContext;
    const rec = await recorder(context, new GainNode(context, { gain: 0 }), el.output);
    const tone = Float32Array.from({ length: 4 * 44100 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / 44100));
    await el.startLive({ source: wavFile(tone, tone, 'tone.wav'), latency: TIMING, autoLatency: false });
    await until(() => el.keepingUp, 'playing stems');
    await sleep(700);
    rec.stop();
    equal(el.liveState, 'running');
    await el.stopLive();
    const tail = rec.output().subarray(-22050);
    let peak = 0;
    for (const v of tail) peak = Math.max(peak, Math.abs(v));
    near(peak, 3.25 * 0.3, 0.05, 'the separated stems of the tone');
    el.remove();
  });

  it('one minute of live separation on a tiny model: zero xruns, keeping up', async () => {
    const el = await mixer();
    const source = sine(el.output.context, 65);
    await el.startLive({ source, latency: 'balanced', autoLatency: false });
    source.start();
    await sleep(60000);
    equal(el.xruns, 0, 'xruns');
    ok(el.keepingUp, `keeping up (real-time factor ${el.realtimeFactor})`);
    ok(el.realtimeFactor < 1);
    await el.stopLive();
    el.remove();
  });

  it('stops and restarts without leaking workers or nodes', async () => {
    const el = await mixer();
    const context = el.output.context as AudioContext;
    for (let round = 0; round < 3; round++) {
      const source = sine(context, 3);
      await el.startLive({ source, latency: TIMING, autoLatency: false });
      source.start();
      equal(LivePipeline.active, 1, `one live pipeline in round ${round}`);
      await sleep(300);
      await el.stopLive();
      equal(LivePipeline.active, 0, `none after stopping, round ${round}`);
      equal(el.liveState, 'off');
    }
    el.remove();
  });

  it('an unusable live source gives a clear error', async () => {
    const el = await mixer();
    const other = new AudioContext();
    const node = new GainNode(other);
    await rejects(el.startLive({ source: node }), (e) => e instanceof MixerError && /another AudioContext/.test(e.message));
    equal(el.liveState, 'error');
    await other.close();
    el.remove();
  });

  it('karaoke from full mix to vocals removed, and vocals only', async () => {
    const el = await mixer();
    const source = sine(el.output.context, 2);
    await el.startLive({ source, latency: TIMING, autoLatency: false });
    el.karaokeAmount = 0.75;
    near(el.stemNode('vocals')!.gain.value, 0.25, 1e-6);
    el.karaokeAmount = 1;
    equal(el.stemNode('vocals')!.gain.value, 0);
    el.karaokeAmount = 0;
    el.isolate('vocals');
    equal(el.stemNode('drums')!.gain.value, 0);
    equal(el.stemNode('vocals')!.gain.value, 1);
    await el.stopLive();
    el.remove();
  });
});

function statedSamples(): number {
  return Math.ceil((TIMING.hop + TIMING.lookahead + TIMING.margin) / 128) * 128;
}
