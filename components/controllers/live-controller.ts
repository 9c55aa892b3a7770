/**
 * Live mode: live input separated as it plays (a LivePipeline: worklets and a streaming worker),
 * its stems through the same mix as a song's; falling behind widens the hop by itself.
 */
import type { ReactiveController } from 'lit';
import { LIVE_SEGMENT, SAMPLE_RATE } from '../../src/core/constants.ts';
import { DemucsError, describeError, isDemucsError, type DemucsErrorCode } from '../../src/core/errors.ts';
import { holdingTiming, statedLatency, widenHop } from '../../src/core/live.ts';
import { CONTROL } from '../../src/core/live-shared.ts';
import { defaultStemNames } from '../../src/core/stems.ts';
import type { Backend } from '../../src/worker/protocol.ts';
import { mixerAssets } from '../clients/assets.ts';
import { mixerEvent, type LiveState } from '../events.ts';
import { LiveInput, liveTiming, type LiveOptions } from '../audio/live-input.ts';
import { abortable, LivePipeline, type LiveStage } from '../audio/live-pipeline.ts';
import type { MixerShared } from './mixer-host.ts';
import { DEFAULT_MODEL_URL } from './model-controller.ts';
import { StemPlayer } from '../audio/stem-player.ts';

/**
 * Starts, restarts and stops are one queue: each runs after the one before has finished, and a
 * stop (or a newer start) aborts a start still in progress at its next stage, taking down what
 * it made. So nothing a start made survives a stop, whenever the stop comes.
 */
export class LiveController implements ReactiveController {
  readonly #shared: MixerShared;
  /** Called before live mode starts: file mode gives its worker and song up. */
  readonly #before: () => Promise<void>;
  #pipeline: LivePipeline | null = null;
  /** The player live mode gave the mix (file mode's own is not live mode's to take away). */
  #player: StemPlayer | null = null;
  #watch: ReturnType<typeof setInterval> | null = null;
  #options: LiveOptions | null = null;
  readonly #input = new LiveInput();
  #slowRuns = 0;
  /** The last operation queued (it never rejects). */
  #queue: Promise<void> = Promise.resolve();
  /** Aborts the start queued or in progress, if any. */
  #starting: AbortController | null = null;
  state: LiveState = 'off';
  /** The separation's part of the stated latency (seconds; 0 when off). */
  #separationLatency = 0;
  xruns = 0;
  realtimeFactor = 0;

  constructor(shared: MixerShared, before: () => Promise<void>) {
    this.#shared = shared;
    this.#before = before;
    shared.host.addController(this);
  }

  hostDisconnected(): void {
    void this.stop();
  }

  /**
   * Stated latency in seconds (0 when off): from an input sample to its stems heard, the key's
   * pitch shift included.
   */
  get latency(): number {
    return this.#separationLatency ? this.#separationLatency + this.#shared.mix.audio().stage.latency : 0;
  }

  /** A counter of the running pipeline's shared control array (after a stop, the last session's at its stop). */
  counter(slot: Parameters<LivePipeline['counter']>[0]): number {
    return this.#pipeline?.counter(slot) ?? this.#final?.[CONTROL[slot]] ?? 0;
  }

  /** The last session's counters as they were at its stop (not its pipeline: its nodes would stay alive). */
  #final: Int32Array | null = null;

  /** What is heard: nothing due yet, the separated stems, or the dry fallback (a dropout). */
  get playing(): 'waiting' | 'stems' | 'dry' {
    return this.#pipeline?.playing ?? 'waiting';
  }

  /** Seconds played dry while stems were due, over the running session's dropouts. */
  get drySeconds(): number {
    return this.#pipeline?.drySeconds ?? 0;
  }

  /**
   * How the running session's latency was fitted to this device (separation only, the key's
   * shift aside).
   */
  fit: LiveFit | null = null;
  /**
   * Which window live mode runs where it has two (a `live-model`, or a file model that runs any
   * window): the shorter until a start chooses the file model's.
   */
  liveWindow: LiveWindow = 'live';

  get active(): boolean {
    return this.#pipeline !== null;
  }

  get backend(): Backend | null {
    return this.#pipeline?.backend ?? null;
  }

