import { deepEqual, equal, near, ok } from '../../test/browser/assert.ts';
import { until } from '../../test/browser/helpers.ts';
import { StemPlayer } from './stem-player.ts';

const SECOND = 44100;

describe('StemPlayer: progressive playback', function () {
  this.timeout(60000);

  it('plays what is separated, waits at its end, and resumes when more arrives (rendered offline)', async () => {
    const context = new OfflineAudioContext({ numberOfChannels: 2, length: 3 * SECOND, sampleRate: SECOND });
    const player = new StemPlayer(context, ['a'], 3 * SECOND);
    const region = (start: number, value: number) => player.addRegion(start, [[new Float32Array(SECOND).fill(value), new Float32Array(SECOND).fill(value)]]);
    region(0, 0.1);
    const states: string[] = [];
    player.onStateChange = (s) => states.push(s);
    player.play();
    equal(player.state, 'playing');
    // Rendering stops at 1.4 s of context time: the separated second has played out.
    const waited = context.suspend(1.4).then(async () => {
      await until(() => player.state === 'waiting', 'waiting at the end of the separated part', 5000);
      equal(player.position, SECOND, 'and holds the playhead there');
      region(SECOND, 0.2);
      equal(player.state, 'playing', 'resumes when the next region arrives');
      await context.resume();
    });
    const played = context.suspend(2.0).then(async () => {
      ok(player.position > SECOND && player.position < 2 * SECOND, `position ${player.position}`);
      player.pause();
      await context.resume();
    });
    const rendered = await context.startRendering();
    await Promise.all([waited, played]);
    deepEqual(states, ['playing', 'waiting', 'playing', 'stopped']);
    player.dispose();
    // What was heard: the first region, then silence while waiting, then the second region.
    const left = rendered.getChannelData(0);
    near(left[Math.round(0.5 * SECOND)]!, 0.1, 1e-6, 'the first region');
    near(left[Math.round(1.2 * SECOND)]!, 0, 1e-6, 'silence while waiting');
    near(left[Math.round(1.6 * SECOND)]!, 0.2, 1e-6, 'the second region');
    near(left[Math.round(2.5 * SECOND)]!, 0, 1e-6, 'silence after the pause');
  });
});
