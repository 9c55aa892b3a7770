/** `<demucs-master>`: the master fader, "Reset mix", and the exports (downloaded as WAV files). */
import { html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { formatDb } from '../src/core/mixing.ts';
import { fader } from './controls.ts';
import type { DemucsMixer } from './demucs-mixer.ts';

@customElement('demucs-master')
export class DemucsMaster extends LitElement {
  @property({ attribute: false }) mixer: DemucsMixer | null = null;
  @property({ attribute: false }) masterDb = 0;
  /** Whether there is something to export (separated, and not separating). */
  @property({ attribute: false }) exportable = false;
  /** The song's name, for the files' names. */
  @property({ attribute: false }) label = '';

  /** Rendered into the mixer's shadow root: its styles and parts apply. */
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override render() {
    const mixer = this.mixer;
    if (!mixer) return nothing;
    return html`<div class="master" part="master">
      <span>master</span>
      ${fader('Master level', this.masterDb, (db) => mixer.setMasterGain(db))}
      <span class="db">${formatDb(this.masterDb)}</span>
      <button @click=${() => mixer.resetMix()} title="Faders to 0 dB, pans centred, no mute or solo">Reset mix</button>
      <button ?disabled=${!this.exportable} @click=${() => void this.#download(mixer, 'stems')}>Export stems</button>
      <button ?disabled=${!this.exportable} @click=${() => void this.#download(mixer, 'mix')}>Export mix</button>
    </div>`;
  }

  async #download(mixer: DemucsMixer, what: 'stems' | 'mix'): Promise<void> {
    const base = this.label.replace(/\.[^.]*$/, '') || 'song';
    const files: [string, Blob][] =
      what === 'mix' ? [[`${base}-mix.wav`, await mixer.exportMix()]] : Object.entries(await mixer.exportStems()).map(([stem, blob]) => [`${base}-${stem}.wav`, blob]);
    for (const [name, blob] of files) {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'demucs-master': DemucsMaster;
  }
}
