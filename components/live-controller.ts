/**
 * Live mode: live input separated as it plays (a LiveSession: worklets and a streaming worker),
 * its stems through the same mix as a song's; falling behind widens the hop by itself.
 */
import type { ReactiveController } from 'lit';
import { SAMPLE_RATE } from '../src/core/constants.ts';
import { describeError } from '../src/core/errors.ts';
import { statedLatency, widenHop } from '../src/core/live.ts';
import { defaultStemNames } from '../src/core/stems.ts';
import type { Backend, MixerErrorCode } from '../src/worker/protocol.ts';
import { mixerAssets } from './assets.ts';
import { mixerEvent, type LiveState } from './events.ts';
import { LiveInput, liveTiming, type LiveOptions } from './live-input.ts';
import { LiveSession } from './live-session.ts';
import { MixerError } from './mixer-error.ts';
import type { MixerShared } from './mixer-host.ts';
import { DEFAULT_MODEL_URL } from './model-controller.ts';
import { StemPlayer } from './stem-player.ts';

export class LiveController implements ReactiveController {
  readonly #shared: MixerShared;
  /** Called before live mode starts: file mode gives its worker and song up. */
  readonly #before: () => Promise<void>;
  #session: LiveSession | null = null;
  #watch: ReturnType<typeof setInterval> | null = null;
  #options: LiveOptions | null = null;
  readonly #input = new LiveInput();
  #slowRuns = 0;
  state: LiveState = 'off';
  /** Stated latency in seconds (0 when off). */
  latency = 0;
  xruns = 0;
  realtimeFactor = 0;

  constructor(shared: MixerShared, before: () => Promise<void>) {
    this.#shared = shared;
    this.#before = before;
    shared.host.addController(this);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    void this.stop();
  }

  get active(): boolean {
    return this.#session !== null;
  }

  get backend(): Backend | null {
    return this.#session?.backend ?? null;
  }

  /** Whether separation keeps up with the input. */
  get keepingUp(): boolean {
    return this.state === 'running' && this.realtimeFactor < 1 && (this.#session?.playingStems ?? false);
  }

  async start(options: LiveOptions): Promise<void> {
    const { host, mix } = this.#shared;
    await this.stop();
    this.#options = options;
    this.#setState('starting');
    try {
      if (!globalThis.crossOriginIsolated) {
        throw new MixerError(
          'NOT_ISOLATED',
          'live mode needs a cross-origin isolated page (SharedArrayBuffer): serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, or register the service worker demucs-mixer-sw.js (README, "Embedding")',
        );
      }
      const { context, master } = mix.audio();
      await context.resume();
      // One session at a time: the file-mode worker gives its model up.
      await this.#before();
      const source = await this.#input.open(context, options.source);
      const model = new URL(host.model || DEFAULT_MODEL_URL, document.baseURI).href;
      // The model tells its stems and segment; the player and the timing follow them.
      const connect = ({ stems: count, stemNames }: { stems: number; stemNames?: readonly string[] }) => {
        const names = stemNames ?? (mix.stems.length === count ? mix.stems : defaultStemNames(count));
        if (!names || names.length !== count) {
          throw Object.assign(new Error(`the live model has ${count} stems: name them in its manifest (model="….json")`), { code: 'MANIFEST' });
        }
        mix.setStems(names);
        const player = new StemPlayer(context, mix.stems, 0, master);
        mix.attach(player);
        return player.stemGains;
      };
      const session = await LiveSession.start(context, source, connect, {
        model,
        backends: host.backends,
        timing: (geometry) => liveTiming(options.latency, geometry),
        assets: mixerAssets(host.assets),
        ...(options.minRunMilliseconds ? { minRunMilliseconds: options.minRunMilliseconds } : {}),
        ...(options.playbackDelayMilliseconds ? { playbackDelayMilliseconds: options.playbackDelayMilliseconds } : {}),
      });
      this.#session = session;
      this.latency = session.latencySeconds;
      this.xruns = 0;
      session.onRun = (rtf) => this.#onRun(rtf);
      session.onError = (code, message) => void this.#failed(code as MixerErrorCode, message);
      this.#input.start();
      this.#watch = setInterval(() => this.#watchXruns(), 100);
      this.#setState('running');
    } catch (error) {
      await this.#failed(((error as { code?: MixerErrorCode }).code ?? 'BACKEND') as MixerErrorCode, describeError(error));
      throw new MixerError(this.#shared.error?.code ?? 'BACKEND', describeError(error));
    }
  }

  /** Stops live mode: the worker ends, the worklet nodes are disconnected. */
  async stop(): Promise<void> {
    const session = this.#session;
    this.#session = null;
    if (this.#watch !== null) clearInterval(this.#watch);
    this.#watch = null;
    this.#input.stop();
    await session?.stop();
    if (session) {
      this.#shared.mix.attach(null);
      this.latency = 0;
      this.#setState('off');
    }
  }

  #onRun(rtf: number): void {
    this.realtimeFactor = rtf;
    this.#slowRuns = rtf > 1 ? this.#slowRuns + 1 : 0;
    const options = this.#options;
    const session = this.#session;
    if (this.#slowRuns >= 2 && options && options.autoLatency !== false && session) {
      // Falling behind: take a larger hop (and so a larger latency) and start again.
      const wider = widenHop(session.timing, rtf * session.timing.hop, session.geometry);
      if (statedLatency(wider) > session.latency) {
        this.#slowRuns = 0;
        void this.start({ ...options, latency: wider }).catch(() => undefined);
      }
    }
  }

  #watchXruns(): void {
    const session = this.#session;
    if (!session) return;
    const xruns = session.xruns;
    if (xruns > this.xruns) {
      this.xruns = xruns;
      const suggested = statedLatency(widenHop(session.timing, Math.max(1, this.realtimeFactor) * session.timing.hop, session.geometry)) / SAMPLE_RATE;
      this.#shared.host.dispatchEvent(mixerEvent('demucs-xrun', { xruns, latency: session.latencySeconds, suggestedLatency: suggested }));
    }
    this.#shared.host.requestUpdate();
  }

  async #failed(code: MixerErrorCode, message: string): Promise<void> {
    await this.stop();
    this.#setState('error');
    this.#shared.fail(code, message);
  }

  #setState(state: LiveState): void {
    this.state = state;
    this.#shared.host.requestUpdate();
    this.#shared.host.dispatchEvent(mixerEvent('demucs-live-state', { state, latency: this.latency, backend: this.backend }));
  }
}
