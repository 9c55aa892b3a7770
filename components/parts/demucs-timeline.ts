/**
 * `<demucs-timeline>`: the song on one timeline: a time ruler (click: seek; drag: set a loop),
 * a lane per stem with its waveform or spectrogram, the playhead across all lanes, the part not
 * yet separated shaded, zoom (buttons, +/−, Ctrl+wheel) and scroll (the view follows the
 * playhead while it plays). Click or drag on the lanes to seek. Actions: `seek`, `set-loop`.
 */
import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { SAMPLE_RATE } from '../../src/core/constants.ts';
import { PEAK_HOP } from '../../src/core/peaks.ts';
import type { StemName } from '../../src/core/stems.ts';
import type { LoopRegion } from '../controllers/loop-controller.ts';
import { MAX_LOOP_SECONDS, type PlayState } from '../audio/stem-player.ts';
import type { StemViews } from '../audio/stem-views.ts';
import { stemColour } from './controls.ts';
import { MixerPart } from './mixer-part.ts';
import { styleProps } from './style-props.ts';
import { drawRuler, drawSpectrogram, drawWaveform, type TimeView } from './timeline-draw.ts';

/** What can be zoomed by a factor (the keyboard's +/−). */
export interface Zoomable {
  /** Zooms by `factor` (2: in, 0.5: out). */
  zoomBy(factor: number): void;
}

/** The closest zoom: one fine peak block per pixel. */
const MAX_PX_PER_SECOND = SAMPLE_RATE / PEAK_HOP;
/** A press that moves less than this (px) is a click. */
const CLICK_PX = 4;

@customElement('demucs-timeline')
export class DemucsTimeline extends MixerPart implements Zoomable {
  @property({ attribute: false }) stems: readonly StemName[] = [];
  @property({ attribute: false }) waveforms: readonly Float32Array[] = [];
  @property({ attribute: false }) views: StemViews | null = null;
  /** StemViews' version: a change redraws the lanes. */
  @property({ attribute: false }) viewsVersion = 0;
  @property({ attribute: false }) duration = 0;
  @property({ attribute: false }) separated = 0;
  @property({ attribute: false }) position = 0;
  @property({ attribute: false }) loop: LoopRegion | null = null;
  @property({ attribute: false }) playState: PlayState = 'stopped';

  /** Pixels per second; 0 fits the song to the width. */
  @state() private _zoom = 0;
  /** The stems whose lanes show their spectrogram (the others, their waveform). */
  @state() private _spectrogram: ReadonlySet<StemName> = new Set();
  @state() private _scroll = 0;
  @state() private _width = 0;
  /** A loop being dragged on the ruler (seconds). */
  @state() private _draft: { start: number; end: number } | null = null;

  @query('.scroller') private _scroller!: HTMLElement | null;

