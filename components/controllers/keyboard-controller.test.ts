/**
 * The keyboard map (help.ts) with real key presses: transport keys anywhere in the mixer, strip
 * keys on a focused strip, the help popover; every control reachable by Tab with a focus ring.
 */
import { sendKeys } from '@web/test-runner-commands';
import { SAMPLE_RATE } from '../../src/core/constants.ts';
import { deepEqual, equal, near, ok } from '../../test/browser/assert.ts';
import { MODELS, sleep, stereoSignal, wavFile } from '../../test/browser/helpers.ts';
import type { DemucsMixer } from '../demucs-mixer.ts';
import '../demucs-mixer.ts';
import { SHORTCUTS } from '../parts/help.ts';

describe('<demucs-mixer> keyboard', function () {
  this.timeout(300000);
  let el: DemucsMixer;
  const seconds = 20;
  const shifted = async (key: string) => {
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: key });
    await sendKeys({ up: 'Shift' });
  };
  const $ = <T extends Element>(selector: string) => el.shadowRoot!.querySelector<T>(selector)!;

  before(async () => {
    el = document.createElement('demucs-mixer');
    el.backends = ['wasm'];
    el.shifts = 0;
    document.body.append(el);
    await el.loadModel(`${MODELS}/wave4.onnx`);
    await el.load(wavFile(...stereoSignal(seconds * SAMPLE_RATE, 5), 'keys.wav'));
    await el.updateComplete;
  });
  after(() => el.remove());

  it('transport: End, Home, →, Shift+→, ←; Space plays and pauses', async () => {
    $<HTMLElement>('.scroller').focus();
    await sendKeys({ press: 'End' });
    near(el.currentTime, seconds, 1e-6);
    await sendKeys({ press: 'Home' });
    equal(el.currentTime, 0);
    await sendKeys({ press: 'ArrowRight' });
    near(el.currentTime, 5, 1e-6);
    await shifted('ArrowRight');
    near(el.currentTime, 6, 1e-6);
    await sendKeys({ press: 'ArrowLeft' });
    near(el.currentTime, 1, 1e-6);
    await sendKeys({ press: 'Space' });
    await sleep(300);
    ok(el.playState !== 'stopped', `Space plays (${el.playState})`);
    ok(el.currentTime > 1, 'and the playhead moves');
    await sendKeys({ press: 'Space' });
    equal(el.playState, 'stopped', 'Space pauses');
  });

  it('L turns a loop on (the 10 s from the playhead without a region) and off; Shift+L clears it', async () => {
    el.seek(2);
    await sendKeys({ press: 'KeyL' });
    deepEqual(el.loop, { start: 2, end: 12, on: true });
    await sendKeys({ press: 'KeyL' });
    equal(el.loop?.on, false);
    await sendKeys({ press: 'KeyL' });
    equal(el.loop?.on, true, 'the same region again');
    await shifted('KeyL');
    equal(el.loop, null);
  });

  it('on a focused strip: M mutes, S solos, I isolates, ↑/↓ move its fader by 1 dB', async () => {
    const strip = el.shadowRoot!.querySelectorAll<HTMLElement>('[part=stem]')[1]!; // bass
    strip.focus();
    await sendKeys({ press: 'KeyM' });
    equal(el.stemNode('bass')!.gain.value, 0, 'muted');
    await sendKeys({ press: 'KeyM' });
    equal(el.stemNode('bass')!.gain.value, 1, 'unmuted');
    await sendKeys({ press: 'KeyS' });
    deepEqual(el.stems.map((s) => el.stemNode(s)!.gain.value), [0, 1, 0, 0], 'soloed');
    await sendKeys({ press: 'KeyS' });
    el.setMute('drums', true);
    await sendKeys({ press: 'KeyI' });
    deepEqual(el.stems.map((s) => el.stemNode(s)!.gain.value), [0, 1, 0, 0], 'isolated');
    el.setSolo('bass', false);
    el.setMute('drums', false);
    await sendKeys({ press: 'ArrowUp' });
    equal(el.getGain('bass'), 1);
    await sendKeys({ press: 'ArrowDown' });
    await sendKeys({ press: 'ArrowDown' });
    equal(el.getGain('bass'), -1);
    equal(el.currentTime, 2, 'arrows on a strip do not seek');
    el.resetMix();
  });

  it('? opens the shortcuts, every one listed; Escape closes them', async () => {
    $<HTMLElement>('.scroller').focus();
    await shifted('Slash');
    await el.updateComplete;
    const help = $<HTMLElement>('[part=help]');
    ok(help, 'the help popover');
    equal(help.getAttribute('role'), 'dialog');
    for (const s of SHORTCUTS) ok(help.textContent!.includes(s.keys) && help.textContent!.includes(s.action), s.keys);
    equal($('button.help').getAttribute('aria-expanded'), 'true');
    await sendKeys({ press: 'Escape' });
    await el.updateComplete;
    equal(el.shadowRoot!.querySelector('[part=help]'), null, 'closed');
    $<HTMLButtonElement>('button.help').click();
    await el.updateComplete;
    ok(el.shadowRoot!.querySelector('[part=help]'), 'the ? button opens it too');
    $<HTMLButtonElement>('[part=help] button.close').click();
    await el.updateComplete;
  });

  it('Tab reaches every control, each with a visible focus ring', async () => {
    const controls = Array.from(el.shadowRoot!.querySelectorAll<HTMLElement>('button, input, select, [tabindex="0"]')).filter(
      (c) => !(c as HTMLButtonElement).disabled && !c.hidden && c.getClientRects().length > 0,
    );
    ok(controls.length > 30, `${controls.length} controls`);
    $<HTMLButtonElement>('.drop button').focus();
    const reached = new Set<Element>();
    for (let i = 0; i < controls.length + 5; i++) {
      const active = el.shadowRoot!.activeElement as HTMLElement | null;
      if (!active) break;
      reached.add(active);
      const style = getComputedStyle(active);
      ok(style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 2, `a focus ring on ${active.outerHTML.slice(0, 80)}`);
      await sendKeys({ press: 'Tab' });
    }
    const missed = controls.filter((c) => !reached.has(c)).map((c) => c.getAttribute('aria-label') ?? c.textContent!.trim());
    deepEqual(missed, [], 'every control reached');
  });
});
