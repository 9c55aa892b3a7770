/**
 * The streaming worker of live mode: waits on the input ring (Atomics.wait; it serves no RPC
 * while it runs), runs the model every hop (src/core/live.ts) and writes each stem's region into
 * its output ring. Control comes through shared memory (the stop flag); reports go out with
 * postMessage. One ONNX Runtime session, its own.
 */
import { RingBuffer } from 'ringbuf.js';
import { CHANNELS, RENDER_QUANTUM, SAMPLE_RATE } from '../core/constants.ts';
import { DemucsError, describeError, isDemucsError, type DemucsErrorCode } from '../core/errors.ts';
import { LiveSeparator, type LiveTiming } from '../core/live.ts';
import { CONTROL, type LiveMemory, type LiveStall } from '../core/live-shared.ts';
import type { SegmentModel } from '../core/model.ts';
import { loadModelBytes } from './model-bytes.ts';
import { planModel } from './model-source.ts';
import { configureWasm, locateRuntime, openOnFirstBackend, probeBackends } from './ort-web-model.ts';
import type { Backend, RuntimeAssets } from './protocol.ts';

/** First message: the model (an .onnx, or the converter's manifest beside it). */
export interface LiveLoad {
  readonly type: 'load';
  readonly model: string | Blob | ArrayBuffer;
  readonly sha256?: string;
  readonly backends: readonly Backend[];
  /** Where the WASM files are (default: beside the worker's own module). */
  readonly runtime?: RuntimeAssets;
  /** The window (samples) a model that runs any window runs (live mode's shorter one); others run their own. */
  readonly window?: number;
  /** WASM threads (default: every core, but one beyond two cores, which the audio thread keeps). */
  readonly threads?: number;
  /** Test hook: every run, the one timed at load included, takes at least this long (a slow model). */
  readonly minRunMilliseconds?: number;
}

/** Second message, once the page knows the model's stems and segment: timing and memory. */
export interface LiveStart {
  readonly type: 'start';
  readonly timing: LiveTiming;
  readonly memory: LiveMemory;
  /** Test hook: make every run take at least this long (a deliberately slow model). */
  readonly minRunMilliseconds?: number;
  readonly stallForTests?: LiveStall;
}

export type LiveReport =
  | {
      readonly type: 'ready';
      readonly backend: Backend;
      readonly threads: number;
      readonly stems: number;
      readonly segment: number;
      readonly stemNames?: readonly string[];
      /** A run's time measured at load, on this device (the page chooses a timing that holds from it). */
      readonly runMilliseconds: number;
    }
  | { readonly type: 'run'; readonly runs: number; readonly runMilliseconds: number; readonly realtimeFactor: number; readonly behind: number }
  | { readonly type: 'error'; readonly code: DemucsErrorCode; readonly message: string }
  | { readonly type: 'stopped' };

const post = (report: LiveReport) => self.postMessage(report);

/** Input frames taken at a time while no run is due (a render quantum each would move the history 344 times a second). */
const INPUT_BLOCK = 4096;

type LiveModel = SegmentModel & { release(): Promise<void>; backend: Backend };
let loaded: LiveModel | null = null;

self.onmessage = async (event: MessageEvent<LiveLoad | LiveStart>) => {
  const message = event.data;
  if (message?.type !== 'load' && message?.type !== 'start') return;
  try {
    if (message.type === 'load') {
      const { model, threads, stemNames, runMilliseconds } = await load(message);
      loaded = model;
      post({ type: 'ready', backend: model.backend, threads, stems: model.stemCount, segment: model.geometry.segment, runMilliseconds, ...(stemNames ? { stemNames } : {}) });
      return;
    }
    if (!loaded) throw new DemucsError('MODEL_LOAD', 'the live worker was started before its model loaded');
    await stream(loaded, message);
  } catch (error) {
    const code = isDemucsError(error) ? error.code : 'MODEL_RUN';
    post({ type: 'error', code, message: describeError(error) });
  }
  await loaded?.release();
  loaded = null;
  post({ type: 'stopped' });
};

/**
 * Opens the live model on the first backend that takes it, warmed up (the first run compiles
 * kernels and sizes buffers), and times a run. In WASM the warm-up run is timed (about as long as
 * later runs here: no extra run before live mode starts); on a GPU, whose first run compiles
 * shaders for seconds, a second run is timed.
 */
async function load(request: LiveLoad): Promise<{ model: LiveModel; threads: number; stemNames?: readonly string[]; runMilliseconds: number }> {
  const plan = await planModel(request.model);
  if (plan.bag) throw new DemucsError('MANIFEST', 'live mode runs one network, not a bag: name one of its models');
  const member = plan.members[0]!;
  const { bytes, store } = await loadModelBytes(member.source, request.sha256, () => undefined);
  locateRuntime(request.runtime);
  // Beyond two cores one stays with the audio thread (the worklets), unless the page asked for
  // a count. On two, the pool's second thread is worth more: the real model's live click test
  // here ran at a real-time factor of 1.09 on 2 threads and 1.74 on 1, with no dropout either way.
  const cores = self.navigator.hardwareConcurrency || 1;
  const threads = configureWasm(request.threads, cores > 2 ? 1 : 0);
  const { usable } = await probeBackends(request.backends);
  const model = await openOnFirstBackend(bytes, usable, 'the live model', plan.segment, {}, request.window);
  if (!model) throw new DemucsError('BACKEND', 'the live model could not be opened on any backend');
  let runMilliseconds = await timedRun(model, request.minRunMilliseconds);
  if (model.backend === 'webgpu') runMilliseconds = await timedRun(model, request.minRunMilliseconds);
  await store();
  return { model, threads, runMilliseconds, ...(plan.stems ? { stemNames: plan.stems } : {}) };
}

