import { DemucsMixer, MixerError } from '../../components/demucs-mixer.ts';
import type { DemucsLiveStateEvent } from '../../components/events.ts';
import { LiveInput } from '../../components/audio/live-input.ts';
import { LivePipeline, type LiveStage } from '../../components/audio/live-pipeline.ts';
import type { LiveTiming } from '../../src/core/live.ts';
import { equal, ok, rejects } from './assert.ts';
import { removeMixers, testMixer } from './mixer-helpers.ts';
import { MODELS, sleep, stereoSignal, wavFile, within } from './helpers.ts';

const WAVE4 = `${MODELS}/wave4.onnx`;
const TIMING: LiveTiming = { hop: 22050, lookahead: 22050, margin: 22050, crossfade: 1024 };
const STAGES: readonly LiveStage[] = ['resume', 'release', 'input', 'model', 'worklet', 'playback'];

const mixer = () => testMixer(WAVE4);

/**
 * A hold hook that never lets the `call`-th arrival at `stage` go on (as a permission prompt
 * left open, or a model that never loads), and a promise for that arrival.
 */
function holdAt(stage: LiveStage, call = 1) {
  let reached!: () => void;
  const arrived = new Promise<void>((r) => (reached = r));
  let calls = 0;
  const hold = (at: LiveStage) => {
    if (at !== stage || ++calls !== call) return undefined;
    reached();
    return new Promise<void>(() => undefined);
  };
  return { hold, arrived };
}

/** Nothing of live mode is left: no session, no worker, no open microphone, state off; and none comes later. */
async function nothingLeft(el: DemucsMixer, where: string): Promise<void> {
  for (const when of ['at once', 'a second later']) {
    equal(LivePipeline.active, 0, `live pipelines ${when} (${where})`);
    equal(LivePipeline.workers, 0, `live workers ${when} (${where})`);
    equal(LiveInput.openStreams, 0, `open microphone streams ${when} (${where})`);
    equal(el.liveState, 'off', `state ${when} (${where})`);
    if (when === 'at once') await sleep(1000);
  }
}

describe('live mode stopped at any moment', function () {
  this.timeout(300000);
  afterEach(removeMixers);

  it('stopLive() during each stage of a start: the start rejects CANCELLED and nothing is left', async () => {
    for (const stage of STAGES) {
      const el = await mixer();
      const { hold, arrived } = holdAt(stage);
      const start = el.startLive({ source: 'microphone', latency: TIMING, autoLatency: false, hold });
      await arrived;
      equal(el.liveState, 'starting', `state while held at ${stage}`);
      await el.stopLive();
      await rejects(start, (e) => e instanceof MixerError && e.code === 'CANCELLED', `start held at ${stage}`);
      await nothingLeft(el, `stopped at ${stage}`);
      el.remove();
    }
  });

  it('removing the element during a start takes everything down', async () => {
    const el = await mixer();
    const { hold, arrived } = holdAt('model');
    const start = el.startLive({ source: 'microphone', latency: TIMING, autoLatency: false, hold });
    await arrived;
    el.remove();
    await rejects(start, (e) => e instanceof MixerError && e.code === 'CANCELLED');
    await nothingLeft(el, 'removed');
  });

  it('stopLive() during each stage of an automatic restart (a model too slow for the latency) leaves nothing', async () => {
    for (const stage of STAGES) {
      const el = await mixer();
      const states: string[] = [];
      el.addEventListener('demucs-live-state', (e) => states.push((e as DemucsLiveStateEvent).detail.state));
      // A model fast at load, whose runs then take 2.5 s: two slow runs make live mode restart with
      // a wider hop. The hop is 0.5 s, or 1.25 runs at load where that run was slower (a loaded
      // machine): 2.5 s runs are too slow for it unless the run at load took over 2 s.
      const { hold, arrived } = holdAt(stage, 2);
      await el.startLive({ source: 'microphone', latency: TIMING, minRunMillisecondsAfterStart: 2500, hold });
      const stated = el.latency;
      await within(arrived, `the automatic restart, to be held at ${stage}`, () => `stated latency ${stated.toFixed(2)} s, states ${states.join(',')}, real-time factor ${el.realtimeFactor.toFixed(2)}`);
      equal(el.liveState, 'starting', `restarting, held at ${stage}`);
      ok(states.join(',').startsWith('starting,running,off,starting'), states.join(','));
      await el.stopLive();
      await nothingLeft(el, `restart stopped at ${stage}`);
      el.remove();
    }
  });

  it('a second start while one is starting: the first is cancelled, one pipeline runs, one stop ends it', async () => {
    const el = await mixer();
    const { hold, arrived } = holdAt('model');
    const first = el.startLive({ source: 'microphone', latency: TIMING, autoLatency: false, hold });
    await arrived;
    const second = el.startLive({ source: 'microphone', latency: TIMING, autoLatency: false });
    await rejects(first, (e) => e instanceof MixerError && e.code === 'CANCELLED');
    await second;
    equal(el.liveState, 'running');
    equal(LivePipeline.active, 1, 'live pipelines');
    equal(LivePipeline.workers, 1, 'live workers');
    equal(LiveInput.openStreams, 1, 'open microphone streams');
    await el.stopLive();
    await nothingLeft(el, 'after the second start');
    el.remove();
  });

  it('a stop takes only what live mode made: moving the element in file mode keeps its song', async () => {
    const el = await mixer();
    const [left, right] = stereoSignal(3 * 44100, 5);
    await el.load(wavFile(left, right));
    const drums = el.stemNode('drums');
    ok(drums, 'the song plays through its stems');
    // Moving it disconnects and connects it again: the live controller stops, with nothing to stop.
    document.body.append(el);
    await sleep(500);
    equal(el.stemNode('drums'), drums, 'the same player after the move');
    equal(el.liveState, 'off');
    el.remove();
  });
});
