/**
 * The timeline as a user works it: click and drag on the lanes to seek (the playhead follows),
 * drag on the ruler to set a loop, click on the ruler to seek, zoom and fit, and the spectrogram
 * view (a pure tone's lane is brightest at its frequency); loops play sample-accurately.
 */
import { resetMouse, sendMouse } from '@web/test-runner-commands';
import { SAMPLE_RATE } from '../../src/core/constants.ts';
import { SPECTRUM_BINS } from '../../src/core/spectrum.ts';
import { equal, near, ok } from '../../test/browser/assert.ts';
import { MODELS, stereoSignal, wavFile } from '../../test/browser/helpers.ts';
import { recordOutput } from '../../test/browser/mixer-helpers.ts';
import type { DemucsMixer } from '../demucs-mixer.ts';
import '../demucs-mixer.ts';
import type { DemucsTimeline } from './demucs-timeline.ts';

const WAVE4 = `${MODELS}/wave4.onnx`;

async function mixer(consistent = false): Promise<DemucsMixer> {
  const el = document.createElement('demucs-mixer');
  el.backends = ['wasm'];
  el.shifts = 0;
  el.consistent = consistent;
  el.style.width = '800px';
  document.body.append(el);
  await el.loadModel(WAVE4);
  return el;
}

function timeline(el: DemucsMixer): DemucsTimeline {
  const found = el.shadowRoot!.querySelector('demucs-timeline');
  ok(found, 'a timeline');
  return found;
}

/** Client coordinates of a fraction across an element, at its middle. */
function at(element: Element, fraction: number): [number, number] {
  const r = element.getBoundingClientRect();
  return [Math.round(r.left + fraction * r.width), Math.round(r.top + r.height / 2)];
}

const playheadX = (el: DemucsMixer) => Number(/translateX\((-?[\d.]+)px\)/.exec(el.shadowRoot!.querySelector<HTMLElement>('.playhead')!.style.transform)?.[1]);

