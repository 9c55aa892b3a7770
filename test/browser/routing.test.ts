/**
 * Routing for karaoke hosts (issue 20, item 5): a stem on another output device. Debian's
 * Chromium, run with fake media devices, lists two fake audio outputs besides the default
 * ("Fake Audio Output 1" and "2") whose sink ids AudioContext.setSinkId accepts: the vocals go
 * to one, and each output is recorded where it enters its device's context.
 */
import { SAMPLE_RATE } from '../../src/core/constants.ts';
import { isDemucsError } from '../../src/core/errors.ts';
import { equal, near, ok, rejects } from './assert.ts';
import { MODELS, sleep, until, wavFile } from './helpers.ts';
import { recordOutput, testMixer } from './mixer-helpers.ts';

/** The peak of `x` over [from, to). */
const peak = (x: Float32Array, from = 0, to = x.length) => x.subarray(from, to).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('<demucs-mixer> output routing', function () {
  this.timeout(300000);

  it('the vocals on a second device, the rest on the default one: each stem reaches its device and no other; the offset measured and compensated', async () => {
    // wave4: stems = b·x for a zero-mean song, b = [1, 0.5, −0.25, 2] (drums, bass, other, vocals), as the model made them.
    const el = await testMixer(`${MODELS}/wave4.onnx`);
    el.consistent = false;
    try {
      await until(() => el.stems.length === 4, 'the model loaded');
      const t = Float32Array.from({ length: 6 * SAMPLE_RATE }, (_, n) => 0.5 * Math.sin((2 * Math.PI * 440 * n) / SAMPLE_RATE));
      await el.load(wavFile(t, t.slice(), 'tone.wav'));
      const devices = await el.outputDevices();
      const monitor = devices.find((d) => d.deviceId !== 'default');
      ok(monitor, `a second output device (${devices.map((d) => d.label).join(', ')})`);
      equal(el.getStemOutput('vocals'), 'default');
      await el.setStemOutput('vocals', monitor.deviceId);
      equal(el.getStemOutput('vocals'), monitor.deviceId);
      const offset = el.outputOffset;
      ok(offset !== null && Math.abs(offset) < 0.5, `measured offset ${offset} s`);
      console.log(`second output measured ${(offset! * 1000).toFixed(1)} ms behind the default one`);
      const route = (await el._routeForTests(monitor.deviceId))!;
      ok(route, 'a route to the device');
      const main = await recordOutput(el.output);
      const side = await recordOutput(route.node);
      await el.play();
      await sleep(1500);
      el.pause();
      const [heardMain, heardSide] = [main.stop(), side.stop()];
      // Past the start (the route's stream fills first): the steady tone on each.
      near(peak(heardMain, heardMain.length - SAMPLE_RATE / 2), 1.25 * 0.5, 0.02, 'the default device: drums, bass and other (no vocals)');
      near(peak(heardSide, heardSide.length - SAMPLE_RATE / 2), 2 * 0.5, 0.02, 'the monitor: the vocals alone');
      // Back to the default device: everything there, the route closed.
      await el.setStemOutput('vocals', 'default');
      equal(await el._routeForTests(monitor.deviceId), null, 'no route left');
      equal(el.outputOffset, null);
      const again = await recordOutput(el.output);
      await el.play();
      await sleep(1000);
      el.pause();
      const all = again.stop();
      near(peak(all, all.length - SAMPLE_RATE / 2), 3.25 * 0.5, 0.03, 'every stem on the default device');
    } finally {
      el.remove();
    }
  });

  it('an output device the browser does not have: AUDIO_CONTEXT naming it, the stem stays where it was', async () => {
    const el = await testMixer(`${MODELS}/wave4.onnx`);
    try {
      await until(() => el.stems.length === 4, 'the model loaded');
      await rejects(el.setStemOutput('vocals', 'no-such-device'), (e) => isDemucsError(e) && e.code === 'AUDIO_CONTEXT' && e.message.includes('no-such-device'), 'refused');
      equal(el.getStemOutput('vocals'), 'default');
      await rejects(el.setStemOutput('kazoo' as never, 'default'), (e) => isDemucsError(e) && e.code === 'BAD_ARGUMENT', 'an unknown stem');
    } finally {
      el.remove();
    }
  });

  it('the strips offer the devices; choosing one routes the stem', async () => {
    const el = await testMixer(`${MODELS}/wave4.onnx`);
    try {
      await until(() => el.stems.length === 4, 'the model loaded');
      await el.outputDevices();
      await el.updateComplete;
      const select = el.shadowRoot!.querySelector<HTMLSelectElement>('demucs-strip[stem=vocals] select.output')!;
      ok(select, 'an output menu on the vocals strip');
      ok(select.options.length >= 2, `${select.options.length} devices offered`);
      const target = Array.from(select.options).find((o) => o.value !== 'default')!;
      select.value = target.value;
      select.dispatchEvent(new Event('change', { bubbles: true }));
      await until(() => el.getStemOutput('vocals') === target.value, 'routed');
      await until(() => el.outputOffset !== null, 'aligned', 10000);
    } finally {
      el.remove();
    }
  });
});
