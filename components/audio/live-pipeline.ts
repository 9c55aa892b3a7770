/**
 * One run of live mode on the page: the shared memory, the live processor's worklet node and
 * the streaming worker. The page only starts, watches (reads the counters in shared
 * memory) and stops it.
 */
import { RingBuffer } from 'ringbuf.js';
import { RENDER_QUANTUM, SAMPLE_RATE } from '../../src/core/constants.ts';
import { DemucsError, type DemucsErrorCode } from '../../src/core/errors.ts';
import { geometryOf, type Geometry } from '../../src/core/geometry.ts';
import { CONTROL, CONTROL_SLOTS, FILLER_RING_FLOATS, inputRingFloats, MODE, stemRingFloats, type LiveMemory, type LiveStall } from '../../src/core/live-shared.ts';
import { checkTiming, statedLatency, type LiveTiming } from '../../src/core/live.ts';
import type { Backend } from '../../src/worker/protocol.ts';
import type { LiveLoad, LiveReport, LiveStart } from '../../src/worker/live.worker.ts';
import { startWorker, type MixerAssets } from '../clients/assets.ts';

const modules = new WeakSet<BaseAudioContext>();

export interface LivePipelineOptions {
  readonly model: string | Blob | ArrayBuffer;
  readonly sha256?: string;
  readonly backends: readonly Backend[];
  /** WASM threads (0 or absent: every core, but one beyond two cores). */
  readonly threads?: number;
  /** The window (samples) to run a model that runs any window at; others run their own. */
  readonly window?: number;
  /**
   * The timing for the model's segment (presets scale with the window), given a run's time on
   * this device in samples (measured at load).
   */
  readonly timing: (geometry: Geometry, runSamples: number) => LiveTiming;
  readonly assets: MixerAssets;
  /** Test hook: every run takes at least this long, the one timed at load included (a slow model). */
  readonly minRunMilliseconds?: number;
  /** Test hook: runs after the start take at least this long (a device that slows down once live). */
  readonly minRunMillisecondsAfterStart?: number;
  readonly stallForTests?: LiveStall;
  /** Aborts the start: whatever was made is taken down and the start rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
  /** Test hook: awaited at each stage of the start (beside the model load for 'model'). */
  readonly hold?: (stage: LiveStage) => Promise<void> | void;
}

/** The stages of a live start, in order (test hooks can hold each one; at 'playback' the node exists, its outputs not yet connected). */
export type LiveStage = 'resume' | 'release' | 'input' | 'model' | 'worklet' | 'playback';

/** `promise`, or the signal's reason as soon as it aborts. */
export function abortable<T>(promise: Promise<T> | T, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return Promise.resolve(promise);
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(promise).then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error) => (signal.removeEventListener('abort', onAbort), reject(error)),
    );
  });
}

export class LivePipeline {
  /** Pipelines started and not yet stopped (to check that teardown leaks nothing). */
  static active = 0;
  /** Live workers made and not yet terminated, started pipelines or not. */
  static workers = 0;

  readonly timing: LiveTiming;
  readonly geometry: Geometry;
  /** Stated latency in samples. */
  readonly latency: number;
  readonly backend: Backend;
  /** WASM threads of the live worker. */
  readonly threads: number;
  /** A run's time, measured when the model loaded. */
  readonly runMilliseconds: number;
  readonly #control: Int32Array;
  readonly #worker: Worker;
  readonly #nodes: AudioNode[];
  readonly #source: AudioNode;
  #stopped = false;
  #realtimeFactor = 0;
  #runs = 0;
  onRun: ((realtimeFactor: number) => void) | null = null;
  onError: ((code: DemucsErrorCode, message: string) => void) | null = null;

