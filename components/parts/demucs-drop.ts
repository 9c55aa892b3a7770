/** `<demucs-drop>`: where a song comes in: dropped on it, or chosen with the file picker (action `load`). */
import { html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { MixerPart } from './mixer-part.ts';

@customElement('demucs-drop')
export class DemucsDrop extends MixerPart {
  /** The loaded song's name. */
  @property({ attribute: false }) label = '';
  @state() private _over = false;

  #take(file: File | undefined): void {
    if (file) this.act({ type: 'load', file });
  }

  protected override render() {
    return html`<div
      class="drop ${this._over ? 'over' : ''}"
      part="drop"
      @dragover=${(e: DragEvent) => {
        e.preventDefault();
        this._over = true;
      }}
      @dragleave=${() => (this._over = false)}
      @drop=${(e: DragEvent) => {
        e.preventDefault();
        this._over = false;
        this.#take(e.dataTransfer?.files[0]);
      }}
    >
      Drop a song here or
      <button @click=${() => this.querySelector<HTMLInputElement>('input[type=file]')?.click()}>choose a file</button>
      <input type="file" accept="audio/*,video/*" hidden @change=${(e: Event) => this.#take((e.target as HTMLInputElement).files?.[0])} />
      ${this.label ? html`<div class="file-name">${this.label}</div>` : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'demucs-drop': DemucsDrop;
  }
}
