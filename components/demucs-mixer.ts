import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { DEFAULT_OVERLAP, DEFAULT_SHIFTS, SAMPLE_RATE } from '../src/core/constants.ts';
import { DemucsError, describeError, isDemucsError } from '../src/core/errors.ts';
import { clampPan, FADER_MAX_DB, FADER_MIN_DB, faderToLinear, formatDb, formatPan, soloMix, stemGains, stemMixes, type StemControls, type StereoMix } from '../src/core/mixing.ts';
import type { StemName } from '../src/core/stems.ts';
import { encodeWav, type WavFormat } from '../src/core/wav.ts';
import type { Backend, MixerErrorCode, ModelProgress, RegionMessage, SeparationProgressMessage, SongInfo, SongStart } from '../src/worker/protocol.ts';
import { decodeToStereo } from './decode-audio.ts';
import { mixerEvent, type LiveState, type ProgressDetail } from './events.ts';
import { styles } from './demucs-mixer.styles.ts';
import { SeparationClient } from './separation-client.ts';
import { LiveSession } from './live-session.ts';
import { statedLatency, widenHop, type LatencyPreset } from '../src/core/live.ts';
import { LiveInput, liveTiming, type LiveOptions } from './live-input.ts';

export { timingForLatency, type LiveOptions, type LiveSource } from './live-input.ts';
import { defaultStemNames } from '../src/core/stems.ts';
import { StemPlayer, type PlayState } from './stem-player.ts';
import { mixerAssets } from './assets.ts';
import { StemStoreClient, type SessionMeta, type SongFiles, type SongLookup, type StoredSeparation } from './stem-store-client.ts';
import { addPeaks, PEAK_COLUMNS } from '../src/core/peaks.ts';
import { modelKey, newSession, songSignature, storedSeparationMismatch, type SongSession } from './stored-separations.ts';
import { formatElapsed, modelStageText, songStageText } from './status-text.ts';

export type { SongSession, StoredSeparation };

/** Songs up to this size are hashed while they decode (32 MB: a 3-minute WAV, most compressed songs). */
const EARLY_HASH_BYTES = 32 << 20;
/** How long a decoded song waits for its sha256 (to find its separation under another name) before it is separated anyway (ms). */
const HASH_WAIT_MS = 250;

/** Where the mixer looks for the model when `model` is not set (the demo page serves it there). */
export const DEFAULT_MODEL_URL = 'models/htdemucs.onnx';

/** Timings of a separation, for benchmarks and status displays. */
export interface SeparationStats {
  /** Network runs and the milliseconds spent inside session.run. */
  readonly runs: number;
  readonly runMilliseconds: number;
  /** The worker's whole separation, and the page's (transfers and playback set-up included). */
  readonly workerMilliseconds: number;
  readonly totalMilliseconds: number;
  /** From the request to the first separated region (first possible sound). */
  readonly firstRegionMilliseconds: number;
}