  /** WASM threads of the live worker (null when off). */
  get threads(): number | null {
    return this.#pipeline?.threads ?? null;
  }

  /** Whether separation keeps up with the input. */
  get keepingUp(): boolean {
    return this.state === 'running' && this.realtimeFactor < 1 && this.playing === 'stems';
  }

  /**
   * Starts live mode (stopping what runs). Rejects with code CANCELLED when a stop or another
   * start comes before it has started.
   */
  start(options: LiveOptions): Promise<void> {
    this.#starting?.abort();
    const starting = new AbortController();
    this.#starting = starting;
    return this.#enqueue(() => this.#start(options, starting.signal));
  }

  /** Stops live mode, and any start in progress: the worker ends, the worklet nodes are disconnected. */
  stop(): Promise<void> {
    this.#starting?.abort();
    this.#starting = null;
    return this.#enqueue(() => this.#takeDown());
  }

  #enqueue(operation: () => Promise<void>): Promise<void> {
    const done = this.#queue.then(operation);
    this.#queue = done.catch(() => undefined);
    return done;
  }

  async #start(options: LiveOptions, signal: AbortSignal): Promise<void> {
    const { host, mix } = this.#shared;
    await this.#takeDown();
    if (signal.aborted) throw cancelled();
    this.#options = options;
    this.#setState('starting');
    const hold = async (stage: LiveStage) => abortable(options.hold?.(stage), signal);
    try {
      if (!globalThis.crossOriginIsolated) {
        throw new DemucsError(
          'NOT_ISOLATED',
          'live mode needs a cross-origin isolated page (SharedArrayBuffer): serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, or register the service worker demucs-mixer-sw.js (README, "Embedding")',
        );
      }
      const { context, stage } = mix.audio();
      await abortable(context.resume(), signal);
      await hold('resume');
      // One model at a time: the file-mode worker gives its model up.
      await abortable(this.#before(), signal);
      await hold('release');
      const source = await abortable(this.#input.open(context, options.source, signal), signal);
      await hold('input');
      const model = new URL((!options.fileModel && host.liveModel) || host.model || DEFAULT_MODEL_URL, document.baseURI).href;
      // The model tells its stems and segment; the player and the timing follow them.
      const connect = ({ stems: count, stemNames }: { stems: number; stemNames?: readonly string[] }) => {
        const names = stemNames ?? (mix.stems.length === count ? mix.stems : defaultStemNames(count));
        if (!names || names.length !== count) {
          throw new DemucsError('MANIFEST', `the live model has ${count} stems: name them in its manifest (model="….json")`);
        }
        mix.setStems(names);
        const player = new StemPlayer(context, mix.stems, 0, stage.input);
        this.#player = player;
        mix.attach(player);
        return player.stemGains;
      };
      const pipeline = await LivePipeline.start(context, source, connect, {
        model,
        backends: host.backends,
        ...(this.#shared.threads ? { threads: this.#shared.threads } : {}),
        // Without a live model of its own, the file model runs the shorter window where it can.
        ...(!options.fileModel && !host.liveModel ? { window: LIVE_SEGMENT } : {}),
        timing: (geometry, runSamples) => {
          const asked = liveTiming(options.latency, geometry);
          return options.autoLatency === false ? asked : holdingTiming(asked, runSamples, geometry).timing;
        },
        assets: mixerAssets(host.assets),
        signal,
        ...testHooks(options),
      });
      this.#pipeline = pipeline;
      this.#separationLatency = pipeline.latencySeconds;
      this.liveWindow = options.fileModel ? 'file' : 'live';
      this.fit = {
        runSeconds: pipeline.runMilliseconds / 1000,
        askedSeconds: statedLatency(liveTiming(options.latency, pipeline.geometry)) / SAMPLE_RATE,
        heldSeconds: pipeline.latencySeconds,
      };
      this.xruns = 0;
      this.#slowRuns = 0;
      pipeline.onRun = (rtf) => this.#pipeline === pipeline && this.#onRun(rtf);
      pipeline.onError = (code, message) => {
        if (this.#pipeline === pipeline) void this.#enqueue(() => this.#failed(code, message));
      };
      this.#input.start();
      this.#watch = setInterval(() => this.#watchXruns(), 100);
      this.#setState('running');
    } catch (error) {
      if (signal.aborted) {
        // Stopped (or started again) before it had started: nothing it made stays.
        await this.#takeDown();
        throw cancelled();
      }
      const code: DemucsErrorCode = isDemucsError(error) ? error.code : 'BACKEND';
      await this.#failed(code, describeError(error));
      throw new DemucsError(code, describeError(error));
    }
  }

  /** Takes down what runs: the pipeline, its worklet nodes and worker, the input. */
  async #takeDown(): Promise<void> {
    const pipeline = this.#pipeline;
    this.#pipeline = null;
    if (this.#watch !== null) clearInterval(this.#watch);
    this.#watch = null;
    this.#input.stop();
    const { mix } = this.#shared;
    if (this.#player && mix.player === this.#player) mix.attach(null);
    this.#player = null;
    await pipeline?.stop();
    if (pipeline) this.#final = pipeline.final;
    this.#separationLatency = 0;
    this.fit = null;
    if (this.state !== 'off' && this.state !== 'error') this.#setState('off');
  }

  #onRun(rtf: number): void {
    this.realtimeFactor = rtf;
    this.#slowRuns = rtf > 1 ? this.#slowRuns + 1 : 0;
    const options = this.#options;
    const pipeline = this.#pipeline;
    if (this.#slowRuns >= 2 && options && options.autoLatency !== false && pipeline) {
      // Falling behind: take a larger hop (and so a larger latency) and start again.
      const wider = widenHop(pipeline.timing, rtf * pipeline.timing.hop, pipeline.geometry);
      if (statedLatency(wider) > pipeline.latency) {
        this.#slowRuns = 0;
        this.start({ ...options, latency: wider }).catch(() => undefined);
      }
    }
  }

  #watchXruns(): void {
    const pipeline = this.#pipeline;
    if (!pipeline) return;
    const xruns = pipeline.xruns;
    if (xruns > this.xruns) {
      this.xruns = xruns;
      const suggested = statedLatency(widenHop(pipeline.timing, Math.max(1, this.realtimeFactor) * pipeline.timing.hop, pipeline.geometry)) / SAMPLE_RATE;
      this.#shared.host.dispatchEvent(mixerEvent('demucs-xrun', { xruns, latency: this.latency, suggestedLatency: suggested, drySeconds: pipeline.drySeconds }));
    }
    this.#shared.host.requestUpdate();
  }

  async #failed(code: DemucsErrorCode, message: string): Promise<void> {
    await this.#takeDown();
    this.#setState('error');
    this.#shared.fail(code, message);
  }

  /** Tells the page the stated latency again after it changed (the key's pitch shifter came in or out). */
  latencyChanged(): void {
    if (this.state === 'running') this.#setState('running');
  }

  #setState(state: LiveState): void {
    this.state = state;
    this.#shared.host.requestUpdate();
    this.#shared.host.dispatchEvent(mixerEvent('demucs-live-state', { state, latency: this.latency, backend: this.backend }));
  }
}

/**
 * The window live mode runs: the shorter one (the model `live-model` names, or the file model at
 * 3.9 s where it runs any window), or the file model's.
 */
export type LiveWindow = 'live' | 'file';

/** A live session's latency against this device: a run's time when the model loaded, the latency asked for and the one that holds (seconds). */
export interface LiveFit {
  readonly runSeconds: number;
  readonly askedSeconds: number;
  readonly heldSeconds: number;
}

/** The test hooks a start passes on to the pipeline (a held stage, a slowed model, a stall). */
function testHooks(options: LiveOptions) {
  return {
    ...(options.hold ? { hold: options.hold } : {}),
    ...(options.minRunMilliseconds ? { minRunMilliseconds: options.minRunMilliseconds } : {}),
    ...(options.minRunMillisecondsAfterStart ? { minRunMillisecondsAfterStart: options.minRunMillisecondsAfterStart } : {}),
    ...(options.stallForTests ? { stallForTests: options.stallForTests } : {}),
  };
}

function cancelled(): DemucsError {
  return new DemucsError('CANCELLED', 'live mode was stopped before it had started');
}
