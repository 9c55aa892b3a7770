/**
 * Key and tempo: what the player plays at (its speed: the tempo, in file mode only: live input
 * cannot be slowed) and what the key and tempo stage after it shifts (the key, and the pitch the
 * speed moved). They belong to the mixer, not to a song: they stay as set when another song
 * loads, and are not kept with stored separations (those keep how a song was separated).
 */
import { describeError } from '../../src/core/errors.ts';
import { checkKey, checkTempo, pitchShift } from '../../src/core/key-tempo.ts';
import type { KeyTempoRender } from '../../src/core/output-formats.ts';
import { mixerAssets } from '../clients/assets.ts';
import type { KeyTempoStage } from '../audio/key-tempo-stage.ts';
import type { MixerShared } from './mixer-host.ts';

export interface KeyTempo {
  /** Semitones from the song's key (fractions are cents). */
  readonly key: number;
  /** Percent of the song's tempo. */
  readonly tempo: number;
  /** Whether the spectral envelope (a voice's formants) stays where it was when the key moves. */
  readonly keepFormants: boolean;
}

export class KeyTempoController {
  readonly #shared: MixerShared;
  /** Whether live mode plays (its input keeps its own tempo). */
  readonly #live: () => boolean;
  #settings: KeyTempo = { key: 0, tempo: 100, keepFormants: false };
  /** The last change being applied (it never rejects). */
  #applying: Promise<void> = Promise.resolve();
  /** Whether an application is queued and has not started (it will read the newest settings). */
  #queued = false;

  /** Told when what is heard changed its latency (live mode states its latency again). */
  readonly #latencyChanged: () => void;
  /** The stages of the outputs to other devices (each shifts the stems routed there). */
  readonly #routes: () => readonly KeyTempoStage[];

  constructor(shared: MixerShared, live: () => boolean, latencyChanged: () => void, routes: () => readonly KeyTempoStage[]) {
    this.#shared = shared;
    this.#live = live;
    this.#latencyChanged = latencyChanged;
    this.#routes = routes;
  }

  get settings(): KeyTempo {
    return this.#settings;
  }

  /** Resolves when the last change is heard (the stretch loaded, the player at its speed). */
  get applied(): Promise<void> {
    return this.#applying;
  }

  /** What a file mode export renders with `withKeyAndTempo`: the speed and the shift heard. */
  get render(): KeyTempoRender {
    const { key, tempo, keepFormants } = this.#settings;
    return { speed: tempo / 100, shift: pitchShift(key, tempo / 100, keepFormants) };
  }

  /** The key and tempo in words when they are not the song's (`+2 st, 75 %`), else ''. */
  get label(): string {
    const { key, tempo } = this.#settings;
    const parts = [key ? `${key > 0 ? '+' : '−'}${Math.abs(key)} st` : '', tempo !== 100 ? `${tempo} %` : ''].filter(Boolean);
    return parts.join(', ');
  }

  /** Changes key, tempo or formants (BAD_ARGUMENT out of range) and applies them. */
  set(change: Partial<KeyTempo>): void {
    const next = { ...this.#settings, ...change };
    try {
      checkKey(next.key);
      checkTempo(next.tempo);
    } catch (error) {
      throw this.#shared.fail('BAD_ARGUMENT', (error as Error).message);
    }
    this.#settings = next;
    this.apply();
    this.#shared.host.requestUpdate();
  }

  /**
   * Applies the settings to what plays now (a new song's player, live mode's). Changes that come
   * while one is being applied (a slider dragged) are applied together, once, after it.
   */
  apply(): void {
    if (this.#queued) return;
    this.#queued = true;
    const run = () => {
      this.#queued = false;
      return this.#apply();
    };
    this.#applying = this.#applying.then(run, run).catch(() => undefined);
  }

  async #apply(): Promise<void> {
    const { mix, host } = this.#shared;
    const { stage } = mix.audio();
    const stages = [stage, ...this.#routes()];
    const { key, tempo, keepFormants } = this.#settings;
    const player = mix.player;
    const speed = this.#live() ? 1 : tempo / 100;
    const shift = pitchShift(key, speed, keepFormants);
    const moduleUrl = mixerAssets(host.assets).stretchProcessor;
    // Loaded first, so that the speed and the shift change together.
    if (speed !== 1 || key !== 0) {
      try {
        await Promise.all(stages.map((s) => s.prepare(moduleUrl)));
      } catch (error) {
        throw this.#shared.fail('AUDIO_CONTEXT', `key and tempo cannot start: the stretch's worklet did not load (${describeError(error)})`);
      }
    }
    const at = player ? player.setSpeed(speed) : stage.input.context.currentTime;
    const latency = stage.latency;
    // Every output's stretch changes at the same frame as the player's speed.
    await Promise.all(stages.map((s) => s.set(shift, at, moduleUrl)));
    mix.refreshDelay();
    if (stage.latency !== latency) this.#latencyChanged();
    host.requestUpdate();
  }
}
