/**
 * Signalsmith Stretch on the page: the AudioWorkletNode of the processor that
 * worklet/stretch.processor.ts registers, and the calls its port answers. The package's own
 * page-side function would bundle the processor's WASM into the page's module and load the
 * worklet from a blob URL (refused by a Content-Security-Policy without `blob:` in script-src);
 * this speaks the same messages to the worklet module we ship: `[id, method, ...args]` out,
 * `[id, result]` back, `['ready', …]` once its WASM is compiled. (Its version is pinned.)
 */
import { CHANNELS } from '../../src/core/constants.ts';

const PROCESSOR = 'signalsmith-stretch';

/** A change of the stretch's settings, taking effect at `output` (context time). */
export interface StretchChange {
  readonly output?: number;
  readonly active?: boolean;
  readonly semitones?: number;
  readonly formantSemitones?: number;
  readonly formantCompensation?: boolean;
}

const modules = new WeakMap<BaseAudioContext, Promise<void>>();

/** Loads the worklet module into `context` once. */
function loadModule(context: BaseAudioContext, moduleUrl: string): Promise<void> {
  let loading = modules.get(context);
  if (!loading) {
    loading = context.audioWorklet.addModule(moduleUrl);
    modules.set(context, loading);
    loading.catch(() => modules.delete(context));
  }
  return loading;
}

export class StretchNode {
  readonly node: AudioWorkletNode;
  #latency = 0;
  #next = 0;
  readonly #pending = new Map<number, (value: unknown) => void>();
  readonly #ready: Promise<void>;

  private constructor(node: AudioWorkletNode) {
    this.node = node;
    this.#ready = new Promise<void>((resolve) => {
      node.port.onmessage = (event: MessageEvent<unknown[]>) => {
        if (event.data[0] === 'ready') resolve();
        else this.#answer(event.data);
      };
    });
  }

  /** A stereo stretch in `context`, processing its input (live-input mode), once its WASM is ready. */
  static async create(context: BaseAudioContext, moduleUrl: string): Promise<StretchNode> {
    await loadModule(context, moduleUrl);
    const node = new AudioWorkletNode(context, PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [CHANNELS] });
    const stretch = new StretchNode(node);
    await stretch.#ready;
    stretch.#latency = (await stretch.#call('latency')) as number;
    // Processing its input from now on (it starts idle).
    await stretch.schedule({ active: true });
    return stretch;
  }

  /** Seconds from an input sample to its output (the processor's input and output latency). */
  get latency(): number {
    return this.#latency;
  }

  /**
   * Schedules a change (removing changes scheduled after it); active from `change.output` on.
   * Resolves once the processor has it (an OfflineAudioContext must not start rendering before).
   */
  async schedule(change: StretchChange): Promise<void> {
    await this.#call('schedule', change);
  }

  /** Empties the stretch (its default settings again, nothing buffered); resolves once it has. */
  async reset(): Promise<void> {
    await this.#call('configure', {});
  }

  dispose(): void {
    this.node.port.onmessage = null;
    this.node.disconnect();
  }

  #call(method: string, ...args: unknown[]): Promise<unknown> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.node.port.postMessage([id, method, ...args]);
    });
  }

  #answer(data: unknown[]): void {
    const resolve = this.#pending.get(data[0] as number);
    if (!resolve) return;
    this.#pending.delete(data[0] as number);
    resolve(data[1]);
  }
}
