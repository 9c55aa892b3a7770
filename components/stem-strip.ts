/**
 * `<demucs-strip>`: one stem's strip: its name and colour, fader, pan, mute, solo, isolate and
 * meter. Focusable as a whole: M, S, I and ↑/↓ act on it (keyboard-controller.ts).
 */
import { html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { formatDb, formatPan, type StemControls } from '../src/core/mixing.ts';
import type { StemName } from '../src/core/stems.ts';
import { fader } from './controls.ts';
import type { DemucsMixer } from './demucs-mixer.ts';

@customElement('demucs-strip')
export class DemucsStrip extends LitElement {
  @property({ attribute: false }) mixer: DemucsMixer | null = null;
  @property({ reflect: true }) stem: StemName = '';
  @property({ attribute: false }) controls: StemControls = { gainDb: 0, mute: false, solo: false };

  /** Rendered into the mixer's shadow root: its styles and parts apply. */
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override render() {
    const { mixer, stem, controls: c } = this;
    if (!mixer) return nothing;
    const pan = c.pan ?? 0;
    return html`<div class="stem" part="stem" style="--stem: var(--demucs-stem-${stem}, var(--demucs-accent))" tabindex="0" role="group" aria-label="${stem} strip (M mute, S solo, I isolate, arrows up and down: level)">
      <span class="swatch" aria-hidden="true"></span>
      <span class="name">${stem}</span>
      ${fader(`${stem} level`, c.gainDb, (db) => mixer.setGain(stem, db))}
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
          @input=${(e: Event) => mixer.setPan(stem, Number((e.target as HTMLInputElement).value))}
          @dblclick=${() => mixer.setPan(stem, 0)}
        />
        <span class="pan-value">${formatPan(pan)}</span>
      </span>
      <span class="buttons">
        <button aria-pressed=${String(c.mute)} aria-label="Mute ${stem}" title="Mute (M)" @click=${() => mixer.setMute(stem, !c.mute)}>M</button>
        <button aria-pressed=${String(c.solo)} aria-label="Solo ${stem}" title="Solo (S)" @click=${() => mixer.setSolo(stem, !c.solo)}>S</button>
        <button aria-label="Isolate ${stem}" title="Only this stem (I)" @click=${() => mixer.isolate(stem)}>Isolate</button>
      </span>
      <div class="meter" aria-hidden="true"><div></div></div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'demucs-strip': DemucsStrip;
  }
}
