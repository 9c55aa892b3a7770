/**
 * The loop: a region of the song (set by dragging on the ruler, or `setLoop`) that playback
 * repeats sample-accurately while it is on (L). Seeking outside it turns it off (the region
 * stays, for L to turn it on again).
 */
import type { ReactiveControllerHost } from 'lit';
import { SAMPLE_RATE } from '../../src/core/constants.ts';
import { DemucsError } from '../../src/core/errors.ts';
import type { MixController } from './mix-controller.ts';
import { MAX_LOOP_SECONDS } from '../audio/stem-player.ts';

/** A loop region in seconds, and whether it plays. */
export interface LoopRegion {
  readonly start: number;
  readonly end: number;
  readonly on: boolean;
}

/** The loop L sets without a region: this many seconds from the playhead. */
const DEFAULT_LOOP_SECONDS = 10;

export class LoopController {
  readonly #host: ReactiveControllerHost;
  readonly #mix: MixController;
  #region: LoopRegion | null = null;

  constructor(host: ReactiveControllerHost, mix: MixController) {
    this.#host = host;
    this.#mix = mix;
  }

  get region(): LoopRegion | null {
    return this.#region;
  }

  /** Loops [start, end) seconds (snapped to frames), on. */
  set(start: number, end: number): void {
    const player = this.#mix.player;
    const length = (player?.length ?? 0) / SAMPLE_RATE;
    if (!player || !length) throw new DemucsError('BAD_ARGUMENT', 'no song to loop: load one first');
    if (!Number.isFinite(start) || !Number.isFinite(end) || start < 0 || end > length + 1e-9 || end <= start) {
      throw new DemucsError('BAD_ARGUMENT', `a loop is start < end within the song (0 … ${length.toFixed(2)} s); got ${start} … ${end}`);
    }
    if (end - start > MAX_LOOP_SECONDS) throw new DemucsError('BAD_ARGUMENT', `a loop is at most ${MAX_LOOP_SECONDS} s long; got ${(end - start).toFixed(2)} s`);
    this.#region = { start: Math.round(start * SAMPLE_RATE) / SAMPLE_RATE, end: Math.round(end * SAMPLE_RATE) / SAMPLE_RATE, on: true };
    this.#apply();
  }

  /** On or off (toggles without an argument); on without a region: the 10 s from the playhead. */
  toggle(on?: boolean): void {
    const player = this.#mix.player;
    if (!player || !player.length) return;
    const want = on ?? !(this.#region?.on ?? false);
    if (!this.#region) {
      if (!want) return;
      const length = player.length / SAMPLE_RATE;
      const start = Math.min(player.position / SAMPLE_RATE, Math.max(0, length - DEFAULT_LOOP_SECONDS));
      this.set(start, Math.min(length, start + DEFAULT_LOOP_SECONDS));
      return;
    }
    this.#region = { ...this.#region, on: want };
    this.#apply();
  }

  clear(): void {
    if (!this.#region) return;
    this.#region = null;
    this.#apply();
  }

  /** Before a seek to `seconds`: outside the loop, the loop turns off. */
  seeking(seconds: number): void {
    const r = this.#region;
    if (r?.on && (seconds < r.start || seconds >= r.end)) this.toggle(false);
  }

  #apply(): void {
    const r = this.#region;
    this.#mix.player?.setLoop(r?.on ? { start: Math.round(r.start * SAMPLE_RATE), end: Math.round(r.end * SAMPLE_RATE) } : null);
    this.#host.requestUpdate();
  }
}
