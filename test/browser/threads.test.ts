import { DemucsMixer, MixerError } from '../../components/demucs-mixer.ts';
import type { DemucsReadyEvent } from '../../components/events.ts';
import type { LiveTiming } from '../../src/core/live.ts';
import { equal, rejects } from './assert.ts';
import { MODELS, nextEvent } from './helpers.ts';
import { testMixer } from './mixer-helpers.ts';

const WAVE4 = `${MODELS}/wave4.onnx`;
const TIMING: LiveTiming = { hop: 22050, lookahead: 22050, margin: 22050, crossfade: 1024 };

const mixer = () => testMixer();

async function load(el: DemucsMixer): Promise<number> {
  const ready = nextEvent<DemucsReadyEvent>(el, 'demucs-ready');
  await el.loadModel(WAVE4);
  return (await ready).detail.threads;
}

describe('WASM threads', function () {
  this.timeout(120000);
  const cores = navigator.hardwareConcurrency;

  it('file mode: every core by default; `threads` overrides from the next load (a new worker), 0 goes back', async () => {
    equal(crossOriginIsolated, true, 'the test page is cross-origin isolated');
    const el = await mixer();
    equal(await load(el), cores, 'demucs-ready threads by default');
    equal(el.threads, cores);
    el.threads = 1;
    equal(await load(el), 1, 'demucs-ready threads with threads = 1');
    equal(el.threads, 1);
    el.threads = 0;
    equal(await load(el), cores, 'back to every core');
    el.remove();
  });

  it('live mode: every core, but one beyond two cores (the audio thread keeps it), by default; `threads` overrides', async () => {
    const el = await mixer();
    el.model = WAVE4;
    const silent = new GainNode(el.output.context);
    await el.startLive({ source: silent, latency: TIMING, autoLatency: false });
    equal(el.threads, cores > 2 ? cores - 1 : cores, 'live threads by default');
    await el.stopLive();
    el.threads = 1;
    await el.startLive({ source: silent, latency: TIMING, autoLatency: false });
    equal(el.threads, 1, 'live threads with threads = 1');
    await el.stopLive();
    el.remove();
  });

  it('a thread count that is not a whole number ≥ 0 is refused', async () => {
    const el = await mixer();
    await rejects(Promise.resolve().then(() => (el.threads = -1)), (e) => e instanceof MixerError && e.code === 'BAD_ARGUMENT');
    await rejects(Promise.resolve().then(() => (el.threads = 1.5)), (e) => e instanceof MixerError && e.code === 'BAD_ARGUMENT');
    el.remove();
  });
});
