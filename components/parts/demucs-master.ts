/** `<demucs-master>`: the master fader and "Reset mix". Actions: `master-gain`, `reset-mix`. */
import { html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { formatDb } from '../../src/core/mixing.ts';
import { fader } from './controls.ts';
import { MixerPart } from './mixer-part.ts';

@customElement('demucs-master')
export class DemucsMaster extends MixerPart {
  @property({ attribute: false }) masterDb = 0;

  protected override render() {
    return html`<div class="master" part="master">
      <span>master</span>
      ${fader('Master level', this.masterDb, (db) => this.act({ type: 'master-gain', db }))}
      <span class="db">${formatDb(this.masterDb)}</span>
      <button @click=${() => this.act({ type: 'reset-mix' })} title="Faders to 0 dB, pans centred, no mute or solo">Reset mix</button>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'demucs-master': DemucsMaster;
  }
}
