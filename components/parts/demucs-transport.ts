/**
 * `<demucs-transport>`: play/pause, the position, the loop, the key (semitones and cents) and
 * the tempo, the one karaoke control (how much of the vocals is out, and "vocals only") for file
 * and live mode, and the shortcuts' help.
 * Actions: `play`, `pause`, `toggle-loop`, `clear-loop`, `key`, `tempo`, `karaoke`,
 * `karaoke-amount`, `vocals-only`, `help`.
 */
import { html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { KEY_MAX, KEY_MIN, TEMPO_MAX, TEMPO_MIN } from '../../src/core/constants.ts';
import { formatTime } from './controls.ts';
import type { LoopRegion } from '../controllers/loop-controller.ts';
import type { PlayState } from '../audio/stem-player.ts';
import { MixerPart } from './mixer-part.ts';

@customElement('demucs-transport')
export class DemucsTransport extends MixerPart {
  @property({ attribute: false }) playState: PlayState = 'stopped';
  @property({ attribute: false }) position = 0;
  @property({ attribute: false }) duration = 0;
  @property({ attribute: false }) separated = 0;
  @property({ attribute: false }) karaokeAmount = 0;
  @property({ attribute: false }) karaokeOn = false;
  @property({ attribute: false }) vocalsOnly = false;
  @property({ attribute: false }) hasVocals = false;
  @property({ attribute: false }) loop: LoopRegion | null = null;
  @property({ attribute: false }) help = false;
  /** Semitones from the song's key (fractions are cents). */
  @property({ attribute: false }) key = 0;
  /** Percent of the song's tempo. */
  @property({ attribute: false }) tempo = 100;
  /** Live mode plays: the tempo does not apply. */
  @property({ attribute: false }) live = false;

  protected override render() {
    const stopped = this.playState === 'stopped';
    const loop = this.loop;
    return html`<div class="transport" part="transport">
      <button class="play" aria-label=${stopped ? 'Play' : 'Pause'} title=${stopped ? 'Play (Space)' : 'Pause (Space)'} ?disabled=${!this.separated} @click=${() => this.act({ type: stopped ? 'play' : 'pause' })}>
        ${stopped ? '▶' : '❚❚'}
      </button>
      <span class="time" aria-label="Position">${formatTime(this.position)} / ${formatTime(this.duration)}</span>
      <button
        class="loop"
        aria-pressed=${String(loop?.on ?? false)}
        title=${loop ? `Loop ${formatTime(loop.start)}–${formatTime(loop.end)} (L; drag on the ruler to set)` : 'Loop the 10 s from the playhead (L; drag on the ruler to set a region)'}
        ?disabled=${!this.duration}
        @click=${() => this.act({ type: 'toggle-loop' })}
      >
        Loop
      </button>
      ${loop ? html`<button class="clear-loop" aria-label="Clear the loop" title="Clear the loop (Shift+L)" @click=${() => this.act({ type: 'clear-loop' })}>✕</button>` : nothing}
      ${this.#keyTempo()}
      ${this.#karaoke()}
      <button
        class="help"
        aria-label="Keyboard shortcuts"
        aria-expanded=${String(this.help)}
        aria-controls="shortcuts"
        title="Keyboard shortcuts (?)"
        @click=${() => this.act({ type: 'help', open: !this.help })}
      >
        ?
      </button>
    </div>`;
  }

  #keyTempo() {
    const semitones = Math.round(this.key);
    const cents = Math.round((this.key - semitones) * 100);
    const key = (st: number, ct: number) => this.act({ type: 'key', semitones: Math.max(KEY_MIN, Math.min(KEY_MAX, st + ct / 100)) });
    return html`<span class="key-tempo" part="key-tempo">
      <label
        >Key
        <input
          class="key"
          type="range"
          min=${KEY_MIN}
          max=${KEY_MAX}
          step="1"
          .value=${String(semitones)}
          aria-valuetext=${describeKey(this.key)}
          title="Key ([ / ])"
          @input=${(e: Event) => key(Number((e.target as HTMLInputElement).value), cents)}
      /></label>
      <input
        class="cents"
        type="number"
        min="-50"
        max="50"
        step="1"
        .value=${String(cents)}
        aria-label="Fine tuning in cents"
        title="Fine tuning (cents)"
        @change=${(e: Event) => key(semitones, Math.max(-50, Math.min(50, Number((e.target as HTMLInputElement).value) || 0)))}
      /><span class="unit" aria-hidden="true">ct</span>
      <button class="key-reset" title="Back to the song's key" aria-label="Key ${formatKey(this.key)}: back to the song's key" @click=${() => key(0, 0)}>${formatKey(this.key)}</button>
      <label
        >Tempo
        <input
          class="tempo"
          type="range"
          min=${TEMPO_MIN}
          max=${TEMPO_MAX}
          step="1"
          ?disabled=${this.live}
          .value=${String(this.tempo)}
          aria-valuetext="${Math.round(this.tempo)} % of the song's tempo"
          title=${this.live ? 'Live input keeps its own tempo' : 'Tempo (, / .)'}
          @input=${(e: Event) => this.act({ type: 'tempo', percent: Number((e.target as HTMLInputElement).value) })}
      /></label>
      <button class="tempo-reset" ?disabled=${this.live} title="Back to the song's tempo" aria-label="Tempo: ${Math.round(this.tempo)} %; back to the song's tempo" @click=${() => this.act({ type: 'tempo', percent: 100 })}>
        ${Math.round(this.tempo)} %
      </button>
    </span>`;
  }

  #karaoke() {
    const vocals = this.hasVocals;
    const only = this.vocalsOnly;
    return html`<span class="karaoke" part="karaoke">
      <button aria-pressed=${String(this.karaokeOn)} ?disabled=${!vocals} @click=${() => this.act({ type: 'karaoke' })}>Karaoke</button>
      <input
        type="range"
        min="0"
        max="1"
        step="0.05"
        ?disabled=${!vocals}
        .value=${String(this.karaokeAmount)}
        aria-label="Karaoke: vocals removed"
        aria-valuetext="${Math.round(this.karaokeAmount * 100)} % of the vocals removed"
        @input=${(e: Event) => this.act({ type: 'karaoke-amount', amount: Number((e.target as HTMLInputElement).value) })}
      />
      <button aria-pressed=${String(only)} ?disabled=${!vocals} @click=${() => this.act({ type: 'vocals-only', on: !only })}>Vocals only</button>
    </span>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'demucs-transport': DemucsTransport;
  }
}

/** The key as the transport shows it: `0 st`, `+2 st`, `−1.50 st`. */
export function formatKey(key: number): string {
  if (Math.abs(key) < 0.005) return '0 st';
  const sign = key > 0 ? '+' : '−';
  const size = Math.abs(key);
  return `${sign}${Number.isInteger(Math.round(size * 100) / 100) ? size.toFixed(0) : size.toFixed(2)} st`;
}

/** The key in words, for assistive technology. */
function describeKey(key: number): string {
  if (Math.abs(key) < 0.005) return "the song's key";
  const semitones = Math.trunc(Math.round(key * 100) / 100);
  const cents = Math.round((key - semitones) * 100);
  const parts = [semitones ? `${Math.abs(semitones)} semitone${Math.abs(semitones) === 1 ? '' : 's'}` : '', cents ? `${Math.abs(cents)} cents` : ''].filter(Boolean);
  return `${parts.join(' ')} ${key > 0 ? 'up' : 'down'}`;
}
