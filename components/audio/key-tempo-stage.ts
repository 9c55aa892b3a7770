/**
 * Key and tempo on what is heard, between the stems' faders and the master: the stems, each
 * through its fader and pan, sum into `input`; at 100 % and 0 semitones that sum goes straight
 * on (untouched), otherwise through one stretch (Signalsmith Stretch) that shifts its pitch
 * (src/core/key-tempo.ts). Every stem goes through the same stretch, so they stay in step, and
 * the faders, mutes and pans before it act as without it and never restart it.
 */
import { isNeutral, type PitchShift } from '../../src/core/key-tempo.ts';
import { StretchNode } from './stretch-node.ts';

export class KeyTempoStage {
  /** Where the stems play into. */
  readonly input: GainNode;
  readonly #output: AudioNode;
  #stretch: Promise<StretchNode> | null = null;
  #through = false;
  #latency = 0;
  /** The newest change asked for: an older one still waiting for the stretch gives way. */
  #wanted = 0;

  constructor(context: BaseAudioContext, output: AudioNode) {
    this.input = new GainNode(context);
    this.#output = output;
    this.input.connect(output);
  }

  /** Seconds the stretch delays what is heard (0 while bypassed). */
  get latency(): number {
    return this.#through ? this.#latency : 0;
  }

  /** Loads the stretch (its worklet and WASM) ahead of a change, so that the change is on time. */
  prepare(moduleUrl: string): Promise<StretchNode> {
    this.#stretch ??= StretchNode.create(this.input.context, moduleUrl).then((stretch) => {
      this.#latency = stretch.latency;
      return stretch;
    });
    this.#stretch.catch(() => (this.#stretch = null));
    return this.#stretch;
  }

  /**
   * Shifts what is heard from context time `at` on (neutral: bypassed from then). Resolves once
   * the stretch (loaded by `prepare`) has the change; a newer call supersedes a waiting one.
   */
  async set(shift: PitchShift, at: number, moduleUrl: string): Promise<void> {
    const call = ++this.#wanted;
    if (isNeutral(shift)) {
      this.#route(null);
      return;
    }
    const stretch = await this.prepare(moduleUrl);
    if (call !== this.#wanted) return;
    const scheduled = stretch.schedule({ output: at, active: true, ...shift });
    this.#route(stretch);
    await scheduled;
  }

  dispose(): void {
    this.input.disconnect();
    void this.#stretch?.then((stretch) => stretch.dispose(), () => undefined);
  }

  /**
   * Through the stretch, or around it. Bypassed, the stretch is out of the graph (it costs
   * nothing); back in, it starts empty, so nothing from before the bypass is heard again.
   */
  #route(stretch: StretchNode | null): void {
    if (this.#through === (stretch !== null)) return;
    this.input.disconnect();
    if (stretch) {
      void stretch.reset();
      stretch.node.connect(this.#output);
      this.input.connect(stretch.node);
    } else {
      this.input.connect(this.#output);
      void this.#stretch?.then((s) => s.node.disconnect(), () => undefined);
    }
    this.#through = stretch !== null;
  }
}
