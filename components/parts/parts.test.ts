/**
 * Each part of the mixer rendered alone, with plain properties and a listener for its actions:
 * no mixer anywhere on the page.
 */
import { deepEqual, equal, ok } from '../../test/browser/assert.ts';
import { until } from '../../test/browser/helpers.ts';
import type { DemucsStatus, StatusView } from './demucs-status.ts';
import './demucs-drop.ts';
import './demucs-export.ts';
import './demucs-live-panel.ts';
import './demucs-master.ts';
import './demucs-status.ts';
import './demucs-strip.ts';
import './demucs-timeline.ts';
import './demucs-transport.ts';
import type { PartAction } from './mixer-part.ts';

/** Appends `tag` with `properties`, and records the actions it sends. */
async function alone<K extends keyof HTMLElementTagNameMap>(tag: K, properties: Partial<HTMLElementTagNameMap[K]>) {
  const el = Object.assign(document.createElement(tag), properties);
  const actions: PartAction[] = [];
  document.body.append(el);
  document.body.addEventListener('demucs-part-action', (e) => actions.push(e.detail));
  await (el as unknown as { updateComplete: Promise<unknown> }).updateComplete;
  ok(!document.querySelector('demucs-mixer'), 'no mixer on the page');
  return { el, actions };
}

function button(el: Element, text: string): HTMLButtonElement {
  const found = Array.from(el.querySelectorAll('button')).find((b) => b.textContent!.trim() === text || b.getAttribute('aria-label') === text);
  if (!found) throw new Error(`no button "${text}"`);
  return found;
}