describe('<demucs-mixer> timeline', function () {
  this.timeout(300000);
  let el: DemucsMixer;
  const seconds = 10;

  before(async () => {
    el = await mixer();
    await el.load(wavFile(...stereoSignal(seconds * SAMPLE_RATE, 3), 'timeline.wav'));
    await el.updateComplete;
  });
  after(async () => {
    await resetMouse();
    el.remove();
  });

  it('shows a ruler and a lane per stem with its waveform, all of it separated', async () => {
    const lanes = el.shadowRoot!.querySelectorAll<HTMLCanvasElement>('.lane-canvas');
    equal(lanes.length, 4);
    ok(el.shadowRoot!.querySelector('canvas.ruler'), 'a ruler');
    await new Promise((r) => requestAnimationFrame(r));
    const lane = lanes[0]!;
    const pixels = lane.getContext('2d')!.getImageData(0, 0, lane.width, lane.height).data;
    let drawn = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) drawn++;
    ok(drawn > lane.width * 2, `the drums lane shows a waveform (${drawn} pixels)`);
    const pending = el.shadowRoot!.querySelector<HTMLElement>('.pending')!;
    ok(Number.parseFloat(pending.style.left) >= lane.clientWidth - 1, 'nothing is shaded as not separated');
  });

  it('click on a lane seeks there; the playhead is drawn there', async () => {
    const lane = el.shadowRoot!.querySelector('.lane-canvas')!;
    const width = lane.getBoundingClientRect().width;
    await sendMouse({ type: 'click', position: at(lane, 0.25) });
    await el.updateComplete;
    near(el.currentTime, 0.25 * seconds, (2 * seconds) / width, 'position');
    near(playheadX(el), 0.25 * width, 2, 'playhead');
  });

  it('drag on a lane scrubs: the playhead follows the pointer', async () => {
    const lane = el.shadowRoot!.querySelectorAll('.lane-canvas')[2]!;
    const width = lane.getBoundingClientRect().width;
    await sendMouse({ type: 'move', position: at(lane, 0.1) });
    await sendMouse({ type: 'down' });
    near(el.currentTime, 0.1 * seconds, (2 * seconds) / width);
    for (const f of [0.2, 0.4, 0.6]) {
      await sendMouse({ type: 'move', position: at(lane, f) });
      near(el.currentTime, f * seconds, (2 * seconds) / width, `dragged to ${f}`);
    }
    await sendMouse({ type: 'up' });
    await el.updateComplete;
    near(playheadX(el), 0.6 * width, 2);
  });

  it('drag on the ruler sets a loop (on); a click on the ruler outside it seeks and turns it off', async () => {
    const ruler = el.shadowRoot!.querySelector('canvas.ruler')!;
    const width = ruler.getBoundingClientRect().width;
    await sendMouse({ type: 'move', position: at(ruler, 0.2) });
    await sendMouse({ type: 'down' });
    await sendMouse({ type: 'move', position: at(ruler, 0.3) });
    await sendMouse({ type: 'move', position: at(ruler, 0.4) });
    await sendMouse({ type: 'up' });
    await el.updateComplete;
    const loop = el.loop;
    ok(loop && loop.on, 'a loop, on');
    near(loop.start, 0.2 * seconds, (2 * seconds) / width);
    near(loop.end, 0.4 * seconds, (2 * seconds) / width);
    const region = el.shadowRoot!.querySelector<HTMLElement>('.loop-region');
    ok(region, 'the loop is drawn');
    near(Number.parseFloat(region.style.width), 0.2 * width, 3);
    equal(el.shadowRoot!.querySelector('button.loop')!.getAttribute('aria-pressed'), 'true', 'the transport shows it');
    await sendMouse({ type: 'click', position: at(ruler, 0.7) });
    await el.updateComplete;
    near(el.currentTime, 0.7 * seconds, (2 * seconds) / width);
    equal(el.loop?.on, false, 'seeking outside the loop turns it off');
    el.clearLoop();
  });

  it('zoom in, scroll, and fit', async () => {
    const t = timeline(el);
    const fit = t.pxPerSecond;
    el.seek(8);
    await el.updateComplete;
    const zoomIn = el.shadowRoot!.querySelector<HTMLButtonElement>('button[aria-label="Zoom in"]')!;
    zoomIn.click();
    await el.updateComplete;
    near(t.pxPerSecond, 2 * fit, 1e-6);
    zoomIn.click();
    await el.updateComplete;
    // At most one fine peak block (256 frames) per pixel.
    near(t.pxPerSecond, Math.min(4 * fit, SAMPLE_RATE / 256), 1e-6);
    ok(zoomIn.disabled, 'the closest zoom');
    const scroller = el.shadowRoot!.querySelector<HTMLElement>('.scroller')!;
    await new Promise((r) => requestAnimationFrame(r));
    ok(scroller.scrollWidth > 2 * scroller.clientWidth, 'the content is wider than the view');
    ok(scroller.scrollLeft > 0, 'scrolled to keep the playhead in view');
    near(playheadX(el), 8 * fit, 2, 'the playhead stays where it was on screen');
    // Clicking seeks in the zoomed view too.
    const lane = el.shadowRoot!.querySelector('.lane-canvas')!;
    await sendMouse({ type: 'click', position: at(lane, 0.5) });
    near(el.currentTime, (scroller.scrollLeft + 0.5 * lane.getBoundingClientRect().width) / t.pxPerSecond, 2 / t.pxPerSecond);
    el.shadowRoot!.querySelector<HTMLButtonElement>('.timeline-bar button[title="Show the whole song"]')!.click();
    await el.updateComplete;
    near(t.pxPerSecond, fit, 1e-6);
  });
});

