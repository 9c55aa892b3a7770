/** `<demucs-live-panel>`: live mode's source, latency, start/stop and how it keeps up. */
import { html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { LatencyPreset } from '../src/core/live.ts';
import type { DemucsMixer } from './demucs-mixer.ts';
import type { LiveState } from './events.ts';

@customElement('demucs-live-panel')
export class DemucsLivePanel extends LitElement {
  @property({ attribute: false }) mixer: DemucsMixer | null = null;
  @property({ attribute: false }) state: LiveState = 'off';
  @property({ attribute: false }) latency = 0;
  @property({ attribute: false }) realtimeFactor = 0;
  @property({ attribute: false }) xruns = 0;
  @property({ attribute: false }) keepingUp = false;

  /** Rendered into the mixer's shadow root: its styles and parts apply. */
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override render() {
    const mixer = this.mixer;
    if (!mixer) return nothing;
    const live = this.state === 'running' || this.state === 'starting';
    const media = Array.from(document.querySelectorAll<HTMLMediaElement>('audio, video'));
    const state = !live
      ? ''
      : this.state === 'starting'
        ? 'starting…'
        : `latency ${this.latency.toFixed(2)} s · ${this.realtimeFactor === 0 ? 'first run…' : this.keepingUp ? 'keeping up' : 'falling behind'} · real-time factor ${this.realtimeFactor.toFixed(2)} · ${this.xruns} dropouts`;
    return html`<div class="transport live" part="live">
      <label
        >Live
        <select class="live-source" aria-label="Live source" ?disabled=${live}>
          <option value="microphone">Microphone / line in</option>
          ${media.map((m, i) => html`<option value=${String(i)}>${m.tagName.toLowerCase()} ${m.id || m.title || i + 1}</option>`)}
        </select>
      </label>
      <select class="live-latency" aria-label="Live latency" ?disabled=${live}>
        <option value="low">low</option>
        <option value="balanced" selected>balanced</option>
        <option value="quality">quality</option>
      </select>
      <button aria-pressed=${String(live)} @click=${() => (live ? void mixer.stopLive() : void this.#start(mixer, media))}>${live ? 'Stop live' : 'Start live'}</button>
      <span role="status" class="live-state">${state}</span>
    </div>`;
  }

  async #start(mixer: DemucsMixer, media: HTMLMediaElement[]): Promise<void> {
    const source = this.querySelector<HTMLSelectElement>('.live-source')?.value;
    const latency = this.querySelector<HTMLSelectElement>('.live-latency')?.value ?? 'balanced';
    const chosen = source === 'microphone' || source === undefined ? 'microphone' : media[Number(source)]!;
    await mixer.startLive({ source: chosen, latency: latency as LatencyPreset }).catch(() => undefined);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'demucs-live-panel': DemucsLivePanel;
  }
}