function slide(input: HTMLInputElement, value: number): void {
  input.value = String(value);
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

describe('mixer parts, each alone', () => {
  afterEach(() => document.body.replaceChildren());

  it('<demucs-drop>: a chosen file is a load action; the label shows', async () => {
    const { el, actions } = await alone('demucs-drop', { label: 'song.wav' });
    ok(el.textContent!.includes('song.wav'));
    const input = el.querySelector<HTMLInputElement>('input[type=file]')!;
    const file = new File(['x'], 'new.wav');
    const files = new DataTransfer();
    files.items.add(file);
    input.files = files.files;
    input.dispatchEvent(new Event('change'));
    equal(actions.length, 1);
    ok(actions[0]!.type === 'load' && actions[0]!.file === file, JSON.stringify(actions[0]));
  });

  it('<demucs-transport>: play, loop, karaoke amount, vocals only, help', async () => {
    const { el, actions } = await alone('demucs-transport', { separated: 10, duration: 20, hasVocals: true, karaokeAmount: 0.5, position: 3 });
    ok(el.querySelector('.time')!.textContent!.includes('0:03.0 / 0:20.0'), el.querySelector('.time')!.textContent!);
    button(el, 'Play').click();
    button(el, 'Loop').click();
    slide(el.querySelector<HTMLInputElement>('.karaoke input[type=range]')!, 0.75);
    button(el, 'Vocals only').click();
    button(el, 'Keyboard shortcuts').click();
    deepEqual(actions, [{ type: 'play' }, { type: 'toggle-loop' }, { type: 'karaoke-amount', amount: 0.75 }, { type: 'vocals-only', on: true }, { type: 'help', open: true }]);
    el.playState = 'playing';
    el.loop = { start: 1, end: 2, on: true };
    await el.updateComplete;
    button(el, 'Pause').click();
    button(el, 'Clear the loop').click();
    deepEqual(actions.slice(5), [{ type: 'pause' }, { type: 'clear-loop' }]);
  });

  it('<demucs-strip>: fader, pan, mute, solo, isolate; its meter shows the level it is given', async () => {
    const { el, actions } = await alone('demucs-strip', { stem: 'bass', controls: { gainDb: -6, mute: false, solo: true } });
    const [level, pan] = Array.from(el.querySelectorAll<HTMLInputElement>('input[type=range]'));
    slide(level!, -12);
    slide(pan!, 0.5);
    button(el, 'Mute bass').click();
    button(el, 'Solo bass').click();
    button(el, 'Isolate bass').click();
    deepEqual(actions, [
      { type: 'gain', stem: 'bass', db: -12 },
      { type: 'pan', stem: 'bass', pan: 0.5 },
      { type: 'mute', stem: 'bass', on: true },
      { type: 'solo', stem: 'bass', on: false },
      { type: 'isolate', stem: 'bass' },
    ]);
    el.showLevel(-30);
    equal(el.querySelector<HTMLElement>('.meter > div')!.style.width, '50%');
    el.showLevel(-Infinity);
    equal(el.querySelector<HTMLElement>('.meter > div')!.style.width, '0%');
  });

  it('<demucs-master>: master fader and reset', async () => {
    const { el, actions } = await alone('demucs-master', { masterDb: 0 });
    slide(el.querySelector<HTMLInputElement>('input[type=range]')!, -3);
    button(el, 'Reset mix').click();
    deepEqual(actions, [{ type: 'master-gain', db: -3 }, { type: 'reset-mix' }]);
  });

  it('<demucs-export>: the chosen format goes with each export, only when there is something to export and none runs; progress and the NI Stems note show', async () => {
    const { el, actions } = await alone('demucs-export', { exportable: false });
    ok(button(el, 'Export stems').disabled && button(el, 'Export mix').disabled);
    el.exportable = true;
    await el.updateComplete;
    button(el, 'Export stems').click();
    const select = el.querySelector<HTMLSelectElement>('.export-format')!;
    deepEqual([...select.options].map((o) => o.textContent), ['WAV 16-bit', 'WAV 24-bit', 'WAV 32-bit float', 'FLAC 16-bit', 'FLAC 24-bit', 'MP3 320 kbps', 'AAC (M4A) 256 kbps', 'NI Stems (.stem.mp4)', 'NI Stems, lossless (ALAC)']);
    for (const [label, expected] of [
      ['FLAC 24-bit', { format: 'flac', bits: 24 }],
      ['MP3 320 kbps', { format: 'mp3', bitrate: 320 }],
      ['AAC (M4A) 256 kbps', { format: 'm4a', bitrate: 256 }],
    ] as const) {
      select.selectedIndex = [...select.options].findIndex((o) => o.textContent === label);
      select.dispatchEvent(new Event('change'));
      await el.updateComplete;
      button(el, 'Export mix').click();
      deepEqual(actions.at(-1), { type: 'export', what: 'mix', ...expected });
    }
    equal(el.querySelector('.export-note'), null);
    select.selectedIndex = select.options.length - 2;
    select.dispatchEvent(new Event('change'));
    el.extraStems = true;
    await el.updateComplete;
    ok(/guitar and piano are folded into other/.test(el.querySelector('.export-note')!.textContent!), 'the six-stem note');
    button(el, 'Export stems').click();
    deepEqual(actions[0], { type: 'export', what: 'stems', format: 'wav16' });
    deepEqual(actions.at(-1), { type: 'export', what: 'stems', format: 'stem' });
    select.selectedIndex = select.options.length - 1;
    select.dispatchEvent(new Event('change'));
    await el.updateComplete;
    button(el, 'Export stems').click();
    deepEqual(actions.at(-1), { type: 'export', what: 'stems', format: 'stem', lossless: true });
    el.progress = 0.4;
    await el.updateComplete;
    equal(el.querySelector('progress')!.value, 0.4);
    ok(button(el, 'Export stems').disabled && button(el, 'Export mix').disabled, 'no second export while one runs');
  });

  it('<demucs-live-panel>: start with the chosen source and latency, stop while running; the page\'s media are offered', async () => {
    const audio = document.createElement('audio');
    audio.id = 'track';
    document.body.append(audio);
    const { el, actions } = await alone('demucs-live-panel', {});
    const source = el.querySelector<HTMLSelectElement>('.live-source')!;
    ok(Array.from(source.options).some((o) => o.textContent!.includes('audio track')), 'the <audio> is offered');
    el.querySelector<HTMLSelectElement>('.live-latency')!.value = 'low';
    button(el, 'Start live').click();
    source.value = '0';
    button(el, 'Start live').click();
    el.state = 'running';
    el.latency = 1.5;
    el.realtimeFactor = 0.5;
    await el.updateComplete;
    ok(el.querySelector('.live-state')!.textContent!.includes('latency 1.50 s · first stems on their way'), el.querySelector('.live-state')!.textContent!);
    el.keepingUp = true;
    el.playing = 'stems';
    await el.updateComplete;
    ok(el.querySelector('.live-state')!.textContent!.includes('latency 1.50 s · keeping up'), el.querySelector('.live-state')!.textContent!);
    Object.assign(el, { playing: 'dry', keepingUp: false, xruns: 2, drySeconds: 3.25 });
    await el.updateComplete;
    ok(el.querySelector('.live-state')!.textContent!.includes('dropout: playing the dry signal · real-time factor 0.50 · 2 dropouts (3.3 s dry)'), el.querySelector('.live-state')!.textContent!);
    Object.assign(el, { playing: 'stems', keepingUp: false, xruns: 0 });
    button(el, 'Stop live').click();
    deepEqual(actions, [
      { type: 'live-start', source: 'microphone', latency: 'low' },
      { type: 'live-start', source: audio, latency: 'low' },
      { type: 'live-stop' },
    ]);
  });

  it('<demucs-live-panel>: with a live model beside the file model, the window is a choice; a fitted latency says what the device holds', async () => {
    const { el, actions } = await alone('demucs-live-panel', { liveWindow: 'live' });
    const choice = el.querySelector<HTMLSelectElement>('.live-window')!;
    equal(choice.value, 'live');
    button(el, 'Start live').click();
    choice.value = 'file';
    button(el, 'Start live').click();
    deepEqual(actions, [
      { type: 'live-start', source: 'microphone', latency: 'balanced' },
      { type: 'live-start', source: 'microphone', latency: 'balanced', fileModel: true },
    ]);
    Object.assign(el, { state: 'running', latency: 13.73, realtimeFactor: 0.8, keepingUp: true, playing: 'stems', liveWindow: 'file', fit: { runSeconds: 5.39, askedSeconds: 2.75, heldSeconds: 13.73 } });
    await el.updateComplete;
    const text = el.querySelector('.live-state')!.textContent!;
    ok(text.includes('latency 13.73 s (what this device holds: a run takes 5.39 s; 2.75 s asked; the shorter window would hold less)'), text);
    el.fit = { runSeconds: 0.4, askedSeconds: 2.75, heldSeconds: 2.75 };
    await el.updateComplete;
    ok(!el.querySelector('.live-state')!.textContent!.includes('holds'), 'nothing to say when the asked latency holds');
  });

  it('<demucs-timeline>: a click on the lanes seeks, a drag on the ruler sets a loop, zoomBy zooms', async () => {
    const { el, actions } = await alone('demucs-timeline', { stems: ['drums', 'bass'], waveforms: [new Float32Array(0), new Float32Array(0)], duration: 10, separated: 10 });
    el.style.display = 'block';
    el.style.width = '500px';
    // Laid out: the timeline fits the song to its width (its ResizeObserver has run).
    const fit = () => el.querySelector<HTMLElement>('.scroller')!.clientWidth / 10;
    await until(() => fit() > 1 && Math.abs(el.pxPerSecond - fit()) < 1e-9, 'laid out', 5000);
    await el.updateComplete;
    const view = el.querySelector<HTMLElement>('.view')!;
    const ruler = el.querySelector<HTMLElement>('.ruler')!;
    const at = (seconds: number) => view.getBoundingClientRect().left + seconds * el.pxPerSecond;
    const pointer = (target: Element, type: string, x: number) => target.dispatchEvent(new PointerEvent(type, { bubbles: true, button: 0, clientX: x, pointerId: 1 }));
    pointer(el.querySelector('.lane-canvas')!, 'pointerdown', at(4));
    pointer(view, 'pointerup', at(4));
    pointer(ruler, 'pointerdown', at(2));
    pointer(ruler, 'pointermove', at(5));
    pointer(ruler, 'pointerup', at(5));
    equal(actions.length, 2, JSON.stringify(actions));
    const [seek, loop] = actions;
    ok(seek!.type === 'seek' && Math.abs(seek!.seconds - 4) < 0.1, `${JSON.stringify(seek)} (${el.pxPerSecond} px/s, view at ${view.getBoundingClientRect().left}, ${view.getBoundingClientRect().width} px)`);
    ok(loop!.type === 'set-loop' && Math.abs(loop!.start - 2) < 0.1 && Math.abs(loop!.end - 5) < 0.1, JSON.stringify(loop));
    const fitted = el.pxPerSecond;
    el.zoomBy(2);
    await el.updateComplete;
    ok(Math.abs(el.pxPerSecond - 2 * fitted) < 1e-6, `zoomed ${el.pxPerSecond} from ${fitted}`);
  });

  it('<demucs-status>: draws the view it is given', async () => {
    const view: StatusView = {
      model: { status: 'ready', backend: 'wasm' },
      live: false,
      modelSince: 0,
      backend: 'wasm',
      threads: 2,
      isolated: true,
      busy: false,
      duration: 0,
      separated: 0,
      eta: null,
      songSince: 0,
      songDone: null,
      restored: 0,
      decoding: null,
      member: null,
      waiting: false,
      memory: null,
      error: { code: 'AUDIO_DECODE', message: 'song.mp3 is not audio' },
    };
    const { el } = await alone('demucs-status', { view });
    const text = (el as DemucsStatus).textContent!;
    ok(text.includes('wasm, 2 threads'), text);
    ok(text.includes('song.mp3 is not audio (AUDIO_DECODE)'), text);
    ok(el.querySelector('[role=alert]'), 'the error is announced');
    // A long song decoding: its stated length before any of it is separated; the count of what is decoded stays out of the live region's reading.
    (el as DemucsStatus).view = { ...view, error: null, busy: true, decoding: { statedSeconds: 3600, decodedSeconds: 65 } };
    await el.updateComplete;
    const decoding = el.querySelector('.decoding')!;
    ok(decoding.textContent!.includes('decoding the song (60 min 00 s long): 1 min 05 s decoded'), decoding.textContent!);
    equal(decoding.querySelector('[aria-hidden=true]')!.textContent, ': 1 min 05 s decoded');
    ok(!el.querySelector('.memory'), 'nothing said of memory while the stems are on disk');
    (el as DemucsStatus).view = { ...view, error: null, duration: 600, separated: 300, memory: { from: 193 * 44100, bytes: 412e6, budget: 2 ** 30, storage: true } };
    await el.updateComplete;
    equal(el.querySelector('.memory')?.textContent, "the browser's storage is full (a private window?): stems past 3 min 13 s are kept in memory, 412 of 1074 MB");
  });
});