  private constructor(timing: LiveTiming, geometry: Geometry, ready: Extract<LiveReport, { type: 'ready' }>, control: Int32Array, worker: Worker, source: AudioNode, nodes: AudioNode[]) {
    this.#source = source;
    this.timing = timing;
    this.geometry = geometry;
    this.latency = statedLatency(timing);
    this.backend = ready.backend;
    this.threads = ready.threads;
    this.runMilliseconds = ready.runMilliseconds;
    this.#control = control;
    this.#worker = worker;
    this.#nodes = nodes;
    LivePipeline.active++;
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
   * Starts the worker with the model; once it is ready, `connect` is told its stems (count, and
   * names when a manifest gives them) and returns one node per stem; then the shared memory,
   * sized for the model's segment, is made and `source` → the live processor is connected, its
   * output s → the s-th node.
   */
  static async start(
    context: AudioContext,
    source: AudioNode,
    connect: (model: { stems: number; stemNames?: readonly string[] }) => readonly AudioNode[],
    options: LivePipelineOptions,
  ): Promise<LivePipeline> {
    const { signal, hold } = options;
    signal?.throwIfAborted();
    const worker = startWorker(options.assets.liveWorker, 'demucs-live');
    LivePipeline.workers++;
    let control: SharedArrayBuffer | null = null;
    const nodes: AudioWorkletNode[] = [];
    const takeDown = () => {
      if (control) Atomics.store(new Int32Array(control), CONTROL.stop, 1);
      for (const node of nodes) disconnect(source, node);
      terminate(worker);
    };
    try {
      const ready = await abortable(
        Promise.all([
          new Promise<Extract<LiveReport, { type: 'ready' }>>((resolve, reject) => {
            worker.onmessage = (e: MessageEvent<LiveReport>) => {
              if (e.data.type === 'ready') resolve(e.data);
              else if (e.data.type === 'error') reject(new DemucsError(e.data.code, e.data.message));
            };
            worker.onerror = (e) => reject(new DemucsError('BACKEND', e.message || 'the live worker failed to start'));
            worker.postMessage(loadMessage(options));
          }),
          hold?.('model'),
        ]).then(([ready]) => ready),
        signal,
      );
      const geometry = geometryOf(ready.segment);
      const timing = checkTiming(options.timing(geometry, Math.ceil((ready.runMilliseconds / 1000) * SAMPLE_RATE)), geometry);
      const latency = statedLatency(timing);
      control = new SharedArrayBuffer(CONTROL_SLOTS * 4);
      const memory: LiveMemory = {
        control,
        input: RingBuffer.getStorageForCapacity(inputRingFloats(geometry.segment), Float32Array),
        stems: Array.from({ length: ready.stems }, () => RingBuffer.getStorageForCapacity(stemRingFloats(latency, timing.hop, geometry.segment), Float32Array)),
        filler: RingBuffer.getStorageForCapacity(FILLER_RING_FLOATS, Float64Array),
      };
      const inputs = connect({ stems: ready.stems, ...(ready.stemNames ? { stemNames: ready.stemNames } : {}) });
      if (!modules.has(context)) {
        await abortable(context.audioWorklet.addModule(options.assets.liveProcessor), signal);
        modules.add(context);
      }
      await abortable(hold?.('worklet'), signal);
      const start: LiveStart = { type: 'start', timing, memory, ...workerTestHooks(options) };
      worker.postMessage(start);
      const live = new AudioWorkletNode(context, 'demucs-live', {
        numberOfInputs: 1,
        numberOfOutputs: ready.stems,
        outputChannelCount: inputs.map(() => 2),
        channelCount: 2,
        channelCountMode: 'explicit',
        processorOptions: { control: memory.control, input: memory.input, stems: memory.stems, filler: memory.filler, latency },
      });
      nodes.push(live);
      source.connect(live);
      await abortable(hold?.('playback'), signal);
      inputs.forEach((node, s) => live.connect(node, s));
      return new LivePipeline(timing, geometry, ready, new Int32Array(memory.control), worker, source, nodes);
    } catch (error) {
      takeDown();
      throw error;
    }
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

  /** What the playback plays right now: nothing due yet, the stems, or the dry fallback (a dropout). */
  get playing(): 'waiting' | 'stems' | 'dry' {
    const mode = Atomics.load(this.#control, CONTROL.mode);
    return mode === MODE.stems ? 'stems' : mode === MODE.dry ? 'dry' : 'waiting';
  }

  /** Seconds played dry while stems were due, over all dropouts. */
  get drySeconds(): number {
    return (Atomics.load(this.#control, CONTROL.dryQuanta) * RENDER_QUANTUM) / SAMPLE_RATE;
  }

  /** A counter of the shared control array (see live-shared.ts); after stop(), its value when the nodes were disconnected. */
  counter(slot: keyof typeof CONTROL): number {
    return this.final ? this.final[CONTROL[slot]]! : Atomics.load(this.#control, CONTROL[slot]);
  }

  /** The counters as they were when stop() disconnected the nodes (null while running). */
  final: Int32Array | null = null;

  /** Stops the worker and disconnects the nodes (and the source from them); idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    LivePipeline.active--;
    Atomics.store(this.#control, CONTROL.stop, 1);
    Atomics.notify(this.#control, CONTROL.quanta);
    for (const node of this.#nodes) disconnect(this.#source, node);
    this.final = Int32Array.from(this.#control);
    const stopped = new Promise<void>((resolve) => {
      this.#worker.onmessage = (e: MessageEvent<LiveReport>) => e.data.type === 'stopped' && resolve();
    });
    await Promise.race([stopped, new Promise((r) => setTimeout(r, 2000))]);
    terminate(this.#worker);
  }
}

/** Disconnects `node` from everything, and `source` from it. */
function disconnect(source: AudioNode, node: AudioNode): void {
  try {
    source.disconnect(node);
  } catch {
    // already disconnected
  }
  node.disconnect();
}

const terminated = new WeakSet<Worker>();

/** Terminates a live worker once (and counts it). */
function terminate(worker: Worker): void {
  if (terminated.has(worker)) return;
  terminated.add(worker);
  worker.terminate();
  LivePipeline.workers--;
}

/** The live worker's first message: the model, where the runtime is, its threads. */
function loadMessage(options: LivePipelineOptions): LiveLoad {
  return {
    type: 'load',
    model: options.model,
    backends: options.backends,
    runtime: options.assets.runtime,
    ...(options.sha256 ? { sha256: options.sha256 } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
    ...(options.window ? { window: options.window } : {}),
    ...(options.minRunMilliseconds ? { minRunMilliseconds: options.minRunMilliseconds } : {}),
  };
}

/** The test hooks a start passes on to the streaming worker (a slowed model, a stall). */
function workerTestHooks(options: LivePipelineOptions): Pick<LiveStart, 'minRunMilliseconds' | 'stallForTests'> {
  const minRunMilliseconds = Math.max(options.minRunMilliseconds ?? 0, options.minRunMillisecondsAfterStart ?? 0);
  return {
    ...(minRunMilliseconds ? { minRunMilliseconds } : {}),
    ...(options.stallForTests ? { stallForTests: options.stallForTests } : {}),
  };
}
