/**
 * The mix: the stems' faders, pans, mutes and solos, the master fader, the karaoke amount and
 * the audio graph they drive (the AudioContext, the master GainNode, and the player of the song
 * or of live mode). File and live mode share it: one mix, whichever is playing.
 */
import type { ReactiveControllerHost } from 'lit';
import { SAMPLE_RATE } from '../../src/core/constants.ts';
import { DemucsError, describeError, type DemucsErrorCode } from '../../src/core/errors.ts';
import { clampPan, FADER_MAX_DB, FADER_MIN_DB, faderToLinear, stemGains, stemMixes, type StemControls, type StereoMix } from '../../src/core/mixing.ts';
import type { StemName } from '../../src/core/stems.ts';

import { KeyTempoStage } from '../audio/key-tempo-stage.ts';
import { MAX_OFFSET } from '../audio/output-route.ts';
import type { StemPlayer } from '../audio/stem-player.ts';

const CENTRE: StemControls = { gainDb: 0, mute: false, solo: false, pan: 0 };

export class MixController {
  readonly #host: ReactiveControllerHost;
  readonly #fail: (code: DemucsErrorCode, message: string) => DemucsError;
  #stems: StemName[] = [];
  #controls: StemControls[] = [];
  #masterDb = 0;
  #karaoke = 0;
  #context: AudioContext | null = null;
  #master: GainNode | null = null;
  #stage: KeyTempoStage | null = null;
  #align: DelayNode | null = null;
  /** The player of the song or of live mode (null: none). */
  #player: StemPlayer | null = null;

  constructor(host: ReactiveControllerHost, fail: (code: DemucsErrorCode, message: string) => DemucsError) {
    this.#host = host;
    this.#fail = fail;
  }

  get stems(): readonly StemName[] {
    return this.#stems;
  }

  get controls(): readonly StemControls[] {
    return this.#controls;
  }

  get masterDb(): number {
    return this.#masterDb;
  }

  get karaokeAmount(): number {
    return this.#karaoke;
  }

  get player(): StemPlayer | null {
    return this.#player;
  }

  /** The stems of a model or a stored song: new names reset the strips, the same ones keep them. */
  setStems(names: readonly StemName[]): void {
    if (names.join() === this.#stems.join()) return;
    this.#stems = [...names];
    this.#controls = names.map(() => CENTRE);
    this.#host.requestUpdate();
  }

  /** The player that now plays (or none): the mix applies to it. */
  attach(player: StemPlayer | null): void {
    if (this.#player && this.#player !== player) this.#player.dispose();
    this.#player = player;
    this.#apply();
    this.#host.requestUpdate();
  }

  /**
   * The audio graph, made on first use: the context, the key and tempo stage the players play
   * into (`stage.input`), a delay that keeps this output in step with a second device's
   * (`align`, output-controller.ts), and the master GainNode after it (the mixer's `output`).
   */
  audio(): { context: AudioContext; master: GainNode; stage: KeyTempoStage; align: DelayNode } {
    if (!this.#context) {
      try {
        this.#context = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: 'playback' });
      } catch (error) {
        throw this.#fail('AUDIO_CONTEXT', `no audio output: ${describeError(error)}`);
      }
      this.#master = new GainNode(this.#context, { gain: faderToLinear(this.#masterDb) });
      this.#master.connect(this.#context.destination);
      this.#align = new DelayNode(this.#context, { maxDelayTime: MAX_OFFSET });
      this.#align.connect(this.#master);
      this.#stage = new KeyTempoStage(this.#context, this.#align);
    }
    return { context: this.#context, master: this.#master!, stage: this.#stage!, align: this.#align! };
  }

  /**
   * Suspends the audio context, if there is one: a mixer taken out of the page costs its audio
   * thread nothing (play and live starts resume it).
   */
  async suspend(): Promise<void> {
    await this.#context?.suspend().catch(() => undefined);
  }

  /** The player's playhead follows what is heard: after the key and tempo stage and the alignment delay. */
  refreshDelay(): void {
    const { stage, align } = this.audio();
    if (this.#player) this.#player.outputDelay = stage.latency + align.delayTime.value;
  }

  index(stem: StemName): number {
    const k = this.#stems.indexOf(stem);
    if (k < 0) throw new DemucsError('BAD_ARGUMENT', `unknown stem "${stem}" (stems: ${this.#stems.join(', ') || 'none loaded'})`);
    return k;
  }

  update(stem: StemName, change: Partial<StemControls>): void {
    const k = this.index(stem);
    this.#set(this.#controls.map((c, i) => (i === k ? { ...c, ...change } : c)));
  }

  setGain(stem: StemName, db: number): void {
    this.update(stem, { gainDb: Math.max(FADER_MIN_DB, Math.min(FADER_MAX_DB, Number.isFinite(db) ? db : FADER_MIN_DB)) });
  }

  setPan(stem: StemName, pan: number): void {
    this.update(stem, { pan: clampPan(pan) });
  }

  /** Only this stem sounds (clears every other solo, and its own mute). */
  isolate(stem: StemName): void {
    const k = this.index(stem);
    this.#set(this.#controls.map((c, i) => ({ ...c, solo: i === k, mute: i === k ? false : c.mute })));
  }

  setMaster(db: number): void {
    this.#masterDb = Math.max(FADER_MIN_DB, Math.min(FADER_MAX_DB, Number.isFinite(db) ? db : FADER_MIN_DB));
    this.audio().master.gain.value = faderToLinear(this.#masterDb);
    this.#host.requestUpdate();
  }

  setKaraoke(amount: number): void {
    this.#karaoke = Math.max(0, Math.min(1, Number.isFinite(amount) ? amount : 0));
    this.#apply();
    this.#host.requestUpdate();
  }

  /** Every fader to 0 dB, pans centred, no mute or solo, karaoke off, master at 0 dB. */
  reset(): void {
    this.#karaoke = 0;
    this.#set(this.#controls.map(() => CENTRE));
    this.setMaster(0);
  }

  get karaokeOn(): boolean {
    return this.#stems.includes('vocals') && this.#karaoke >= 1;
  }

  get vocalsOnly(): boolean {
    const k = this.#stems.indexOf('vocals');
    return k >= 0 && this.#controls.every((c, i) => c.solo === (i === k));
  }

  /** The gain each stem plays at: faders, mutes, solos, and the karaoke amount on the vocals. */
  heardGains(): number[] {
    const gains = stemGains(this.#controls);
    const vocals = this.#stems.indexOf('vocals');
    if (vocals >= 0) gains[vocals]! *= 1 - this.#karaoke;
    return gains;
  }

  /** The mix as heard, master fader included, as each stem's stereo matrix (for the export). */
  heardMixes(): StereoMix[] {
    const master = faderToLinear(this.#masterDb);
    return stemMixes(
      this.#controls,
      this.heardGains().map((g) => g * master),
    );
  }

  #set(controls: StemControls[]): void {
    this.#controls = controls;
    this.#apply();
    this.#host.requestUpdate();
  }

  #apply(): void {
    this.#player?.setGains(this.heardGains());
    this.#player?.setPans(this.#controls.map((c) => c.pan ?? 0));
  }
}