  #resize: ResizeObserver | null = null;
  #press: { x: number; time: number; onRuler: boolean; moved: boolean } | null = null;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize?.disconnect();
    this.#resize = null;
  }

  /** Pixels per second at the current zoom. */
  get pxPerSecond(): number {
    const fit = this.duration > 0 && this._width > 0 ? this._width / this.duration : 1;
    return this._zoom > 0 ? Math.max(fit, this._zoom) : fit;
  }

  /** Zooms by `factor` (2: in, 0.5: out), keeping the playhead (or the middle) where it is on screen. */
  zoomBy(factor: number): void {
    if (!this.duration || !this._width) return;
    const before = this.pxPerSecond;
    const fit = this._width / this.duration;
    const after = Math.max(fit, Math.min(MAX_PX_PER_SECOND, before * factor));
    const playheadX = this.position * before - this._scroll;
    const anchorX = playheadX >= 0 && playheadX <= this._width ? playheadX : this._width / 2;
    const anchorTime = (this._scroll + anchorX) / before;
    this._zoom = after <= fit ? 0 : after;
    this.#scrollTo(anchorTime * after - anchorX);
  }

  /** Seconds at a client x coordinate. */
  timeAt(clientX: number): number {
    const view = this.querySelector('.view');
    if (!view) return 0;
    const x = clientX - view.getBoundingClientRect().left;
    return Math.max(0, Math.min(this.duration, (this._scroll + x) / this.pxPerSecond));
  }

  #scrollTo(px: number): void {
    const max = Math.max(0, this.duration * this.pxPerSecond - this._width);
    this._scroll = Math.max(0, Math.min(max, px));
    void this.updateComplete.then(() => {
      if (this._scroller && Math.abs(this._scroller.scrollLeft - this._scroll) > 1) this._scroller.scrollLeft = this._scroll;
    });
  }

  protected override firstUpdated(): void {
    this.#observe();
  }

  #observe(): void {
    this.#resize?.disconnect();
    const scroller = this._scroller;
    if (!scroller) return;
    this.#resize = new ResizeObserver(() => (this._width = scroller.clientWidth));
    this.#resize.observe(scroller);
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (!this.#resize && this._scroller) this.#observe();
    // Playing, the view follows the playhead (a page at a time).
    if (changed.has('position') && this.playState === 'playing' && !this.#press && this._width) {
      const x = this.position * this.pxPerSecond - this._scroll;
      if (x < 0 || x > this._width) this.#scrollTo(this.position * this.pxPerSecond - this._width * 0.1);
    }
    const redraw: PropertyKey[] = ['viewsVersion', 'views', 'waveforms', 'duration', 'separated', 'stems', '_zoom', '_spectrogram', '_scroll', '_width'];
    if (redraw.some((k) => changed.has(k as keyof DemucsTimeline))) this.#draw();
  }

  #draw(): void {
    const view: TimeView = { offset: this._scroll / this.pxPerSecond, pxPerSecond: this.pxPerSecond };
    const ratio = devicePixelRatio || 1;
    const size = (canvas: HTMLCanvasElement) => {
      const w = Math.round(this._width * ratio);
      const h = Math.round(canvas.clientHeight * ratio);
      if (canvas.width !== w) canvas.width = w;
      if (canvas.height !== h) canvas.height = h;
    };
    const ruler = this.querySelector<HTMLCanvasElement>('canvas.ruler');
    if (ruler) {
      size(ruler);
      drawRuler(ruler, view, this.duration, this.separated, getComputedStyle(this).getPropertyValue('--demucs-accent').trim() || '#5ac8fa');
    }
    const length = Math.round(this.duration * SAMPLE_RATE);
    this.querySelectorAll<HTMLCanvasElement>('canvas[data-lane]').forEach((canvas) => {
      const s = Number(canvas.dataset['lane']);
      size(canvas);
      if (this._spectrogram.has(this.stems[s]!)) drawSpectrogram(canvas, view, this.views?.spectra[s]);
      else drawWaveform(canvas, view, length, this.views?.fine[s], this.waveforms[s]);
    });
  }

  #down(e: PointerEvent): void {
    if (e.button !== 0 || !this.duration) return;
    const onRuler = (e.target as Element).classList.contains('ruler');
    const time = this.timeAt(e.clientX);
    this.#press = { x: e.clientX, time, onRuler, moved: false };
    (e.currentTarget as Element).setPointerCapture?.(e.pointerId);
    if (!onRuler) this.act({ type: 'seek', seconds: time });
    e.preventDefault();
  }

  #move(e: PointerEvent): void {
    const press = this.#press;
    if (!press) return;
    if (Math.abs(e.clientX - press.x) >= CLICK_PX) press.moved = true;
    const time = this.timeAt(e.clientX);
    if (!press.onRuler) this.act({ type: 'seek', seconds: time });
    else if (press.moved) {
      // At most MAX_LOOP_SECONDS from where the drag began.
      const end = Math.max(press.time - MAX_LOOP_SECONDS, Math.min(press.time + MAX_LOOP_SECONDS, time));
      this._draft = { start: Math.min(press.time, end), end: Math.max(press.time, end) };
    }
  }

  #up(e: PointerEvent): void {
    const press = this.#press;
    this.#press = null;
    if (!press) return;
    const draft = this._draft;
    this._draft = null;
    if (press.onRuler && !press.moved) this.act({ type: 'seek', seconds: this.timeAt(e.clientX) });
    else if (press.onRuler && draft && draft.end - draft.start > 0) this.act({ type: 'set-loop', start: draft.start, end: draft.end });
  }

  /** Shows a lane's spectrogram or its waveform. */
  #toggleLane(stem: StemName): void {
    const next = new Set(this._spectrogram);
    if (!next.delete(stem)) next.add(stem);
    this.#showSpectrograms(next);
  }

  /** The lanes showing spectrograms (computed from the first time one is shown). */
  #showSpectrograms(lanes: ReadonlySet<StemName>): void {
    this._spectrogram = lanes;
    if (lanes.size > 0) void this.views?.showSpectra().catch(() => undefined);
  }

  #wheel(e: WheelEvent): void {
    if (!e.ctrlKey) return;
    e.preventDefault();
    this.zoomBy(e.deltaY < 0 ? 1.25 : 0.8);
  }

  protected override render() {
    if (!this.duration) return nothing;
    const pps = this.pxPerSecond;
    const x = (seconds: number) => seconds * pps - this._scroll;
    const loop = this._draft ?? this.loop;
    const zoomed = this._zoom > 0;
    const allSpectra = this.stems.length > 0 && this.stems.every((s) => this._spectrogram.has(s));
    return html`<div class="timeline" part="timeline">
      <div class="timeline-bar">
        <button class="spectrograms" aria-pressed=${String(allSpectra)} title="Every lane: spectrogram or waveform (or a lane's name: that lane)" @click=${() => this.#showSpectrograms(new Set(allSpectra ? [] : this.stems))}>
          Spectrogram
        </button>
        <button aria-label="Zoom out" title="Zoom out (−)" ?disabled=${!zoomed} @click=${() => this.zoomBy(0.5)}>−</button>
        <button aria-label="Zoom in" title="Zoom in (+)" ?disabled=${pps >= MAX_PX_PER_SECOND} @click=${() => this.zoomBy(2)}>+</button>
        <button title="Show the whole song" ?disabled=${!zoomed} @click=${() => ((this._zoom = 0), this.#scrollTo(0))}>Fit</button>
      </div>
      <div class="scroller" tabindex="0" role="group" aria-label="Timeline: click or drag to seek, drag on the ruler to set a loop, arrow keys seek" @scroll=${(e: Event) => (this._scroll = (e.target as HTMLElement).scrollLeft)} @wheel=${(e: WheelEvent) => this.#wheel(e)}>
        <div class="content" style=${styleProps({ width: `${Math.ceil(this.duration * pps)}px` })}>
          <div
            class="view"
            style=${styleProps({ width: `${this._width}px` })}
            @pointerdown=${(e: PointerEvent) => this.#down(e)}
            @pointermove=${(e: PointerEvent) => this.#move(e)}
            @pointerup=${(e: PointerEvent) => this.#up(e)}
            @pointercancel=${(e: PointerEvent) => this.#up(e)}
          >
            <canvas class="ruler" aria-hidden="true"></canvas>
            ${this.stems.map(
              (stem, s) => html`<div class="lane" style=${styleProps(stemColour(stem))}>
                <canvas class="lane-canvas" data-lane=${s} aria-hidden="true"></canvas>
                <button
                  class="lane-name"
                  aria-pressed=${String(this._spectrogram.has(stem))}
                  aria-label="${stem} spectrogram"
                  title="${stem}: spectrogram or waveform"
                  @pointerdown=${(e: Event) => e.stopPropagation()}
                  @click=${() => this.#toggleLane(stem)}
                >
                  ${stem}
                </button>
              </div>`,
            )}
            <div class="pending" style=${styleProps({ left: `${Math.max(0, x(this.separated))}px` })}></div>
            ${loop
              ? html`<div class="loop-region ${this.loop?.on || this._draft ? 'on' : ''}" style=${styleProps({ left: `${x(loop.start)}px`, width: `${(loop.end - loop.start) * pps}px` })}></div>`
              : nothing}
            <div class="playhead" style=${styleProps({ transform: `translateX(${x(this.position)}px)` })}></div>
          </div>
        </div>
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'demucs-timeline': DemucsTimeline;
  }
}
