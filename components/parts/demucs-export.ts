/**
 * `<demucs-export>`: the export menu: a format (WAV, FLAC, MP3, AAC, NI Stems), "Export stems",
 * "Export mix", "with key and tempo" (offered when they are not the song's), and the export's
 * progress. Action: `export` with the chosen format.
 */
import { html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { OutputFormat } from '../../src/core/output-formats.ts';
import { MixerPart } from './mixer-part.ts';

export interface ExportChoice {
  readonly label: string;
  readonly format: OutputFormat;
  readonly bits?: 16 | 24;
  readonly bitrate?: number;
  readonly lossless?: boolean;
}

/** The menu's formats, in the order offered. */
export const EXPORT_CHOICES: readonly ExportChoice[] = [
  { label: 'WAV 16-bit', format: 'wav16' },
  { label: 'WAV 24-bit', format: 'wav24' },
  { label: 'WAV 32-bit float', format: 'f32' },
  { label: 'FLAC 16-bit', format: 'flac', bits: 16 },
  { label: 'FLAC 24-bit', format: 'flac', bits: 24 },
  { label: 'MP3 320 kbps', format: 'mp3', bitrate: 320 },
  { label: 'AAC (M4A) 256 kbps', format: 'm4a', bitrate: 256 },
  { label: 'NI Stems (.stem.mp4)', format: 'stem' },
  { label: 'NI Stems, lossless (ALAC)', format: 'stem', lossless: true },
];

@customElement('demucs-export')
export class DemucsExport extends MixerPart {
  /** Whether there is something to export (separated, and not separating). */
  @property({ attribute: false }) exportable = false;
  /** The running export's share done (0…1), or null when none runs. */
  @property({ attribute: false }) progress: number | null = null;
  /** Whether the model has stems beyond NI Stems' four (they fold into "other"). */
  @property({ attribute: false }) extraStems = false;
  /** The key and tempo heard, when they are not the song's (`+2 st, 75 %`); '' otherwise. */
  @property({ attribute: false }) keyTempo = '';
  @state() private _choice = 0;
  @state() private _withKeyTempo = true;

  protected override render() {
    const choice = EXPORT_CHOICES[this._choice]!;
    const busy = this.progress !== null;
    const act = (what: 'stems' | 'mix') =>
      this.act({
        type: 'export',
        what,
        format: choice.format,
        ...(choice.bits ? { bits: choice.bits } : {}),
        ...(choice.bitrate ? { bitrate: choice.bitrate } : {}),
        ...(choice.lossless ? { lossless: true } : {}),
        ...(this.keyTempo && this._withKeyTempo ? { withKeyAndTempo: true } : {}),
      });
    return html`<div class="export" part="export">
      <label
        >Export as
        <select class="export-format" .value=${String(this._choice)} @change=${(e: Event) => (this._choice = Number((e.target as HTMLSelectElement).value))}>
          ${EXPORT_CHOICES.map((c, k) => html`<option value=${k} ?selected=${k === this._choice}>${c.label}</option>`)}
        </select></label
      >
      ${this.keyTempo
        ? html`<label class="with-key-tempo"
            ><input type="checkbox" .checked=${this._withKeyTempo} @change=${(e: Event) => (this._withKeyTempo = (e.target as HTMLInputElement).checked)} /> at ${this.keyTempo}</label
          >`
        : nothing}
      <button ?disabled=${!this.exportable || busy} @click=${() => act('stems')}>Export stems</button>
      <button ?disabled=${!this.exportable || busy} @click=${() => act('mix')}>Export mix</button>
      ${busy ? html`<progress max="1" .value=${this.progress!} aria-label="Export progress"></progress><span class="db">${Math.round(this.progress! * 100)} %</span>` : nothing}
      ${choice.format === 'stem'
        ? html`<small class="export-note"
            >One file for DJ software (Traktor, Mixxx, djay): its mix track is the song (Export stems) or the mix as heard (Export mix)${this.extraStems
              ? '; NI Stems hold four stems, so guitar and piano are folded into other'
              : ''}.</small
          >`
        : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'demucs-export': DemucsExport;
  }
}
