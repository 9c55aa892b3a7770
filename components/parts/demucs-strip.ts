/**
 * `<demucs-strip>`: one stem's strip: its name and colour, fader, pan, mute, solo, isolate,
 * meter, and the output device it plays on (offered when the browser lists more than one).
 * Focusable as a whole: M, S, I and ↑/↓ act on it (keyboard-controller.ts). Actions: `gain`,
 * `pan`, `mute`, `solo`, `isolate`, `output`; its meter shows what `showLevel` is given.
 */
import { html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { createRef, ref } from 'lit/directives/ref.js';
import { formatDb, formatPan, type StemControls } from '../../src/core/mixing.ts';
import type { StemName } from '../../src/core/stems.ts';
import type { OutputDevice } from '../controllers/output-controller.ts';
import { fader, stemColour } from './controls.ts';
import { MixerPart } from './mixer-part.ts';
import { styleProps } from './style-props.ts';

/** Where a meter controller shows a stem's level. */
export interface LevelMeter {
  /** Shows a peak level in dB (−60 dB and below: empty). */
  showLevel(db: number): void;
}

/** The meter's range in dB below full scale. */
const METER_FLOOR_DB = -60;

@customElement('demucs-strip')
export class DemucsStrip extends MixerPart implements LevelMeter {
  @property({ reflect: true }) stem: StemName = '';
  @property({ attribute: false }) controls: StemControls = { gainDb: 0, mute: false, solo: false };
  /** The output devices to choose from (none offered below two). */
  @property({ attribute: false }) devices: readonly OutputDevice[] = [];
  /** The device this stem plays on. */
  @property({ attribute: false }) output = 'default';
  readonly #bar = createRef<HTMLDivElement>();

  /** Sets the meter's bar directly (every animation frame while playing: no render). */
  showLevel(db: number): void {
    const bar = this.#bar.value;
    if (bar) bar.style.width = `${Math.max(0, Math.min(100, ((db - METER_FLOOR_DB) / -METER_FLOOR_DB) * 100))}%`;
  }

  protected override render() {
    const { stem, controls: c } = this;
    const pan = c.pan ?? 0;
    const routable = this.devices.length > 1;
    return html`<div class=${routable ? 'stem routable' : 'stem'} part="stem" style=${styleProps(stemColour(stem))} tabindex="0" role="group" aria-label="${stem} strip (M mute, S solo, I isolate, arrows up and down: level)">
      <span class="swatch" aria-hidden="true"></span>
      <span class="name">${stem}</span>
      ${fader(`${stem} level`, c.gainDb, (db) => this.act({ type: 'gain', stem, db }))}
      <span class="db">${formatDb(c.gainDb)}</span>
      <span class="pan">
        <input
          type="range"
          min="-1"
          max="1"
          step="0.05"
          .value=${String(pan)}
          aria-label="${stem} pan"
          aria-valuetext=${formatPan(pan)}
          title="Pan (double-click: centre)"
          @input=${(e: Event) => this.act({ type: 'pan', stem, pan: Number((e.target as HTMLInputElement).value) })}
          @dblclick=${() => this.act({ type: 'pan', stem, pan: 0 })}
        />
        <span class="pan-value">${formatPan(pan)}</span>
      </span>
      <span class="buttons">
        <button aria-pressed=${String(c.mute)} aria-label="Mute ${stem}" title="Mute (M)" @click=${() => this.act({ type: 'mute', stem, on: !c.mute })}>M</button>
        <button aria-pressed=${String(c.solo)} aria-label="Solo ${stem}" title="Solo (S)" @click=${() => this.act({ type: 'solo', stem, on: !c.solo })}>S</button>
        <button aria-label="Isolate ${stem}" title="Only this stem (I)" @click=${() => this.act({ type: 'isolate', stem })}>Isolate</button>
      </span>
      ${routable
        ? html`<select class="output" aria-label="${stem} output device" title="Output device" @change=${(e: Event) => this.act({ type: 'output', stem, deviceId: (e.target as HTMLSelectElement).value })}>
            ${this.devices.map((d) => html`<option value=${d.deviceId} ?selected=${d.deviceId === this.output}>${d.label}</option>`)}
          </select>`
        : nothing}
      <div class="meter" aria-hidden="true"><div ${ref(this.#bar)}></div></div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'demucs-strip': DemucsStrip;
  }
}
