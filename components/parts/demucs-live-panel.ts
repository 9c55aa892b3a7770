/** `<demucs-live-panel>`: live mode's source, latency, start/stop and how it keeps up. Actions: `live-start`, `live-stop`. */
import { html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { LatencyPreset } from '../../src/core/live.ts';
import type { LiveFit, LiveWindow } from '../controllers/live-controller.ts';
import type { LiveState } from '../events.ts';
import { MixerPart } from './mixer-part.ts';

@customElement('demucs-live-panel')
export class DemucsLivePanel extends MixerPart {
  @property({ attribute: false }) state: LiveState = 'off';
  @property({ attribute: false }) latency = 0;
  @property({ attribute: false }) realtimeFactor = 0;
  @property({ attribute: false }) xruns = 0;
  @property({ attribute: false }) keepingUp = false;
  /** What is heard: nothing due yet, the stems, or the dry fallback. */
  @property({ attribute: false }) playing: 'waiting' | 'stems' | 'dry' = 'waiting';
  /** Seconds played dry over the dropouts. */
  @property({ attribute: false }) drySeconds = 0;
  /** A run's time on this device, the latency asked for and the one that holds. */
  @property({ attribute: false }) fit: LiveFit | null = null;
  /** Where the mixer has a live model beside the file model: which one runs (null: no choice to offer). */
  @property({ attribute: false }) liveWindow: LiveWindow | null = null;
  /** The page's <audio> and <video> elements, offered as sources: looked up when the menu is about to open. */
  @state() private _media: readonly HTMLMediaElement[] = [];

  override connectedCallback(): void {
    super.connectedCallback();
    this.#findMedia();
  }

  #findMedia(): void {
    const found = Array.from(document.querySelectorAll<HTMLMediaElement>('audio, video'));
    if (found.length !== this._media.length || found.some((m, i) => m !== this._media[i])) this._media = found;
  }

  protected override render() {
    const live = this.state === 'running' || this.state === 'starting';
    const state = !live
      ? ''
      : this.state === 'starting'
        ? 'starting…'
        : `latency ${this.latency.toFixed(2)} s${this.#fitted()} · ${this.#heard()} · real-time factor ${this.realtimeFactor.toFixed(2)} · ${this.#dropouts()}`;
    return html`<div class="transport live" part="live">
      <label
        >Live
        <select class="live-source" aria-label="Live source" ?disabled=${live} @focus=${() => this.#findMedia()} @pointerdown=${() => this.#findMedia()}>
          <option value="microphone">Microphone / line in</option>
          ${this._media.map((m, i) => html`<option value=${String(i)}>${m.tagName.toLowerCase()} ${m.id || m.title || i + 1}</option>`)}
        </select>
      </label>
      <select class="live-latency" aria-label="Live latency" ?disabled=${live}>
        <option value="low">low</option>
        <option value="balanced" selected>balanced</option>
        <option value="quality">quality</option>
      </select>
      ${this.liveWindow
        ? html`<select class="live-window" aria-label="Live window" ?disabled=${live}>
            <option value="live" ?selected=${this.liveWindow === 'live'}>shorter window: lower latency</option>
            <option value="file" ?selected=${this.liveWindow === 'file'}>file model's window: better separation</option>
          </select>`
        : ''}
      <button aria-pressed=${String(live)} @click=${() => (live ? this.act({ type: 'live-stop' }) : this.#start())}>${live ? 'Stop live' : 'Start live'}</button>
      <span role="status" class="live-state">${state}</span>
    </div>`;
  }

  /** What is heard, as the playback counts it. */
  #heard(): string {
    if (this.playing === 'dry') return 'dropout: playing the dry signal';
    if (this.playing === 'waiting') return this.realtimeFactor === 0 ? 'first run…' : 'first stems on their way';
    return this.keepingUp ? 'keeping up' : 'separated, but falling behind';
  }

  #dropouts(): string {
    return this.xruns === 0 ? '0 dropouts' : `${this.xruns} dropout${this.xruns === 1 ? '' : 's'} (${this.drySeconds.toFixed(1)} s dry)`;
  }

  /** Says why the latency is above the one asked for: what this device holds. */
  #fitted(): string {
    const fit = this.fit;
    if (!fit || fit.heldSeconds <= fit.askedSeconds + 0.005) return '';
    const shorter = this.liveWindow === 'file' ? '; the shorter window would hold less' : '';
    return ` (what this device holds: a run takes ${fit.runSeconds.toFixed(2)} s; ${fit.askedSeconds.toFixed(2)} s asked${shorter})`;
  }

  #start(): void {
    const source = this.querySelector<HTMLSelectElement>('.live-source')?.value;
    const latency = (this.querySelector<HTMLSelectElement>('.live-latency')?.value ?? 'balanced') as LatencyPreset;
    const chosen = source === 'microphone' || source === undefined ? 'microphone' : this._media[Number(source)];
    const fileModel = this.querySelector<HTMLSelectElement>('.live-window')?.value === 'file';
    this.act({ type: 'live-start', source: chosen ?? 'microphone', latency, ...(fileModel ? { fileModel } : {}) });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'demucs-live-panel': DemucsLivePanel;
  }
}