describe('<demucs-mixer> spectrogram view', function () {
  this.timeout(300000);

  it("a pure tone's stems: every spectrogram column peaks at its bin, and the lane is brightest at its height", async () => {
    const el = await mixer();
    try {
      const hz = 1000;
      const x = Float32Array.from({ length: 4 * SAMPLE_RATE }, (_, n) => 0.5 * Math.sin((2 * Math.PI * hz * n) / SAMPLE_RATE));
      await el.load(wavFile(x, x.slice(), 'tone.wav'));
      await el.updateComplete;
      const t = timeline(el);
      const views = t.views;
      ok(views, 'views of the stems');
      // Computed once a lane shows one: from what is separated, then as regions arrive.
      el.shadowRoot!.querySelector<HTMLButtonElement>('button[aria-label="drums spectrogram"]')!.click();
      await views.showSpectra();
      const bin = Math.floor((hz / (SAMPLE_RATE / 2)) * SPECTRUM_BINS);
      views.spectra.forEach((spectrum, s) => {
        let filled = 0;
        for (let c = 0; c < spectrum.columns; c++) {
          if (!spectrum.filled[c]) continue;
          filled++;
          const column = spectrum.column(c);
          equal(column.indexOf(Math.max(...column)), bin, `stem ${s} column ${c}`);
        }
        ok(filled >= spectrum.columns - 1, `stem ${s}: ${filled} of ${spectrum.columns} columns (across regions)`);
      });
      // One lane's name switches that lane; the bar's button, every lane.
      el.shadowRoot!.querySelector<HTMLButtonElement>('button[aria-label="drums spectrogram"]')!.click();
      const laneToggle = el.shadowRoot!.querySelector<HTMLButtonElement>('button[aria-label="bass spectrogram"]')!;
      const all = el.shadowRoot!.querySelector<HTMLButtonElement>('.timeline-bar .spectrograms')!;
      laneToggle.click();
      await el.updateComplete;
      equal(laneToggle.getAttribute('aria-pressed'), 'true');
      equal(all.getAttribute('aria-pressed'), 'false', 'not every lane');
      all.click();
      await el.updateComplete;
      equal(all.getAttribute('aria-pressed'), 'true');
      ok(Array.from(el.shadowRoot!.querySelectorAll('.lane-name')).every((b) => b.getAttribute('aria-pressed') === 'true'), 'every lane');
      const lane = el.shadowRoot!.querySelector<HTMLCanvasElement>('.lane-canvas')!;
      const h = lane.height;
      const pixels = lane.getContext('2d')!.getImageData(Math.floor(lane.width / 2), 0, 1, h).data;
      let brightest = 0;
      for (let y = 0; y < h; y++) if (pixels[4 * y + 3]! > pixels[4 * brightest + 3]!) brightest = y;
      const want = (h - 1) * (1 - Math.log(hz / 30) / Math.log(SAMPLE_RATE / 2 / 30));
      near(brightest, want, 0.03 * h + 1, `brightest row ${brightest} of ${h}`);
    } finally {
      el.remove();
    }
  });
});

describe('<demucs-mixer> loops', function () {
  this.timeout(300000);

  it('loop playback is sample-accurate: the recorded output goes from the loop end straight to its start, no gap, no repeat', async () => {
    const el = await mixer(true); // consistent stems: at 0 dB they add up to the song exactly
    try {
      // A ramp: every sample its own value, so each recorded sample tells which frame played.
      const length = 2 * SAMPLE_RATE;
      const step = 0.5 / length;
      const ramp = Float32Array.from({ length }, (_, n) => (n + 1) * step);
      await el.load(wavFile(ramp, ramp.slice(), 'ramp.wav'));
      const start = 0.5;
      const end = 0.75;
      el.setLoop(start, end);
      const loop = el.loop!;
      const [a, b] = [Math.round(loop.start * SAMPLE_RATE), Math.round(loop.end * SAMPLE_RATE)];
      equal(a, start * SAMPLE_RATE);
      const recording = await recordOutput(el.output);
      await el.play();
      await new Promise((r) => setTimeout(r, 1200));
      el.pause();
      const out = recording.stop();
      const frames = Array.from(out, (v) => Math.round(v / step) - 1);
      const first = frames.findIndex((f) => f >= 0);
      ok(first >= 0, 'something played');
      let last = first;
      let seams = 0;
      for (let i = first + 1; i < frames.length && frames[i]! >= 0; i++, last++) {
        const [was, now] = [frames[i - 1]!, frames[i]!];
        if (now === was + 1) continue;
        ok(was === b - 1 && now === a, `at recorded sample ${i}: frame ${was} then ${now} (loop ${a}…${b})`);
        seams++;
      }
      ok(seams >= 3, `${seams} passes of the loop recorded`);
      equal(frames[first], a, 'playback started at the loop start');
      ok(last - first > 3 * (b - a), 'it played on through the seams');
      // The values themselves: the song within float rounding.
      for (let i = first; i < last; i++) near(out[i]!, (frames[i]! + 1) * step, 1e-6);
    } finally {
      el.remove();
    }
  });
});
