/**
 * One run of live mode on the page: the shared memory, the capture and playback worklet nodes,
 * and the streaming worker. The page only starts, watches (reads the counters in shared
 * memory) and stops it.
 */
import { RingBuffer } from 'ringbuf.js';
import { SAMPLE_RATE } from '../src/core/constants.ts';
import { CONTROL, CONTROL_SLOTS, INPUT_RING_FLOATS, stemRingFloats, type LiveMemory } from '../src/core/live-shared.ts';
import { statedLatency, type LiveTiming } from '../src/core/live.ts';
import type { Backend } from '../src/worker/protocol.ts';
import type { LiveReport, LiveStart } from '../src/worker/live.worker.ts';
import { startWorker, type MixerAssets } from './assets.ts';

const modules = new WeakSet<BaseAudioContext>();

export interface LiveSessionOptions {
  readonly model: string | Blob | ArrayBuffer;
  readonly sha256?: string;
  readonly backends: readonly Backend[];
  readonly timing: LiveTiming;
  readonly assets: MixerAssets;
  readonly minRunMilliseconds?: number;
}

export class LiveSession {
  /** Sessions started and not yet stopped (to check that teardown leaks nothing). */
  static active = 0;

  readonly timing: LiveTiming;
  /** Stated latency in samples. */
  readonly latency: number;
  readonly backend: Backend;
  readonly #control: Int32Array;
  readonly #worker: Worker;
  readonly #nodes: AudioNode[];
  readonly #source: AudioNode;
  #stopped = false;
  #realtimeFactor = 0;
  #runs = 0;
  onRun: ((realtimeFactor: number) => void) | null = null;
  onError: ((code: string, message: string) => void) | null = null;

  private constructor(timing: LiveTiming, backend: Backend, control: Int32Array, worker: Worker, source: AudioNode, nodes: AudioNode[]) {
    this.#source = source;
    this.timing = timing;
    this.latency = statedLatency(timing);
    this.backend = backend;
    this.#control = control;
    this.#worker = worker;
    this.#nodes = nodes;
    LiveSession.active++;
    worker.onmessage = (e: MessageEvent<LiveReport>) => {
      const report = e.data;
      if (report.type === 'run') {
        this.#runs = report.runs;
        this.#realtimeFactor = report.realtimeFactor;
        this.onRun?.(report.realtimeFactor);
      } else if (report.type === 'error') this.onError?.(report.code, report.message);
    };
  }

  /**
   * Starts the worker with the model, then connects `source` → capture and playback, and
   * playback's output s → the s-th of `stemInputs(stemCount)`.
   */
  static async start(
    context: AudioContext,
    source: AudioNode,
    stemCount: number,
    stemInputs: (stems: number) => readonly AudioNode[],
    options: LiveSessionOptions,
  ): Promise<LiveSession> {
    const memory: LiveMemory = {
      control: new SharedArrayBuffer(CONTROL_SLOTS * 4),
      input: RingBuffer.getStorageForCapacity(INPUT_RING_FLOATS, Float32Array),
      stems: Array.from({ length: stemCount }, () =>
        RingBuffer.getStorageForCapacity(stemRingFloats(statedLatency(options.timing), options.timing.hop), Float32Array),
      ),
    };
    const { assets, ...settings } = options;
    const worker = startWorker(assets.liveWorker, 'demucs-live');
    const ready = new Promise<Backend>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<LiveReport>) => {
        if (e.data.type === 'ready' && e.data.stems !== stemCount) {
          reject(Object.assign(new Error(`the live model has ${e.data.stems} stems, not ${stemCount}`), { code: 'MODEL_CONTRACT' }));
        } else if (e.data.type === 'ready') resolve(e.data.backend);
        else if (e.data.type === 'error') reject(Object.assign(new Error(e.data.message), { code: e.data.code }));
      };
      worker.onerror = (e) => reject(Object.assign(new Error(e.message || 'the live worker failed to start'), { code: 'BACKEND' }));
    });
    const start: LiveStart = { type: 'start', ...settings, runtime: assets.runtime, memory };
    worker.postMessage(start);
    let backend: Backend;
    try {
      backend = await ready;
      if (!modules.has(context)) {
        await context.audioWorklet.addModule(assets.liveProcessor);
        modules.add(context);
      }
    } catch (error) {
      Atomics.store(new Int32Array(memory.control), CONTROL.stop, 1);
      worker.terminate();
      throw error;
    }
    const control = new Int32Array(memory.control);
    const inputs = stemInputs(stemCount);
    const capture = new AudioWorkletNode(context, 'demucs-capture', {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      channelCount: 2,
      channelCountMode: 'explicit',
      processorOptions: { control: memory.control, input: memory.input },
    });
    const playback = new AudioWorkletNode(context, 'demucs-playback', {
      numberOfInputs: 1,
      numberOfOutputs: stemCount,
      outputChannelCount: inputs.map(() => 2),
      channelCount: 2,
      channelCountMode: 'explicit',
      processorOptions: { control: memory.control, stems: memory.stems, latency: statedLatency(options.timing) },
    });
    source.connect(capture);
    source.connect(playback);
    inputs.forEach((node, s) => playback.connect(node, s));
    return new LiveSession(options.timing, backend, control, worker, source, [capture, playback]);
  }

  /** Stated latency in seconds. */
  get latencySeconds(): number {
    return this.latency / SAMPLE_RATE;
  }

  get xruns(): number {
    return Atomics.load(this.#control, CONTROL.xruns);
  }

  /** Compute time of the last run over the hop's duration (below 1: keeping up). */
  get realtimeFactor(): number {
    return this.#realtimeFactor;
  }

  get runs(): number {
    return this.#runs;
  }

  /** Whether the playback is playing stems (not the dry fallback) right now. */
  get playingStems(): boolean {
    return Atomics.load(this.#control, CONTROL.mode) === 1;
  }

  /** A counter of the shared control array (see live-shared.ts). */
  counter(slot: keyof typeof CONTROL): number {
    return Atomics.load(this.#control, CONTROL[slot]);
  }

  /** Stops the worker and disconnects the nodes (and the source from them); idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    LiveSession.active--;
    Atomics.store(this.#control, CONTROL.stop, 1);
    Atomics.notify(this.#control, CONTROL.captured);
    for (const node of this.#nodes) {
      try {
        this.#source.disconnect(node);
      } catch {
        // already disconnected
      }
      node.disconnect();
    }
    const stopped = new Promise<void>((resolve) => {
      this.#worker.onmessage = (e: MessageEvent<LiveReport>) => e.data.type === 'stopped' && resolve();
    });
    await Promise.race([stopped, new Promise((r) => setTimeout(r, 2000))]);
    this.#worker.terminate();
  }
}
