/**
 * Signalsmith Stretch on the page: the AudioWorkletNode of the processor that
 * worklet/stretch.processor.ts registers, and the calls its port answers. The package's own
 * page-side function would bundle the processor's WASM into the page's module and load the
 * worklet from a blob URL (refused by a Content-Security-Policy without `blob:` in script-src);
 * this speaks its port's messages (src/worker/stretch-port.ts) to the worklet module we ship.
 */
import { CHANNELS } from '../../src/core/constants.ts';
import { stretchPort, type StretchPort } from '../../src/worker/stretch-port.ts';

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
  readonly #port: StretchPort;
  #latency = 0;

  private constructor(node: AudioWorkletNode) {
    this.node = node;
    this.#port = stretchPort(node.port);
  }

  /** A stereo stretch in `context`, processing its input (live-input mode), once its WASM is ready. */
  static async create(context: BaseAudioContext, moduleUrl: string): Promise<StretchNode> {
    await loadModule(context, moduleUrl);
    const node = new AudioWorkletNode(context, PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [CHANNELS] });
    const stretch = new StretchNode(node);
    await stretch.#port.ready;
    stretch.#latency = (await stretch.#port.call('latency')) as number;
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
    await this.#port.call('schedule', change);
  }

  /** Empties the stretch (its default settings again, nothing buffered); resolves once it has. */
  async reset(): Promise<void> {
    await this.#port.call('configure', {});
  }

  dispose(): void {
    this.node.port.onmessage = null;
    this.node.disconnect();
  }
}
