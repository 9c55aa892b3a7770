/** Per-stem peak meters and the playhead, redrawn every animation frame while something plays. */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { SAMPLE_RATE } from '../../src/core/constants.ts';
import type { LevelMeter } from '../parts/demucs-strip.ts';
import type { MixController } from './mix-controller.ts';

export class MeterController implements ReactiveController {
  readonly #mix: Pick<MixController, 'player'>;
  /** The meters, one per stem in the player's order. */
  readonly #meters: () => readonly LevelMeter[];
  readonly #buffer = new Float32Array(2048);
  #frame = 0;

  constructor(host: ReactiveControllerHost, mix: Pick<MixController, 'player'>, meters: () => readonly LevelMeter[]) {
    this.#mix = mix;
    this.#meters = meters;
    host.addController(this);
  }

  hostDisconnected(): void {
    cancelAnimationFrame(this.#frame);
  }

  /**
   * Runs until the player changes, or (with `onPosition`: a song playing) until it stops;
   * `onPosition` gets the playhead in seconds each frame.
   */
  start(onPosition?: (seconds: number) => void): void {
    cancelAnimationFrame(this.#frame);
    const player = this.#mix.player;
    const tick = () => {
      if (!player || player !== this.#mix.player) return;
      onPosition?.(player.position / SAMPLE_RATE);
      this.#draw(player.analysers);
      if (!onPosition || player.state !== 'stopped') this.#frame = requestAnimationFrame(tick);
    };
    this.#frame = requestAnimationFrame(tick);
  }

  #draw(analysers: readonly AnalyserNode[]): void {
    const meters = this.#meters();
    const buffer = this.#buffer;
    analysers.forEach((analyser, s) => {
      analyser.getFloatTimeDomainData(buffer);
      let peak = 0;
      for (const v of buffer) peak = Math.max(peak, Math.abs(v));
      const db = peak > 0 ? 20 * Math.log10(peak) : -Infinity;
      meters[s]?.showLevel(db);
    });
  }
}
