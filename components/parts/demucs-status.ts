/**
 * `<demucs-status>`: the mixer's status line: the model's stage, the backend, the song's stage,
 * stems kept in memory, a bag's member, waiting, and errors, each stage with its elapsed time
 * (ticking once a second outside what the live region reads out).
 */
import { html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Backend, ModelProgress } from '../../src/worker/protocol.ts';
import type { MixerFailure } from '../controllers/mixer-host.ts';
import { MixerPart } from './mixer-part.ts';
import { decodingText, formatElapsed, memoryText, modelStageText, songStageText, type MemoryStage } from './status-text.ts';

export interface StatusView {
  readonly model: ModelProgress | null;
  /** Live mode is running (its worker has a model of its own). */
  readonly live: boolean;
  /** When the model's stage began (ms, performance.now()). */
  readonly modelSince: number;
  readonly backend: Backend | null;
  readonly threads: number;
  readonly isolated: boolean;
  readonly busy: boolean;
  readonly duration: number;
  readonly separated: number;
  readonly eta: number | null;
  readonly songSince: number;
  readonly songDone: number | null;
  readonly restored: number;
  /** The song being decoded (before its length is known for sure), or null. */
  readonly decoding: { readonly statedSeconds: number | null; readonly decodedSeconds: number } | null;
  readonly member: { readonly index: number; readonly count: number; readonly stage: string; readonly runsDone: number; readonly runsTotal: number } | null;
  readonly waiting: boolean;
  /** Stems kept in memory (the browser's storage refused them, or there is none), or null. */
  readonly memory: MemoryStage | null;
  readonly error: MixerFailure | null;
}

/** The backend as shown: WASM with its threads, and why it is slower on a page that is not isolated. */
export function backendLabel(backend: Backend | null, threads: number, isolated: boolean): string {
  if (backend !== 'wasm' || threads === 0) return backend ?? '';
  const label = `wasm, ${threads} thread${threads === 1 ? '' : 's'}`;
  return isolated ? label : `${label} (the page is not cross-origin isolated: slower, and no live mode)`;
}

@customElement('demucs-status')
export class DemucsStatus extends MixerPart {
  @property({ attribute: false }) view: StatusView | null = null;
  /** Re-renders every second while a stage is under way (its elapsed time). */
  #clock: ReturnType<typeof setInterval> | null = null;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#stopClock();
  }

  /** Whether a stage is under way. */
  #staging(): boolean {
    const v = this.view;
    return v !== null && ((v.model !== null && v.model.status !== 'ready' && !v.error) || v.busy);
  }

  protected override updated(): void {
    if (!this.#staging()) this.#stopClock();
    else this.#clock ??= setInterval(() => this.requestUpdate(), 1000);
  }

  #stopClock(): void {
    if (this.#clock !== null) clearInterval(this.#clock);
    this.#clock = null;
  }

  protected override render() {
    const v = this.view;
    if (!v) return nothing;
    const now = performance.now();
    // Elapsed times tick outside the live region's reading (aria-hidden).
    const elapsed = (seconds: number) => html` <span class="elapsed" aria-hidden="true">(${formatElapsed(seconds)})</span>`;
    const modelElapsed = v.model && v.model.status !== 'ready' && !v.error ? elapsed((now - v.modelSince) / 1000) : nothing;
    const song = songStageText({
      fraction: v.duration ? v.separated / v.duration : 0,
      busy: v.busy && !v.error,
      eta: v.eta,
      elapsed: ((v.songDone ?? now) - v.songSince) / 1000,
      restored: v.restored,
      duration: v.duration,
    });
    const m = v.member;
    return html`<div class="status" part="status" role="status" aria-live="polite">
      <span>${v.live ? 'live mode: separating the input' : html`${modelStageText(v.model)}${modelElapsed}`}</span>
      ${v.backend ? html`<span>backend: ${backendLabel(v.backend, v.threads, v.isolated)}</span>` : nothing}
      ${v.duration ? html`<span>${song}${v.busy && !v.error ? elapsed((now - v.songSince) / 1000) : nothing}</span>` : nothing}
      ${!v.duration && v.decoding && !v.error
        ? html`<span class="decoding"
            >${decodingText(v.decoding.statedSeconds)}<span aria-hidden="true">: ${formatElapsed(v.decoding.decodedSeconds)} decoded</span></span
          >`
        : nothing}
      ${v.memory ? html`<span class="memory">${memoryText(v.memory)}</span>` : nothing}
      ${m ? html`<span>model ${m.index + 1} of ${m.count}: ${m.stage} (run ${m.runsDone} of ${m.runsTotal})</span>` : nothing}
      ${v.waiting ? html`<span class="waiting">waiting for separation…</span>` : nothing}
      ${v.error ? html`<span class="error" role="alert">${v.error.message} (${v.error.code})</span>` : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'demucs-status': DemucsStatus;
  }
}