/** An error of the mixer, with a stable `code` to branch on. */
export class MixerError extends Error {
  override readonly name = 'MixerError';
  constructor(
    readonly code: MixerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `<demucs-mixer>`: a mini DAW that splits a song into stems (Demucs v4, in a worker, on
 * WebGPU or WASM) and plays them back while separation runs, with a fader, pan, mute, solo,
 * meter and waveform per stem, a master fader, a reset of the whole mix, one karaoke control
 * (how much of the vocals is out, or vocals only) and WAV export. Separations are kept in the
 * browser (OPFS): the same song reopens without separating (`stored()`, `forget(id)`).
 *
 * @attr model - URL of the ONNX model, or of a manifest (.json: the converter's, or a bag's) (default `models/htdemucs.onnx`); loaded when set.
 * @attr src - URL of a song to load and separate.
 * @attr shifts - random time shifts averaged (0 = none; default 1).
 * @attr overlap - overlap between segments (default 0.25).
 * @attr assets - folder holding the mixer's workers, worklet and WASM files, for a host that
 *   moved them (default: the `assets/` folder beside the module that defines the element).
 *
 * @fires demucs-model-progress - model download / cache / session progress; detail `{ progress }`.
 * @fires demucs-ready - the model is loaded and warmed up; detail `{ backend, stems, threads, fallbacks }`.
 * @fires demucs-progress - separation progress; detail `{ separatedSeconds, duration, fraction, etaSeconds, done, runsDone, runsTotal, member? }` (`member`: a bag's member loading or running, `{ index, count, label, stage }`).
 * @fires demucs-error - something failed; detail `{ code, message }`.
 * @fires demucs-live-state - live mode changed state; detail `{ state, latency, backend }`.
 * @fires demucs-xrun - live playback fell back to the dry signal; detail `{ xruns, latency, suggestedLatency }`.
 * @fires input - a fader moves (native, from the range input).
 * @fires change - a fader is released (native).
 *
 * @csspart drop - the file drop zone.
 * @csspart status - the status line (model, backend, progress, errors).
 * @csspart transport - play/pause and the seek bar.
 * @csspart stem - one stem's strip.
 * @csspart fader - a stem fader.
 * @csspart master - the master strip.
 * @csspart live - the live-mode panel (source, latency, start/stop).
 * @csspart karaoke - the karaoke control (on/off, amount, vocals only), for file and live mode.
 *
 * @cssproperty --demucs-bg - background.
 * @cssproperty --demucs-fg - text colour.
 * @cssproperty --demucs-accent - accent colour (meters, pressed buttons, focus).
 * @cssproperty --demucs-panel - strip background.
 * @cssproperty --demucs-radius - corner radius.
 * @cssproperty --demucs-font - font family.
 * @cssproperty --demucs-stem-drums - colour of a stem (also -bass, -other, -vocals, -guitar, -piano).
 */
@customElement('demucs-mixer')
export class DemucsMixer extends LitElement {
  static override styles = styles;

  /** URL of the ONNX model; loaded when set. */
  @property({ type: String, reflect: true }) model = '';
  /** URL of a song to load and separate. */
  @property({ type: String, reflect: true }) src = '';
  /** Random time shifts averaged (0 = none). */
  @property({ type: Number }) shifts = DEFAULT_SHIFTS;
  /** Overlap between segments, 0 ≤ overlap < 1. */
  @property({ type: Number }) overlap = DEFAULT_OVERLAP;
  /**
   * Stems that add up to the original: the residual mix − Σ stems is spread equally over them,
   * so all faders at 0 dB play the song exactly and karaoke is the mix minus the vocals. Set
   * false for Demucs' own output (attribute `consistent="false"`).
   */
  @property({ converter: (value) => value !== 'false' }) consistent = true;
  /** Backends to try, in order. */
  @property({ attribute: false }) backends: Backend[] = ['webgpu', 'wasm'];
  /**
   * Folder (URL) holding the mixer's workers, worklet and WASM files, for a host that serves
   * them elsewhere than beside the module; read when a model or live mode starts.
   */
  @property({ type: String }) assets = '';

  @state() private _stems: StemName[] = [];
  @state() private _controls: StemControls[] = [];
  @state() private _masterDb = 0;
  @state() private _backend: Backend | null = null;
  @state() private _threads = 0;
  @state() private _modelProgress: ModelProgress | null = null;
  /** Network runs of the current separation, and a bag's member in progress. */
  #runs = { done: 0, total: 0 };
  #member: ProgressDetail['member'] | null = null;
  @state() private _duration = 0;
  @state() private _separated = 0;
  @state() private _eta: number | null = null;
  @state() private _playState: PlayState = 'stopped';
  @state() private _position = 0;
  @state() private _error: { code: MixerErrorCode; message: string } | null = null;
  @state() private _busy = false;
  @state() private _dragging = false;
  @state() private _fileName = '';
  @state() private _liveState: LiveState = 'off';
  @state() private _liveLatency = 0;
  @state() private _xruns = 0;
  @state() private _realtimeFactor = 0;
  @state() private _karaokeAmount = 0;

  @query('input[type=file]') private _fileInput!: HTMLInputElement;

  #client: SeparationClient | null = null;
  #modelReady: Promise<void> | null = null;
  /** The last model asked for, to load again in a new worker after a crash. */
  #modelSource: { source: string | Blob; options: { sha256?: string } } | null = null;
  #context: AudioContext | null = null;
  #master: GainNode | null = null;
  #player: StemPlayer | null = null;
  /** The stems on disk (the Origin Private File System): null without one; made on first use. */
  #stemStore: StemStoreClient | null | undefined;
  /** The song's stems on disk (null: kept in memory by the player). */
  #files: SongFiles | null = null;
  #session: SongSession | null = null;
  #waveforms: Float32Array[] = [];
  #frame = 0;
  #generation = 0;
  #stats: SeparationStats | null = null;
  #live: LiveSession | null = null;
  #liveWatch: ReturnType<typeof setInterval> | null = null;
  #liveOptions: LiveOptions | null = null;
  readonly #liveInput = new LiveInput();
  #slowRuns = 0;
  /** When the model's current stage began, when the song was loaded and when it was done (ms). */
  #modelStageSince = 0;
  #songSince = 0;
  #songDone: number | null = null;
  /** Re-renders the status line every second while a stage is under way (its elapsed time). */
  #clock: ReturnType<typeof setInterval> | null = null;

  /** Stem names of the loaded model. */
  get stems(): readonly StemName[] {
    return this._stems;
  }

  /** The backend in use ('webgpu' | 'wasm'), null before a model is loaded. */
  get backend(): Backend | null {
    return this._backend;
  }

  /** WASM threads of the loaded model (1 when the page is not cross-origin isolated); 0 before a model is loaded. */
  get threads(): number {
    return this._threads;
  }

  /** Length of the loaded song in seconds. */
  get duration(): number {
    return this._duration;
  }

  /** Seconds of the song whose stems are separated (contiguous from the start). */
  get separatedSeconds(): number {
    return this._separated;
  }

  /** The master output (after the master fader), so a page can record or process the mix. */
  get output(): AudioNode {
    return this.#ensureAudio().master;
  }

  /** Timings of the last separation (null before one completes). */
  /**
   * Seconds of stems held in memory. With the stems on disk (OPFS) this is a window around the
   * playhead, whatever the song's length; without OPFS, all that is separated.
   */
  get bufferedSeconds(): number {
    return (this.#player?.kept.frames ?? 0) / SAMPLE_RATE;
  }

  /** Whether the song's stems are kept on disk (the browser's Origin Private File System). */
  get stemsOnDisk(): boolean {
    return this.#files !== null;
  }

  /**
   * The loaded song's stored separation: its id (for `forget`), whether it is kept after the
   * page closes, and the seconds of it that came from storage (the song's duration: reopened
   * without separating; between: resumed where it stopped). Null without one.
   */
  get session(): SongSession | null {
    return this.#session;
  }

  /**
   * The separations kept in this browser (the same song, model and settings reopen without
   * separating, or resume where they stopped), the most recently opened first, with their sizes.
   */
  async stored(): Promise<StoredSeparation[]> {
    return (await this.#stemStoreClient()?.stored()) ?? [];
  }

  /**
   * Deletes a stored separation (`id` from `stored()` or `session`); the loaded song, if it is
   * that one, is unloaded first. Resolves whether there was one.
   */
  async forget(id: string): Promise<boolean> {
    const store = this.#stemStoreClient();
    if (!store) return false;
    if (this.#session?.id === id) {
      ++this.#generation;
      await this.#client?.cancel();
      this.#dropSong();
      this._busy = false;
    }
    return store.forget(id);
  }

  /**
   * Test hook: the stem store's write after `writes` more fails as on a full disk.
   * @internal
   */
  async _failStorageAfterForTests(writes: number | null): Promise<void> {
    await this.#stemStoreClient()?.failWritesAfter(writes);
  }

  /**
   * Test hook: every stage of a model load and the start of each separation last at least this
   * long (ms), so that a test sees each one in the status line.
   * @internal
   */
  _stageDelayForTests = 0;

  /**
   * Test hook: ends the workers as a page reload would (nothing is closed or saved first) and
   * forgets the song; the next call starts new ones.
   * @internal
   */
  _endWorkersForTests(): void {
    ++this.#generation;
    this.#client?.terminate();
    this.#client = null;
    this.#modelReady = null;
    this.#stemStore?.dispose();
    this.#stemStore = undefined;
    this.#dropSong();
    this._busy = false;
  }

  /** No song any more: its player, files, session, waveforms, position and error go. */
  #dropSong(): void {
    this.#player?.dispose();
    this.#player = null;
    this.#files = null;
    this.#session = null;
    this.#waveforms = [];
    this._error = null;
    this._duration = 0;
    this._separated = 0;
    this._eta = null;
    this._playState = 'stopped';
    this._position = 0;
  }

  #stemStoreClient(): StemStoreClient | null {
    if (this.#stemStore === undefined) this.#stemStore = StemStoreClient.create(mixerAssets(this.assets).stemStore);
    return this.#stemStore;
  }

  get separationStats(): SeparationStats | null {
    return this.#stats;
  }

  /** Playback position in seconds. */
  get currentTime(): number {
    return (this.#player?.position ?? 0) / SAMPLE_RATE;
  }

  /** 'stopped' | 'playing' | 'waiting' (caught up with the separation). */
  get playState(): PlayState {
    return this._playState;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.model) void this.loadModel(this.model).catch(() => undefined);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    cancelAnimationFrame(this.#frame);
    if (this.#clock !== null) clearInterval(this.#clock);
    this.#clock = null;
    this.#player?.pause();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('model') && changed.get('model') !== undefined && this.model && this.isConnected) {
      void this.loadModel(this.model).catch(() => undefined);
    }
    if (changed.has('src') && this.src && this.isConnected) void this.load(this.src).catch(() => undefined);
  }

  /**
   * Loads a model (URL of an .onnx or a manifest, File/Blob), verifying `sha256` when given;
   * resolves when it is warmed up. The newest call wins: an earlier one still loading rejects
   * with CANCELLED (no demucs-error).
   */
  loadModel(source: string | Blob, options: { sha256?: string } = {}): Promise<void> {
    this.#modelSource = { source, options };
    this.#modelReady = this.#loadModel(source, options);
    return this.#modelReady;
  }

  /**
   * Test hook: makes the inference worker die as a crash would.
   * @internal
   */
  _crashWorkerForTests(): void {
    this.#client?.crash();
  }

  /** The newest model load (a superseded one is followed to its successor). */
  async #currentModel(): Promise<void> {
    for (;;) {
      const pending = this.#modelReady;
      try {
        await pending;
        return;
      } catch (error) {
        if (pending === this.#modelReady) throw error;
      }
    }
  }

  /** The inference worker, a new one when there is none or the last one died. */
  #worker(): SeparationClient {
    if (this.#client?.crashed) {
      void this.#client.dispose();
      this.#client = null;
    }
    this.#client ??= new SeparationClient(mixerAssets(this.assets));
    return this.#client;
  }

  async #loadModel(source: string | Blob, options: { sha256?: string }): Promise<void> {
    this._backend = null;
    this._error = null;
    const client = this.#worker();
    const resolved = typeof source === 'string' ? new URL(source, document.baseURI).href : source;
    const info = await client.loadModel(
      resolved,
      { backends: this.backends, ...(options.sha256 ? { sha256: options.sha256 } : {}), ...(this._stageDelayForTests ? { stageDelayMs: this._stageDelayForTests } : {}) },
      (progress) => {
        if (progress.status !== this._modelProgress?.status) this.#modelStageSince = performance.now();
        this._modelProgress = progress;
        this.dispatchEvent(mixerEvent('demucs-model-progress', { progress }));
      },
    );
    if (!info.ok && info.code === 'CANCELLED') throw new MixerError(info.code, info.message);
    if (!info.ok) throw this.#fail(info.code, info.message);
    this._backend = info.backend;
    this._threads = info.threads;
    // The same stems (a song reopened from storage set them already) keep their faders.
    if (info.stems.join() !== this._stems.join()) {
      this._stems = [...info.stems];
      this._controls = info.stems.map(() => ({ gainDb: 0, mute: false, solo: false }));
    }
    this.dispatchEvent(mixerEvent('demucs-ready', { backend: info.backend, stems: info.stems, threads: info.threads, fallbacks: info.fallbacks }));
  }

  /**
   * Loads a song (File/Blob or URL) and separates it; playback may start as soon as the first
   * region is separated. Resolves when separation is complete. A song separated before with
   * the same model and settings (same bytes by sha256) reopens from storage without
   * separating; one whose separation stopped (a reload, a crash) resumes where it stopped.
   */
  async load(source: File | Blob | string): Promise<void> {
    return this.#load(source, true);
  }

  /** `load()`; a stored separation is taken by the file's name, size and date when `bySignature`, else only by the song's sha256. */
  async #load(source: File | Blob | string, bySignature: boolean): Promise<void> {
    const generation = ++this.#generation;
    this.#songSince = performance.now();
    this.#songDone = null;
    await this.#client?.cancel();
    this.#dropSong();
    this._busy = true;
    try {
      // Awaited below, after decoding; until then a failure must not count as unhandled.
      // A worker that died takes its model with it: load it again in a new one.
      if (!this.#modelReady || this.#client?.crashed) {
        const last = this.#modelSource;
        this.loadModel(last?.source ?? (this.model || DEFAULT_MODEL_URL), last?.options).catch(() => undefined);
      }
      const label = typeof source === 'string' ? source : (source as File).name || 'the file';
      this._fileName = label;
      const started = performance.now();
      const { song, validator } = await this.#readSource(source, label);
      if (generation !== this.#generation) return;
      const settings = { shifts: this.shifts, overlap: this.overlap, consistent: this.consistent };
      const key = { model: modelKey(this.#modelSource?.source ?? (this.model || DEFAULT_MODEL_URL), this.#modelSource?.options.sha256), settings };
      const store = this.#stemStoreClient();
      const signature = songSignature(source, song, validator);
      // A stored separation of this very file (name, size, date) plays at once, before the model
      // has even loaded; the song's sha256 (its stored separation's id), worked out meanwhile in
      // the store's worker, confirms it.
      const candidate = store && signature && bySignature ? await store.candidate(signature, key).catch(() => null) : null;
      if (generation !== this.#generation) return;
      // Hashed once, when first needed (hashing while the song opens or decodes slows that down).
      let hashing: Promise<SongLookup | null> | null = null;
      /** A kept song whose hash comes after its first region: identified then. */
      let unidentified: SongFiles | null = null;
      const lookup = () => (hashing ??= store ? store.lookup(song, key).catch(() => null) : Promise.resolve(null));
      if (candidate && candidate.separated > 0) {
        await this.#startSong(candidate.length, generation, candidate);
        if (generation !== this.#generation) return;
        void lookup().then((found) => {
          if (!found || generation !== this.#generation) return;
          if (candidate.songSha256 === null) void this.#files?.identify(found.songSha256);
          // Another song under the same name, size and date: separated for what it is.
          else if (found.songSha256 !== candidate.songSha256) void this.#load(source, false).catch(() => undefined);
        });
        if (this.#reopened(started)) return;
      } else if (song.size <= EARLY_HASH_BYTES) void lookup();
      await this.#currentModel();
      if (generation !== this.#generation) return;
      let firstRegion = 0;
      this.#stats = null;
      this.#runs = { done: 0, total: 0 };
      this.#member = null;
      const options = settings;
      const onRegion = (region: RegionMessage) => {
        if (generation !== this.#generation) return;
        if (!firstRegion) {
          const files = unidentified;
          void lookup().then((found) => found && files?.identify(found.songSha256));
        }
        firstRegion ||= performance.now() - started;
        this.#onRegion(region, started);
      };
      // A bag runs one member at a time: no region until the last one, but progress all along.
      const onProgress = (p: SeparationProgressMessage) => {
        if (generation !== this.#generation) return;
        this.#member = p.member;
        this.#runs = { done: p.runsDone, total: p.runsTotal };
        const elapsed = (performance.now() - started) / 1000;
        this._eta = p.runsDone > 0 ? (elapsed / p.runsDone) * (p.runsTotal - p.runsDone) : null;
        this.#progress(false);
      };
      // The worker decodes the song itself, block by block, into OPFS: memory stays bounded.
      // A format only the browser decodes comes back AUDIO_UNSUPPORTED: decoded here, then.
      const refusal: { why: { code: MixerErrorCode; message: string } | null } = { why: null };
      // Decoded: the song's length is known, and its sha256 by now (hashing is faster than
      // decoding): a new session, or the stored part of this song found under another name.
      const songLength = async (length: number): Promise<{ start: SongStart; why: typeof refusal.why }> => {
        // A small song is hashed while it decodes; a big one after its first region, its sha256
        // then recorded with its separation (not waited for: it would delay the first sound).
        const found = hashing ? await Promise.race([hashing, new Promise<undefined>((r) => setTimeout(r, HASH_WAIT_MS))]) : undefined;
        if (generation !== this.#generation) return { start: {}, why: null };
        // A stored separation of these bytes continues (even one that had nothing written yet).
        const stored = this.#player ? candidate : found?.stored && found.stored.length === length ? found.stored : null;
        const session = stored ?? (store ? newSession(found?.songSha256 ?? null, key, label, signature)(this._stems, length) : null);
        refusal.why = await this.#songStarts(length, generation, session, label);
        if (refusal.why) void this.#client?.cancel();
        const files = this.#files;
        if (session && !session.songSha256 && files) {
          if (hashing) void hashing.then((later) => later && files.identify(later.songSha256));
          else unidentified = files;
        }
        const from = this.#files?.written ?? 0;
        return { start: { ...(session && this.#session ? { seed: session.seed } : {}), ...(from > 0 ? { from } : {}) }, why: refusal.why };
      };
      let result = await this.#client!.separateSong({ song, label, ...options }, async (info: SongInfo) => (await songLength(info.length)).start, onRegion, onProgress);
      if (refusal.why) throw this.#fail(refusal.why.code, refusal.why.message);
      if (!result.ok && result.code === 'AUDIO_UNSUPPORTED' && generation === this.#generation) {
        const track = await decodeToStereo(await song.arrayBuffer(), label);
        if (generation !== this.#generation) return;
        const { start, why } = await songLength(track.left.length);
        if (why) throw this.#fail(why.code, why.message);
        result = await this.#client!.separate(track.left, track.right, { ...options, ...start }, onRegion, onProgress);
      }
      if (generation !== this.#generation) return;
      if (!result.ok && result.code === 'WORKER_CRASHED') this.#modelReady = null;
      // Stopped because the stems could not be kept: that failure was told already.
      const told = this._error;
      if (!result.ok && result.code === 'CANCELLED' && told) throw new MixerError(told.code, told.message);
      if (!result.ok) throw this.#fail(result.code, result.message);
      await this.#files?.complete();
      this.#stats = {
        runs: result.runs,
        runMilliseconds: result.runMilliseconds,
        workerMilliseconds: result.totalMilliseconds,
        totalMilliseconds: performance.now() - started,
        firstRegionMilliseconds: firstRegion,
      };
      this._eta = 0;
      this.#member = null;
      this.#runs = { done: result.runs, total: result.runs };
      this.#progress(true);
    } catch (error) {
      if (error instanceof MixerError) throw error;
      throw this.#fail(isDemucsError(error) ? error.code : 'AUDIO_DECODE', describeError(error));
    } finally {
      if (generation === this.#generation) this._busy = false;
    }
  }

  /** When the stored separation just opened is whole: the song is ready, with no run at all. */
  #reopened(started: number): boolean {
    const player = this.#player;
    if (!player || player.available < player.length) return false;
    void this.#files?.complete();
    const elapsed = performance.now() - started;
    this.#stats = { runs: 0, runMilliseconds: 0, workerMilliseconds: 0, totalMilliseconds: elapsed, firstRegionMilliseconds: elapsed };
    this._eta = 0;
    this.#progress(true);
    return true;
  }

  /**
   * The worker has decoded the song: `length` frames. Starts its player and files unless a
   * stored part of it already did; why not, when it cannot (storage, a stale stored part).
   */
  async #songStarts(length: number, generation: number, session: SessionMeta | null, label: string): Promise<{ code: MixerErrorCode; message: string } | null> {
    if (generation !== this.#generation) return null;
    const player = this.#player;
    if (player) {
      if (player.length === length) return null;
      // The decoders changed since it was stored: what it holds is another song's length.
      if (this.#session) await this.#stemStoreClient()?.forget(this.#session.id);
      return { code: 'IO', message: storedSeparationMismatch(label, player.length, length) };
    }
    const short = await this.#storageShortfall(length - (session?.separated ?? 0));
    if (short) return { code: 'STORAGE_FULL', message: short };
    await this.#startSong(length, generation, session);
    return null;
  }

  /**
   * Why a song of `length` frames would not fit in the browser's storage (its stems on disk,
   * with a 5 % margin), or null when it fits or the browser does not say.
   */
  async #storageShortfall(length: number): Promise<string | null> {
    let estimate: StorageEstimate;
    try {
      estimate = await navigator.storage.estimate();
    } catch {
      return null;
    }
    if (!estimate.quota) return null;
    const needed = 1.05 * this._stems.length * 8 * length;
    const free = estimate.quota - (estimate.usage ?? 0);
    if (free >= needed) return null;
    const stored = await this.stored().catch(() => []);
    const kept = stored.length ? ` (${stored.length} stored separations take ${(stored.reduce((n, s) => n + s.bytes, 0) / 1e6).toFixed(0)} MB: forget() some)` : '';
    return `the browser's storage has ${(free / 1e6).toFixed(0)} MB free; this song's stems need ${(needed / 1e6).toFixed(0)} MB: free some space${kept}, or separate a shorter song`;
  }

  /**
   * A song of `length` frames: its player (with its stems on disk where the browser has OPFS,
   * kept as `session` when given, else in memory) and waveforms. A session stored before
   * brings what it holds: the player plays it at once.
   */
  async #startSong(length: number, generation: number, session: SessionMeta | null): Promise<void> {
    const store = this.#stemStoreClient();
    const stems = session?.stems ?? this._stems;
    const files = store ? await store.open(stems, length, session) : null;
    if (generation !== this.#generation) return;
    if (stems.join() !== this._stems.join()) {
      this._stems = [...stems];
      this._controls = stems.map(() => ({ gainDb: 0, mute: false, solo: false }));
    }
    this.#files = files;
    this.#session = session && files?.kept ? { id: session.id, kept: true, restoredSeconds: files.written / SAMPLE_RATE } : null;
    const { context, master } = this.#ensureAudio();
    this._duration = length / SAMPLE_RATE;
    const player = new StemPlayer(context, stems, length, master, files);
    player.onStateChange = (s) => {
      this._playState = s;
      if (s === 'playing') this.#animate();
    };
    this.#player = player;
    this.#applyGains();
    this.#waveforms = files?.written ? files.peaks : stems.map(() => new Float32Array(PEAK_COLUMNS));
    if (files?.written) {
      player.markSeparated(files.written);
      this._separated = player.available / SAMPLE_RATE;
      this.#progress(false);
    }
  }

  /** The song's bytes, and for a URL the server's validator of them (ETag or Last-Modified). */
  async #readSource(source: File | Blob | string, label: string): Promise<{ song: Blob; validator: string | null }> {
    if (typeof source !== 'string') return { song: source, validator: null };
    let response: Response;
    try {
      response = await fetch(source);
    } catch (error) {
      throw new DemucsError('IO', `${label} could not be fetched: ${(error as Error).message}`);
    }
    if (!response.ok) throw new DemucsError('IO', `${label} could not be fetched: HTTP ${response.status}`);
    return { song: await response.blob(), validator: response.headers.get('etag') ?? response.headers.get('last-modified') };
  }

  #onRegion(region: RegionMessage, started: number): void {
    // After a failure (the stems could not be kept) the regions still on their way are dropped.
    if (this._error) return;
    const player = this.#player!;
    player.addRegion(region.start, region.channels);
    addPeaks(this.#waveforms, player.length, region.start, region.channels);
    this.requestUpdate();
    // Kept on disk (the player holds only what plays next); the arrays go to the store.
    const files = this.#files;
    if (files) {
      void files.write(region.start, region.channels).then((written) => {
        if (written.ok || files !== this.#files || this._error) return;
        // What could not be kept is not played or exported: the rest stays as it was.
        void this.#client?.cancel();
        player.limit(written.written);
        this._separated = player.available / SAMPLE_RATE;
        this.#fail(written.code, written.message);
      });
    }
    this._separated = player.available / SAMPLE_RATE;
    const elapsed = (performance.now() - started) / 1000;
    this._eta = region.runsDone > 0 ? (elapsed / region.runsDone) * (region.runsTotal - region.runsDone) : null;
    this.#runs = { done: region.runsDone, total: region.runsTotal };
    this.#progress(false);
  }

  #progress(done: boolean): void {
    if (done) this.#songDone ??= performance.now();
    const detail: ProgressDetail = {
      separatedSeconds: this._separated,
      duration: this._duration,
      fraction: this._duration ? this._separated / this._duration : 0,
      etaSeconds: this._eta,
      done,
      runsDone: this.#runs.done,
      runsTotal: this.#runs.total,
      ...(this.#member ? { member: this.#member } : {}),
    };
    this.requestUpdate();
    this.dispatchEvent(mixerEvent('demucs-progress', detail));
  }

  /** Starts (or resumes) playback; it waits where separation has not got to yet. */
  async play(): Promise<void> {
    if (!this.#player) return;
    const { context } = this.#ensureAudio();
    if (context.state !== 'running') {
      try {
        await context.resume();
      } catch (error) {
        throw this.#fail('AUDIO_CONTEXT', `audio cannot start: ${describeError(error)}`);
      }
    }
    this.#player.play();
  }

  pause(): void {
    this.#player?.pause();
    this._position = (this.#player?.position ?? 0) / SAMPLE_RATE;
  }

  seek(seconds: number): void {
    if (!this.#player || !Number.isFinite(seconds)) return;
    this.#player.seek(seconds * SAMPLE_RATE);
    this._position = this.#player.position / SAMPLE_RATE;
  }

  /** Sets a stem's fader in dB (−∞ below −60, at most +6). */
  setGain(stem: StemName, db: number): void {
    this.#update(stem, { gainDb: Math.max(FADER_MIN_DB, Math.min(FADER_MAX_DB, Number.isFinite(db) ? db : FADER_MIN_DB)) });
  }

  setMute(stem: StemName, mute: boolean): void {
    this.#update(stem, { mute });
  }

  setSolo(stem: StemName, solo: boolean): void {
    this.#update(stem, { solo });
  }

  /** A stem's pan, −1 (left) … 1 (right); 0 is the centre (a StereoPannerNode after its fader). */
  setPan(stem: StemName, pan: number): void {
    this.#update(stem, { pan: clampPan(pan) });
  }

  /** A stem's pan. */
  getPan(stem: StemName): number {
    return this._controls[this.#index(stem)]!.pan ?? 0;
  }

  /** Every fader to 0 dB, pans to the centre, no mute or solo, master at 0 dB, karaoke off. */
  resetMix(): void {
    this._controls = this._controls.map(() => ({ gainDb: 0, mute: false, solo: false, pan: 0 }));
    this._karaokeAmount = 0;
    this.#applyGains();
    this.setMasterGain(0);
  }

  /** Only this stem sounds (clears every other solo and mute of it). */
  isolate(stem: StemName): void {
    const k = this.#index(stem);
    this._controls = this._controls.map((c, i) => ({ ...c, solo: i === k, mute: i === k ? false : c.mute }));
    this.#applyGains();
  }

  /**
   * Karaoke: vocals out (on: `karaokeAmount` 1), or back in (off: 0). Toggles without an
   * argument. The same control as `karaokeAmount`, in file and live mode.
   */
  karaoke(on?: boolean): void {
    if (!this._stems.includes('vocals')) return;
    this.karaokeAmount = (on ?? !this.karaokeOn) ? 1 : 0;
  }

  /** Whether karaoke is on (the vocals fully out). */
  get karaokeOn(): boolean {
    return this._stems.includes('vocals') && this._karaokeAmount >= 1;
  }

  /** "Vocals only": whether the vocals are the one soloed stem (isolate('vocals')). */
  get vocalsOnly(): boolean {
    const k = this._stems.indexOf('vocals');
    return k >= 0 && this._controls.every((c, i) => c.solo === (i === k));
  }

  /** Master fader in dB. */
  setMasterGain(db: number): void {
    this._masterDb = Math.max(FADER_MIN_DB, Math.min(FADER_MAX_DB, db));
    this.#ensureAudio().master.gain.value = faderToLinear(this._masterDb);
  }

  /** The gain node of a stem (for tests and for pages that want to tap a stem). */
  stemNode(stem: StemName): GainNode | null {
    return this.#player?.stemGains[this._stems.indexOf(stem)] ?? null;
  }

  /** The pan node of a stem, after its gain node. */
  panNode(stem: StemName): StereoPannerNode | null {
    return this.#player?.stemPans[this._stems.indexOf(stem)] ?? null;
  }

  /** Live mode's stated latency in seconds (lookahead + hop + margin); 0 when live mode is off. */
  get latency(): number {
    return this._liveLatency;
  }

  /** Times live playback fell back to the dry signal since live mode started. */
  get xruns(): number {
    return this._xruns;
  }

  /** Live mode: compute time of a run over the hop it covers (below 1 keeps up). */
  get realtimeFactor(): number {
    return this._realtimeFactor;
  }

  /** Live mode: whether separation keeps up with the input. */
  get keepingUp(): boolean {
    return this._liveState === 'running' && this._realtimeFactor < 1 && (this.#live?.playingStems ?? false);
  }

  /** 'off' | 'starting' | 'running' | 'error'. */
  get liveState(): LiveState {
    return this._liveState;
  }

  /**
   * Separates live input: the microphone, a media element of the page, a MediaStream, or a
   * file played as if live. Stems play through the same faders; the mix stays at `output`.
   */
  async startLive(options: LiveOptions): Promise<void> {
    await this.stopLive();
    this.pause();
    this.#liveOptions = options;
    this.#setLiveState('starting');
    try {
      if (!globalThis.crossOriginIsolated) {
        throw new MixerError(
          'NOT_ISOLATED',
          'live mode needs a cross-origin isolated page (SharedArrayBuffer): serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, or register the service worker demucs-mixer-sw.js (README, "Embedding")',
        );
      }
      const { context, master } = this.#ensureAudio();
      await context.resume();
      // One session at a time: the file-mode worker gives its model up.
      await this.#client?.dispose();
      this.#client = null;
      this.#modelReady = null;
      this.#dropSong();
      const source = await this.#liveInput.open(context, options.source);
      const model = new URL(this.model || DEFAULT_MODEL_URL, document.baseURI).href;
      // The model tells its stems and segment; the player and the timing follow them.
      const connect = ({ stems: count, stemNames }: { stems: number; stemNames?: readonly string[] }) => {
        const names = stemNames ?? (this._stems.length === count ? this._stems : defaultStemNames(count));
        if (!names || names.length !== count) {
          throw Object.assign(new Error(`the live model has ${count} stems: name them in its manifest (model="….json")`), { code: 'MANIFEST' });
        }
        if (this._stems.length !== count || names.some((n, s) => n !== this._stems[s])) {
          this._stems = [...names];
          this._controls = names.map(() => ({ gainDb: 0, mute: false, solo: false }));
        }
        const player = new StemPlayer(context, this._stems, 0, master);
        this.#player = player;
        this.#applyGains();
        return player.stemGains;
      };
      const session = await LiveSession.start(context, source, connect, {
        model,
        backends: this.backends,
        timing: (geometry) => liveTiming(options.latency, geometry),
        assets: mixerAssets(this.assets),
        ...(options.minRunMilliseconds ? { minRunMilliseconds: options.minRunMilliseconds } : {}),
      });
      this.#live = session;
      this._backend = session.backend;
      this._liveLatency = session.latencySeconds;
      this._xruns = 0;
      session.onRun = (rtf) => this.#onLiveRun(rtf);
      session.onError = (code, message) => void this.#liveFailed(code as MixerErrorCode, message);
      this.#liveInput.start();
      this.#liveWatch = setInterval(() => this.#watchLive(), 100);
      this.#setLiveState('running');
      this.#animateLive();
    } catch (error) {
      await this.#liveFailed(((error as { code?: MixerErrorCode }).code ?? 'BACKEND') as MixerErrorCode, describeError(error));
      throw new MixerError(this._error?.code ?? 'BACKEND', describeError(error));
    }
  }

  /** Stops live mode: the worker ends, the worklet nodes are disconnected. */
  async stopLive(): Promise<void> {
    const session = this.#live;
    this.#live = null;
    if (this.#liveWatch !== null) clearInterval(this.#liveWatch);
    this.#liveWatch = null;
    this.#liveInput.stop();
    await session?.stop();
    if (session) {
      this.#player?.dispose();
      this.#player = null;
      this._liveLatency = 0;
      this.#setLiveState('off');
    }
  }

  #onLiveRun(rtf: number): void {
    this._realtimeFactor = rtf;
    this.#slowRuns = rtf > 1 ? this.#slowRuns + 1 : 0;
    const options = this.#liveOptions;
    if (this.#slowRuns >= 2 && options && options.autoLatency !== false && this.#live) {
      // Falling behind: take a larger hop (and so a larger latency) and start again.
      const wider = widenHop(this.#live.timing, rtf * this.#live.timing.hop, this.#live.geometry);
      if (statedLatency(wider) > this.#live.latency) {
        this.#slowRuns = 0;
        void this.startLive({ ...options, latency: wider }).catch(() => undefined);
      }
    }
  }

  #watchLive(): void {
    const session = this.#live;
    if (!session) return;
    const xruns = session.xruns;
    if (xruns > this._xruns) {
      this._xruns = xruns;
      const suggested = statedLatency(widenHop(session.timing, Math.max(1, this._realtimeFactor) * session.timing.hop, session.geometry)) / SAMPLE_RATE;
      this.dispatchEvent(mixerEvent('demucs-xrun', { xruns, latency: session.latencySeconds, suggestedLatency: suggested }));
    }
    this.requestUpdate();
  }

  async #liveFailed(code: MixerErrorCode, message: string): Promise<void> {
    await this.stopLive();
    this.#setLiveState('error');
    this.#fail(code, message);
  }

  #setLiveState(state: LiveState): void {
    this._liveState = state;
    this.dispatchEvent(mixerEvent('demucs-live-state', { state, latency: this._liveLatency, backend: this._backend }));
  }

  #animateLive(): void {
    cancelAnimationFrame(this.#frame);
    const tick = () => {
      if (!this.#live || !this.#player) return;
      this.#drawMeters(this.#player);
      this.#frame = requestAnimationFrame(tick);
    };
    this.#frame = requestAnimationFrame(tick);
  }

  /**
   * Each stem as a WAV file (default 16-bit). Rejects while separation is running; after a
   * separation that stopped early (a failure), exports what was separated.
   */
  async exportStems(format: WavFormat = 'wav16'): Promise<Record<StemName, Blob>> {
    const out = {} as Record<StemName, Blob>;
    for (const [s, stem] of this._stems.entries()) out[stem] = await this.#exportWav(soloMix(this._stems.length, s), stem, format);
    return out;
  }

  /** The current mix as heard (faders, pans, mutes, solos, karaoke and master applied), as WAV. */
  async exportMix(format: WavFormat = 'wav16'): Promise<Blob> {
    const master = faderToLinear(this._masterDb);
    return this.#exportWav(
      stemMixes(
        this._controls,
        this.#heardGains().map((g) => g * master),
      ),
      'mix',
      format,
    );
  }

  /**
   * A WAV file of Σ mixes[s] · stem s (gain and pan) over what is separated: written to disk
   * piece by piece when the stems are there (a Blob backed by the file), else summed in memory.
   */
  async #exportWav(mixes: readonly StereoMix[], name: string, format: WavFormat): Promise<Blob> {
    const { player, length } = this.#exportable();
    if (this.#files) {
      const file = await this.#files.exportWav(mixes, length, format, name);
      if (file instanceof Blob) return file;
      throw this.#fail(file.code === 'STORAGE_FULL' ? 'STORAGE_FULL' : 'EXPORT', file.message);
    }
    const left = new Float32Array(length);
    const right = new Float32Array(length);
    mixes.forEach(({ ll, rl, lr, rr }, s) => {
      if (ll === 0 && rl === 0 && lr === 0 && rr === 0) return;
      const l = player.read(s, 0, 0, length);
      const r = player.read(s, 1, 0, length);
      for (let i = 0; i < length; i++) {
        left[i]! += ll * l[i]! + rl * r[i]!;
        right[i]! += lr * l[i]! + rr * r[i]!;
      }
    });
    return new Blob(encodeWav(left, right, format) as BlobPart[], { type: 'audio/wav' });
  }

  /** The player and how much of it exports: all of it, or what a separation that stopped early left. */
  #exportable(): { player: StemPlayer; length: number } {
    const player = this.#player;
    if (this.#live) throw this.#fail('EXPORT', 'live mode has nothing to export: stop it and load a song');
    if (!player) throw this.#fail('EXPORT', 'nothing to export: no song is loaded');
    if (player.available < player.length && this._busy) throw this.#fail('EXPORT', 'separation is not complete yet');
    if (player.available === 0) throw this.#fail('EXPORT', 'nothing was separated');
    return { player, length: player.available };
  }

  #index(stem: StemName): number {
    const k = this._stems.indexOf(stem);
    if (k < 0) throw new MixerError('BAD_ARGUMENT', `unknown stem "${stem}" (stems: ${this._stems.join(', ') || 'none loaded'})`);
    return k;
  }

  #update(stem: StemName, change: Partial<StemControls>): void {
    const k = this.#index(stem);
    this._controls = this._controls.map((c, i) => (i === k ? { ...c, ...change } : c));
    this.#applyGains();
  }

  /** The gain each stem plays at: faders, mutes, solos, and the karaoke amount on the vocals. */
  #heardGains(): number[] {
    const gains = stemGains(this._controls);
    const vocals = this._stems.indexOf('vocals');
    if (vocals >= 0) gains[vocals]! *= 1 - this._karaokeAmount;
    return gains;
  }

  #applyGains(): void {
    this.#player?.setGains(this.#heardGains());
    this.#player?.setPans(this._controls.map((c) => c.pan ?? 0));
  }

  /** Karaoke amount, 0 (full mix) … 1 (vocals removed); "vocals only" is isolate('vocals'). */
  get karaokeAmount(): number {
    return this._karaokeAmount;
  }

  set karaokeAmount(amount: number) {
    this._karaokeAmount = Math.max(0, Math.min(1, Number.isFinite(amount) ? amount : 0));
    this.#applyGains();
    this.requestUpdate();
  }

  #ensureAudio(): { context: AudioContext; master: GainNode } {
    if (!this.#context) {
      try {
        this.#context = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: 'playback' });
      } catch (error) {
        throw this.#fail('AUDIO_CONTEXT', `no audio output: ${describeError(error)}`);
      }
      this.#master = new GainNode(this.#context, { gain: faderToLinear(this._masterDb) });
      this.#master.connect(this.#context.destination);
    }
    return { context: this.#context, master: this.#master! };
  }

  #fail(code: MixerErrorCode, message: string): MixerError {
    this._error = { code, message };
    this.dispatchEvent(mixerEvent('demucs-error', { code, message }));
    return new MixerError(code, message);
  }

  #animate(): void {
    cancelAnimationFrame(this.#frame);
    const tick = () => {
      const player = this.#player;
      if (!player) return;
      this._position = player.position / SAMPLE_RATE;
      this.#drawMeters(player);
      if (player.state !== 'stopped') this.#frame = requestAnimationFrame(tick);
    };
    this.#frame = requestAnimationFrame(tick);
  }

  readonly #meterBuffer = new Float32Array(2048);

  #drawMeters(player: StemPlayer): void {
    const bars = this.renderRoot.querySelectorAll<HTMLElement>('.meter > div');
    const buffer = this.#meterBuffer;
    player.analysers.forEach((analyser, s) => {
      analyser.getFloatTimeDomainData(buffer);
      let peak = 0;
      for (const v of buffer) peak = Math.max(peak, Math.abs(v));
      const db = peak > 0 ? 20 * Math.log10(peak) : -Infinity;
      const bar = bars[s];
      if (bar) bar.style.width = `${Math.max(0, Math.min(100, ((db + 60) / 60) * 100))}%`;
    });
  }

  protected override updated(): void {
    if (this.#staging() && this.#clock === null) {
      this.#clock = setInterval(() => {
        if (this.#staging()) this.requestUpdate();
        else {
          clearInterval(this.#clock!);
          this.#clock = null;
          this.requestUpdate();
        }
      }, 1000);
    }
    this.renderRoot.querySelectorAll<HTMLCanvasElement>('canvas[data-stem]').forEach((canvas) => {
      const peaks = this.#waveforms[Number(canvas.dataset['stem'])];
      const g = canvas.getContext('2d');
      if (!peaks || !g) return;
      const w = (canvas.width = canvas.clientWidth || PEAK_COLUMNS);
      const h = (canvas.height = canvas.clientHeight || 36);
      g.clearRect(0, 0, w, h);
      g.fillStyle = getComputedStyle(canvas).color;
      for (let x = 0; x < w; x++) {
        const v = Math.min(1, peaks[Math.floor((x / w) * peaks.length)]!);
        g.fillRect(x, (h * (1 - v)) / 2, 1, Math.max(1, h * v));
      }
    });
  }

  #onFile(file: File | undefined): void {
    if (file) void this.load(file).catch(() => undefined);
  }

  /** Whether a stage is under way (the status line shows its elapsed time). */
  #staging(): boolean {
    const p = this._modelProgress;
    return (p !== null && p.status !== 'ready' && !this._error) || this._busy;
  }

  #status() {
    const p = this._modelProgress;
    const now = performance.now();
    const model = modelStageText(p);
    // Elapsed times tick outside the live region's reading (aria-hidden).
    const elapsed = (seconds: number) => html` <span class="elapsed" aria-hidden="true">(${formatElapsed(seconds)})</span>`;
    const modelElapsed = p && p.status !== 'ready' && !this._error ? elapsed((now - this.#modelStageSince) / 1000) : nothing;
    const member = this._busy && this.#member ? `model ${this.#member.index + 1} of ${this.#member.count}: ${this.#member.stage}` : null;
    const song = songStageText({
      fraction: this._duration ? this._separated / this._duration : 0,
      busy: this._busy && !this._error,
      eta: this._eta,
      elapsed: ((this.#songDone ?? now) - this.#songSince) / 1000,
      restored: this.#session?.restoredSeconds ?? 0,
      duration: this._duration,
    });
    return html`<div class="status" part="status" role="status" aria-live="polite">
      <span>${model}${modelElapsed}</span>
      ${this._backend ? html`<span>backend: ${this.#backendLabel()}</span>` : nothing}
      ${this._duration ? html`<span>${song}${this._busy && !this._error ? elapsed((now - this.#songSince) / 1000) : nothing}</span>` : nothing}
      ${member ? html`<span>${member} (run ${this.#runs.done} of ${this.#runs.total})</span>` : nothing}
      ${this._playState === 'waiting' ? html`<span class="waiting">waiting for separation…</span>` : nothing}
      ${this._error ? html`<span class="error" role="alert">${this._error.message} (${this._error.code})</span>` : nothing}
    </div>`;
  }

  #backendLabel(): string {
    if (this._backend !== 'wasm' || this._threads === 0) return this._backend ?? '';
    const threads = `wasm, ${this._threads} thread${this._threads === 1 ? '' : 's'}`;
    return globalThis.crossOriginIsolated ? threads : `${threads} (the page is not cross-origin isolated: slower, and no live mode)`;
  }

  /** A fader: a native range input (arrows, Home/End, Page keys), named, with its value in dB. */
  #fader(label: string, db: number, set: (db: number) => void) {
    return html`<input
      part="fader"
      type="range"
      min=${FADER_MIN_DB}
      max=${FADER_MAX_DB}
      step="0.5"
      .value=${String(db)}
      aria-label=${label}
      aria-valuetext=${formatDb(db)}
      @input=${(e: Event) => set(Number((e.target as HTMLInputElement).value))}
    />`;
  }

  #stem(stem: StemName, s: number) {
    const c = this._controls[s]!;
    const colour = `var(--demucs-stem-${stem}, var(--demucs-accent))`;
    return html`<div class="stem" part="stem" style="color: ${colour}">
      <span class="swatch" style="background: ${colour}"></span>
      <span style="color: var(--demucs-fg)">${stem}</span>
      ${this.#fader(`${stem} level`, c.gainDb, (db) => this.setGain(stem, db))}
      <span style="color: var(--demucs-fg)">${formatDb(c.gainDb)}</span>
      <span class="pan">
        <input
          type="range"
          min="-1"
          max="1"
          step="0.05"
          .value=${String(c.pan ?? 0)}
          aria-label="${stem} pan"
          aria-valuetext=${formatPan(c.pan ?? 0)}
          title="Pan (double-click: centre)"
          @input=${(e: Event) => this.setPan(stem, Number((e.target as HTMLInputElement).value))}
          @dblclick=${() => this.setPan(stem, 0)}
        />
        <span style="color: var(--demucs-fg)">${formatPan(c.pan ?? 0)}</span>
      </span>
      <span class="buttons">
        <button aria-pressed=${String(c.mute)} aria-label="Mute ${stem}" @click=${() => this.setMute(stem, !c.mute)}>M</button>
        <button aria-pressed=${String(c.solo)} aria-label="Solo ${stem}" @click=${() => this.setSolo(stem, !c.solo)}>S</button>
        <button aria-label="Isolate ${stem}" @click=${() => this.isolate(stem)}>Only</button>
      </span>
      <div class="meter" aria-hidden="true"><div></div></div>
      <canvas data-stem=${s} aria-hidden="true"></canvas>
    </div>`;
  }

  protected override render() {
    const separatedPercent = this._duration ? (100 * this._separated) / this._duration : 0;
    return html`
      <div
        class="drop ${this._dragging ? 'over' : ''}"
        part="drop"
        @dragover=${(e: DragEvent) => {
          e.preventDefault();
          this._dragging = true;
        }}
        @dragleave=${() => (this._dragging = false)}
        @drop=${(e: DragEvent) => {
          e.preventDefault();
          this._dragging = false;
          this.#onFile(e.dataTransfer?.files[0]);
        }}
      >
        Drop a song here or
        <button @click=${() => this._fileInput.click()}>choose a file</button>
        <input type="file" accept="audio/*,video/*" hidden @change=${(e: Event) => this.#onFile((e.target as HTMLInputElement).files?.[0])} />
        ${this._fileName ? html`<div>${this._fileName}</div>` : nothing}
      </div>
      ${this.#status()}
      <div class="transport" part="transport">
        <button
          aria-label=${this._playState === 'stopped' ? 'Play' : 'Pause'}
          ?disabled=${!this._separated}
          @click=${() => (this._playState === 'stopped' ? void this.play() : this.pause())}
        >
          ${this._playState === 'stopped' ? '▶' : '❚❚'}
        </button>
        <input
          class="seek"
          type="range"
          min="0"
          max=${this._duration || 0}
          step="0.01"
          .value=${String(this._position)}
          aria-label="Position"
          aria-valuetext="${this._position.toFixed(1)} of ${this._duration.toFixed(1)} seconds, ${Math.round(separatedPercent)} % separated"
          style="background: linear-gradient(to right, var(--demucs-accent) ${separatedPercent}%, transparent ${separatedPercent}%)"
          @input=${(e: Event) => this.seek(Number((e.target as HTMLInputElement).value))}
        />
        <span>${this._position.toFixed(1)} / ${this._duration.toFixed(1)} s</span>
        ${this.#karaokeControl()}
      </div>
      ${this.#livePanel()}
      <div class="stems">${this._stems.map((stem, s) => this.#stem(stem, s))}</div>
      <div class="master" part="master">
        <span>master</span>
        ${this.#fader('Master level', this._masterDb, (db) => this.setMasterGain(db))}
        <span>${formatDb(this._masterDb)}</span>
        <button @click=${() => this.resetMix()} title="Faders to 0 dB, pans centred, no mute or solo">Reset mix</button>
        <button ?disabled=${this._busy || !this._separated} @click=${() => void this.#download('stems')}>Export stems</button>
        <button ?disabled=${this._busy || !this._separated} @click=${() => void this.#download('mix')}>Export mix</button>
      </div>
    `;
  }

  #livePanel() {
    const live = this._liveState === 'running' || this._liveState === 'starting';
    const media = Array.from(document.querySelectorAll<HTMLMediaElement>('audio, video'));
    const state = !live
      ? ''
      : this._liveState === 'starting'
        ? 'starting…'
        : `latency ${this._liveLatency.toFixed(2)} s · ${this.keepingUp ? 'keeping up' : 'falling behind'} · real-time factor ${this._realtimeFactor.toFixed(2)} · ${this._xruns} dropouts`;
    return html`<div class="transport" part="live">
      <label>Live
        <select aria-label="Live source" ?disabled=${live}>
          <option value="microphone">Microphone / line in</option>
          ${media.map((m, i) => html`<option value=${String(i)}>${m.tagName.toLowerCase()} ${m.id || m.title || i + 1}</option>`)}
        </select>
      </label>
      <select aria-label="Live latency" ?disabled=${live}>
        <option value="low">low</option>
        <option value="balanced" selected>balanced</option>
        <option value="quality">quality</option>
      </select>
      <button aria-pressed=${String(live)} @click=${() => (live ? void this.stopLive() : void this.#startFromPanel(media))}>${live ? 'Stop live' : 'Start live'}</button>
      <span role="status">${state}</span>
    </div>`;
  }

  /** The one karaoke control, for file and live mode: how much of the vocals is out, and "vocals only". */
  #karaokeControl() {
    const vocals = this._stems.includes('vocals');
    const only = this.vocalsOnly;
    return html`<span class="karaoke" part="karaoke">
      <button aria-pressed=${String(this.karaokeOn)} ?disabled=${!vocals} @click=${() => this.karaoke()}>Karaoke</button>
      <input
        type="range"
        min="0"
        max="1"
        step="0.05"
        ?disabled=${!vocals}
        .value=${String(this._karaokeAmount)}
        aria-label="Karaoke: vocals removed"
        aria-valuetext="${Math.round(this._karaokeAmount * 100)} % of the vocals removed"
        @input=${(e: Event) => (this.karaokeAmount = Number((e.target as HTMLInputElement).value))}
      />
      <button aria-pressed=${String(only)} ?disabled=${!vocals} @click=${() => (only ? this.setSolo('vocals', false) : this.isolate('vocals'))}>Vocals only</button>
    </span>`;
  }

  async #startFromPanel(media: HTMLMediaElement[]): Promise<void> {
    const [source, latency] = Array.from(this.renderRoot.querySelectorAll<HTMLSelectElement>('[part=live] select'), (s) => s.value);
    const chosen = source === 'microphone' || source === undefined ? 'microphone' : media[Number(source)]!;
    await this.startLive({ source: chosen, latency: (latency ?? 'balanced') as LatencyPreset }).catch(() => undefined);
  }

  async #download(what: 'stems' | 'mix'): Promise<void> {
    const base = this._fileName.replace(/\.[^.]*$/, '') || 'song';
    const files: [string, Blob][] =
      what === 'mix' ? [[`${base}-mix.wav`, await this.exportMix()]] : Object.entries(await this.exportStems()).map(([stem, blob]) => [`${base}-${stem}.wav`, blob]);
    for (const [name, blob] of files) {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'demucs-mixer': DemucsMixer;
  }
}