/** One run on silence, timed (at least `minimum` ms: the slow-model test hook). */
async function timedRun(model: LiveModel, minimum = 0): Promise<number> {
  const t0 = performance.now();
  (await model.run(new Float32Array(model.geometry.waveSize), new Float32Array(model.geometry.specSize))).dispose?.();
  const elapsed = performance.now() - t0;
  if (elapsed < minimum) await new Promise((resolve) => setTimeout(resolve, minimum - elapsed));
  return Math.max(elapsed, minimum);
}

async function stream(model: LiveModel, start: LiveStart): Promise<void> {
  const stems = start.memory.stems.length;
  if (stems !== model.stemCount) throw new DemucsError('MODEL_CONTRACT', `the live model has ${model.stemCount} stems, the page made rings for ${stems}`);
  const control = new Int32Array(start.memory.control);
  const input = new RingBuffer(start.memory.input, Float32Array);
  const outputs = start.memory.stems.map((sab) => new RingBuffer(sab, Float32Array));
  const filler = new RingBuffer(start.memory.filler, Float64Array);
  const live = await LiveSeparator.create(model, stems, start.timing);
  const hopSeconds = start.timing.hop / SAMPLE_RATE;
  let scratch = new Float32Array(0);
  let runs = 0;
  while (Atomics.load(control, CONTROL.stop) === 0) {
    const seen = Atomics.load(control, CONTROL.quanta);
    const available = input.availableRead();
    // Input is taken in blocks (each push moves the history), or at once when a run is due.
    const waiting = available / CHANNELS;
    if (waiting < RENDER_QUANTUM || (waiting < INPUT_BLOCK && live.received + waiting < live.nextRunAt)) {
      Atomics.wait(control, CONTROL.quanta, seen, 100);
      continue;
    }
    if (scratch.length < available) scratch = new Float32Array(available);
    const n = input.pop(scratch, available);
    const frames = n / CHANNELS;
    const left = new Float32Array(frames);
    const right = new Float32Array(frames);
    for (let i = 0; i < frames; i++) {
      left[i] = scratch[2 * i]!;
      right[i] = scratch[2 * i + 1]!;
    }
    live.push(left, right);
    while (live.due && Atomics.load(control, CONTROL.stop) === 0) {
      const skipped = live.catchUp();
      if (skipped) {
        // Told before it is written, so that the playback knows it is the dry signal when it comes.
        if (filler.availableWrite() >= 2) filler.push(Float64Array.of(skipped.start, skipped.start + skipped.length));
        writeRegion(outputs, skipped.channels, control);
      }
      const t0 = performance.now();
      const region = await live.run();
      if (start.minRunMilliseconds) {
        const until = t0 + start.minRunMilliseconds;
        while (performance.now() < until) Atomics.wait(control, CONTROL.stop, 0, Math.max(1, until - performance.now()));
      }
      const ms = performance.now() - t0;
      runs++;
      writeRegion(outputs, region.channels, control);
      if (start.stallForTests?.afterRuns === runs) Atomics.wait(control, CONTROL.stop, 0, start.stallForTests.milliseconds);
      post({ type: 'run', runs, runMilliseconds: ms, realtimeFactor: ms / 1000 / hopSeconds, behind: live.received - live.nextRunAt });
    }
  }
}

/**
 * Interleaves each stem's region into its ring, all of it: stem frame j must stay input frame j
 * (the playback drops what comes too late). A region longer than the rings' room (the catch-up
 * after a stall) goes in as the playback frees room, into every ring alike (the playback takes
 * from all of them at once); a stop ends the wait.
 */
function writeRegion(rings: RingBuffer[], channels: Float32Array[][], control: Int32Array): void {
  const data = channels.map(([l, r]) => {
    const interleaved = new Float32Array(CHANNELS * l!.length);
    for (let i = 0; i < l!.length; i++) {
      interleaved[2 * i] = l![i]!;
      interleaved[2 * i + 1] = r![i]!;
    }
    return interleaved;
  });
  const total = data[0]?.length ?? 0;
  for (let at = 0; at < total && Atomics.load(control, CONTROL.stop) === 0; ) {
    const room = Math.min(...rings.map((ring) => ring.availableWrite()));
    const n = Math.min(total - at, room - (room % CHANNELS));
    if (n > 0) {
      rings.forEach((ring, s) => ring.push(data[s]!, n, at));
      at += n;
    } else Atomics.wait(control, CONTROL.quanta, Atomics.load(control, CONTROL.quanta), 50);
  }
}
