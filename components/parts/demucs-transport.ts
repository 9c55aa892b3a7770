/**
 * `<demucs-transport>`: play/pause, the position, the loop, the one karaoke control (how much
 * of the vocals is out, and "vocals only") for file and live mode, and the shortcuts' help.
 * Actions: `play`, `pause`, `toggle-loop`, `clear-loop`, `karaoke`, `karaoke-amount`,
 * `vocals-only`, `help`.
 */
import { html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
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
