import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { DEFAULT_OVERLAP, DEFAULT_SHIFTS, SAMPLE_RATE } from '../src/core/constants.ts';
import { DemucsError, describeError } from '../src/core/errors.ts';
import type { OutputFormat } from '../src/core/output-formats.ts';
import type { StemName } from '../src/core/stems.ts';
import { ExportController } from './controllers/export-controller.ts';
import type { ExportOptions } from './controllers/export-request.ts';
import type { Backend } from '../src/worker/protocol.ts';
import { styles } from './demucs-mixer.styles.ts';
import { mixerEvent, type LiveState } from './events.ts';
import { SongController, type SeparationStats } from './controllers/song-controller.ts';
import { renderHelp } from './parts/help.ts';
import { ActionController } from './controllers/action-controller.ts';
import { KeyboardController } from './controllers/keyboard-controller.ts';
import { KeyTempoController } from './controllers/key-tempo-controller.ts';
import { OutputController, type OutputDevice } from './controllers/output-controller.ts';
import { LiveController } from './controllers/live-controller.ts';
import type { LiveOptions } from './audio/live-input.ts';
import { LoopController, type LoopRegion } from './controllers/loop-controller.ts';
import { MeterController } from './controllers/meter-controller.ts';
import { MixController } from './controllers/mix-controller.ts';
import { alreadyTold, type MixerShared } from './controllers/mixer-host.ts';
import { ModelController } from './controllers/model-controller.ts';
import type { StemPlayer, PlayState } from './audio/stem-player.ts';
import type { StoredSeparation } from '../src/worker/stored-separation-types.ts';
import type { SongSession } from './clients/stored-separations.ts';
import type { StatusView } from './parts/demucs-status.ts';
import './parts/demucs-drop.ts';
import './parts/demucs-live-panel.ts';
import './parts/demucs-master.ts';
import './parts/demucs-export.ts';
import './parts/demucs-status.ts';
import './parts/demucs-timeline.ts';
import './parts/demucs-transport.ts';
import './parts/demucs-strip.ts';

export { DEFAULT_MODEL_URL } from './controllers/model-controller.ts';
/** The mixer's errors are the project's one coded error (exported under this name since 0.1). */
export { DemucsError as MixerError } from '../src/core/errors.ts';
export { timingForLatency, type LiveOptions, type LiveSource } from './audio/live-input.ts';
export type { LoopRegion, SeparationStats, SongSession, StoredSeparation };

/**
 * `<demucs-mixer>`: a mini DAW that splits a song into stems (Demucs v4, in a worker, on
 * WebGPU or WASM) and plays them back while separation runs: a timeline (time ruler, a lane
 * per stem with its waveform or spectrogram, playhead, click or drag to seek, zoom, loops), a
 * strip per stem (fader, pan, mute, solo, isolate, meter), a master fader, a reset of the
 * whole mix, one karaoke control (how much of the vocals is out, or vocals only), a keyboard
 * map (`?` lists it) and WAV export. The composition of small parts: controllers for the mix,
 * the model, the file session, live mode, loops, keys and meters; elements for the status
 * line, transport, timeline, live panel and strips. Separations are kept in the
 * browser (OPFS): the same song reopens without separating (`stored()`, `forget(id)`).
 *
 * @attr model - URL of the ONNX model, or of a manifest (.json: the converter's, or a bag's) (default `models/htdemucs.onnx`); loaded when set.
 * @attr live-model - URL of the model live mode runs, when not the file model (default: the file
 *   model, at 3.9 s where it runs any window, `convert --segment any`): one with a shorter window
 *   (`convert --segment 3.9`) holds a lower latency on a slow device.
 * @attr src - URL of a song to load and separate.
 * @attr shifts - random time shifts averaged (0 = none; default 1).
 * @attr overlap - overlap between segments (default 0.25).
 * @attr theme - colour scheme: `light`, `dark`, or absent to follow the system (prefers-color-scheme).
 * @attr key - semitones up or down from the song's key, −12 … 12 (fractions are cents; default 0).
 * @attr tempo - percent of the song's tempo, 50 … 150, the pitch unchanged (default 100; file mode).
 * @attr keep-formants - a key change keeps voices' formants (their timbre) where they were.
 * @attr assets - folder holding the mixer's workers, worklet and WASM files, for a host that
 *   moved them (default: the `assets/` folder beside the module that defines the element).
 *
 * @fires demucs-model-progress - model download / cache / session progress; detail `{ progress }`.
 * @fires demucs-ready - the model is loaded and warmed up; detail `{ backend, stems, threads, fallbacks }`.
 * @fires demucs-progress - separation progress; detail `{ separatedSeconds, duration, fraction, etaSeconds, done, runsDone, runsTotal, member? }` (`member`: a bag's member loading or running, `{ index, count, label, stage }`).
 * @fires demucs-error - something failed; detail `{ code, message }`.
 * @fires demucs-live-state - live mode changed state; detail `{ state, latency, backend }`.
 * @fires demucs-xrun - live playback began a dropout (the dry signal where stems were due, the first
 *   one included); detail `{ xruns, latency, suggestedLatency, drySeconds }`.
 * @fires input - a fader moves (native, from the range input).
 * @fires change - a fader is released (native).
 *
 * @csspart drop - the file drop zone.
 * @csspart status - the status line (model, backend, progress, errors).
 * @csspart transport - play/pause, position, loop, key and tempo, karaoke and the shortcuts' help.
 * @csspart key-tempo - the key (semitones and cents) and tempo controls.
 * @csspart stem - one stem's strip.
 * @csspart fader - a stem fader.
 * @csspart master - the master strip.
 * @csspart live - the live-mode panel (source, latency, start/stop).
 * @csspart karaoke - the karaoke control (on/off, amount, vocals only), for file and live mode.
 * @csspart timeline - the timeline: time ruler (drag: loop), a lane per stem (waveform or spectrogram), playhead.
 * @csspart help - the keyboard shortcuts popover.
 *
 * @cssproperty --demucs-bg - background.
 * @cssproperty --demucs-fg - text colour.
 * @cssproperty --demucs-accent - accent colour (meters, pressed buttons, focus).
 * @cssproperty --demucs-panel - strip background.
 * @cssproperty --demucs-radius - corner radius.
 * @cssproperty --demucs-font - font family.
 * @cssproperty --demucs-muted - secondary text.
 * @cssproperty --demucs-border - borders and tracks of the controls.
 * @cssproperty --demucs-on-accent - text on the accent colour.
 * @cssproperty --demucs-error - error text.
 * @cssproperty --demucs-stem-drums - colour of a stem (also -bass, -other, -vocals, -guitar, -piano).
 */
@customElement('demucs-mixer')
export class DemucsMixer extends LitElement {
  static override styles = styles;

  /** URL of the ONNX model; loaded when set. */
  @property({ type: String, reflect: true }) model = '';
  /**
   * URL of the model live mode runs, when not the file model: one converted with a shorter
   * window (`convert --segment 3.9`), which holds a lower latency on a slow device. Not needed
   * where the file model runs any window (`convert --segment any`): live mode runs it at 3.9 s.
   */
  @property({ type: String, attribute: 'live-model', reflect: true }) liveModel = '';
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
  /**
   * Semitones up or down from the song's key, −12 … 12 (2.5: up two semitones and 50 cents);
   * every stem moves together, in file and live mode. Out of range: BAD_ARGUMENT.
   */
  @property({ type: Number })
  get key(): number {
    return this.#keyTempo.settings.key;
  }

  set key(semitones: number) {
    const old = this.key;
    this.#keyTempo.set({ key: semitones });
    this.requestUpdate('key', old);
  }

  /**
   * Percent of the song's tempo, 50 … 150, the pitch unchanged; the stems stay in step and the
   * timeline stays in the song's seconds. File mode only (live input keeps its tempo).
   */
  @property({ type: Number })
  get tempo(): number {
    return this.#keyTempo.settings.tempo;
  }

  set tempo(percent: number) {
    const old = this.tempo;
    this.#keyTempo.set({ tempo: percent });
    this.requestUpdate('tempo', old);
  }

  /** A key change keeps the spectral envelope (voices' formants) where it was; off, it moves with the key. */
  @property({ type: Boolean, attribute: 'keep-formants' })
  get keepFormants(): boolean {
    return this.#keyTempo.settings.keepFormants;
  }

  set keepFormants(keep: boolean) {
    const old = this.keepFormants;
    this.#keyTempo.set({ keepFormants: keep });
    this.requestUpdate('keepFormants', old);
  }

  /** Colour scheme: 'light', 'dark', or '' to follow the system (prefers-color-scheme). */
  @property({ type: String, reflect: true }) theme: 'light' | 'dark' | '' = '';

  /**
   * Test hook: every stage of a model load and the start of each separation last at least this
   * long (ms), so that a test sees each one in the status line.
   * @internal
   */
  _stageDelayForTests = 0;

  @state() private _position = 0;
  @state() private _playState: PlayState = 'stopped';
  @state() private _help = false;
  @state() private _exportProgress: number | null = null;

  readonly #shared: MixerShared = {
    host: this,
    mix: new MixController(this, (code, message) => this.#shared.fail(code, message)),
    error: null,
    threads: 0,
    fail: (code, message) => {
      this.#shared.error = { code, message };
      this.requestUpdate();
      this.dispatchEvent(mixerEvent('demucs-error', { code, message }));
      return alreadyTold(new DemucsError(code, message));
    },
  };
  readonly #mix = this.#shared.mix;
  readonly #model = new ModelController(this.#shared);
  readonly #file = new SongController(this.#shared, this.#model, (player) => this.#follow(player));
  readonly #live = new LiveController(this.#shared, async () => {
    this.pause();
    await this.#model.release();
    this.#file.drop();
  });
  readonly #exports = new ExportController(this.#shared, this.#file, () => this.#live.active, () => this.#keyTempo.render);
  readonly #loop = new LoopController(this, this.#mix);
  readonly #outputs: OutputController = new OutputController(this.#shared, () => this.#keyTempo.apply());
  readonly #keyTempo: KeyTempoController = new KeyTempoController(
    this.#shared,
    () => this.#live.active,
    () => this.#live.latencyChanged(),
    () => this.#outputs.stages,
  );
  readonly #meters = new MeterController(this, this.#mix, () => Array.from(this.renderRoot.querySelectorAll('demucs-strip')));

  constructor() {
    super();
    // Listens on the element while it is connected; `?` and Escape open and close the help.
    new KeyboardController(this, {
      toggleHelp: (open) => (this._help = open ?? !this._help),
      timeline: () => this.renderRoot.querySelector('demucs-timeline'),
    });
    const file = this.#file;
    new ActionController(this, {
      showHelp: (open) => (this._help = open),
      exportProgress: (fraction) => (this._exportProgress = fraction),
      get label() {
        return file.label;
      },
    });
  }

  /** Stem names of the loaded model. */
  get stems(): readonly StemName[] {
    return this.#mix.stems;
  }

  /** The backend in use ('webgpu' | 'wasm'), null before a model is loaded. */
  get backend(): Backend | null {
    return this.#live.backend ?? this.#model.backend;
  }

  /**
   * WASM threads. Read: those of the model in use (live mode's while it runs; 1 when the page is
   * not cross-origin isolated; 0 before a model is loaded). Set: how many to use from the next
   * model load or live start (0, the default: every core; in live mode on more than two cores,
   * every core but one, which the audio thread keeps).
   */
  get threads(): number {
    return this.#live.threads ?? this.#model.threads;
  }

  set threads(count: number) {
    if (!Number.isInteger(count) || count < 0) throw this.#shared.fail('BAD_ARGUMENT', `threads must be a whole number ≥ 0, got ${count}`);
    this.#shared.threads = count;
  }

  /** Length of the loaded song in seconds. */
  get duration(): number {
    return this.#file.duration;
  }

  /** Seconds of the song whose stems are separated (contiguous from the start). */
  get separatedSeconds(): number {
    return this.#file.separated;
  }

  /** The master output (after the master fader), so a page can record or process the mix. */
  get output(): AudioNode {
    return this.#mix.audio().master;
  }

  /**
   * Seconds of stems held in memory. With the stems on disk (OPFS) this is a window around the
   * playhead, whatever the song's length; without OPFS, all that is separated.
   */
  get bufferedSeconds(): number {
    return (this.#mix.player?.kept.frames ?? 0) / SAMPLE_RATE;
  }

  /** Whether the song's stems are kept on disk (the browser's Origin Private File System). */
  get stemsOnDisk(): boolean {
    return this.#file.onDisk;
  }

  /**
   * Stems kept in memory because the browser's storage refused them (a private window's small
   * storage, a full disk) or the page has none: from which second of the song, the bytes they
   * take, and the budget they may take (1 GiB, less on a device with under 8 GB); past it the
   * separation stops with `STORAGE_FULL`. Null while every stem is on disk.
   */
  get stemsInMemory(): { fromSeconds: number; bytes: number; budgetBytes: number } | null {
    const m = this.#file.memory;
    return m && { fromSeconds: m.from / SAMPLE_RATE, bytes: m.bytes, budgetBytes: m.budget };
  }

  /**
   * The loaded song's stored separation: its id (for `forget`), whether it is kept after the
   * page closes, and the seconds of it that came from storage (the song's duration: reopened
   * without separating; between: resumed where it stopped). Null without one.
   */
  get session(): SongSession | null {
    return this.#file.session;
  }

  /**
   * The separations kept in this browser (the same song, model and settings reopen without
   * separating, or resume where they stopped), the most recently opened first, with their sizes.
   */
  stored(): Promise<StoredSeparation[]> {
    return this.#file.stored();
  }

  /**
   * Deletes a stored separation (`id` from `stored()` or `session`); the loaded song, if it is
   * that one, is unloaded first. Resolves whether there was one.
   */
  forget(id: string): Promise<boolean> {
    return this.#file.forget(id);
  }

  /** Timings of the last separation (null before one completes). */
  get separationStats(): SeparationStats | null {
    return this.#file.stats;
  }

  /** Playback position in seconds. */
  get currentTime(): number {
    return (this.#mix.player?.position ?? 0) / SAMPLE_RATE;
  }

  /** 'stopped' | 'playing' | 'waiting' (caught up with the separation). */
  get playState(): PlayState {
    return this.#mix.player ? this._playState : 'stopped';
  }

  /**
   * Test hook: the stem store's write after `writes` more fails as on a full disk, and the
   * stems past it are kept in memory up to `memoryBytes` (null: the device's budget).
   * @internal
   */
  async _failStorageAfterForTests(writes: number | null, memoryBytes: number | null = null): Promise<void> {
    await this.#file.store()?.failWritesAfter(writes);
    await this.#file.store()?.setMemoryBudget(memoryBytes);
  }

  /**
   * Test hook: the model worker's song spool has its write after `writes` more refused as by a
   * full storage, and keeps what follows in memory within `memoryBytes` (null: the device's budget).
   * @internal
   */
  async _failSpoolAfterForTests(writes: number | null, memoryBytes: number | null = null): Promise<void> {
    await this.#model.client?.limitSpool(writes, memoryBytes);
  }

  /**
   * Test hook: ends the workers as a page reload would (nothing is closed or saved first) and
   * forgets the song; the next call starts new ones.
   * @internal
   */
  _endWorkersForTests(): void {
    this.#file.endWorkers();
  }

  /**
   * Test hook: a counter of live mode's shared memory (`overruns`: input frames lost to a stall);
   * after a stop, the last session's as they were at the stop.
   * @internal
   */
  _liveCounterForTests(slot: 'overruns' | 'late' | 'xruns' | 'stemQuanta' | 'dryQuanta'): number {
    return this.#live.counter(slot);
  }

  /**
   * Test hook: makes the inference worker die as a crash would.
   * @internal
   */
  _crashWorkerForTests(): void {
    this.#model.client?.crash();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#outputs.refreshDevices();
    if (this.#mix.player) void this.#outputs.apply().catch(() => undefined);
    if (this.model) void this.loadModel(this.model).catch(() => undefined);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#mix.player?.pause();
    void this.#outputs.release();
    // Out of the page (not merely moved), once live mode is down: the audio thread goes idle.
    void this.#live.stop().then(() => (this.isConnected ? undefined : this.#mix.suspend()), () => undefined);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('model') && changed.get('model') !== undefined && this.model && this.isConnected) {
      void this.loadModel(this.model).catch(() => undefined);
    }
    if (changed.has('src') && this.src && this.isConnected) void this.load(this.src).catch(() => undefined);
  }

  /** Resolves when the element and its parts (strips, transport, timeline, status) have rendered. */
  protected override async getUpdateComplete(): Promise<boolean> {
    const done = await super.getUpdateComplete();
    const parts = Array.from(this.renderRoot.querySelectorAll('*')).filter((e): e is LitElement => e instanceof LitElement);
    // Key and tempo changes are heard by then too (the stretch loaded).
    await Promise.all([...parts.map((part) => part.updateComplete), this.#keyTempo.applied]);
    return done;
  }

  /**
   * Loads a model (URL of an .onnx or a manifest, File/Blob), verifying `sha256` when given;
   * resolves when it is warmed up. The newest call wins: an earlier one still loading rejects
   * with CANCELLED (no demucs-error).
   */
  loadModel(source: string | Blob, options: { sha256?: string } = {}): Promise<void> {
    return this.#model.load(source, options);
  }

  /**
   * Loads a song (File/Blob or URL) and separates it; playback may start as soon as the first
   * region is separated. Resolves when separation is complete. A song separated before with
   * the same model and settings (same bytes by sha256) reopens from storage without
   * separating; one whose separation stopped (a reload, a crash) resumes where it stopped.
   */
  load(source: File | Blob | string): Promise<void> {
    this.#loop.clear();
    return this.#file.load(source);
  }

  /** Starts (or resumes) playback; it waits where separation has not got to yet. */
  async play(): Promise<void> {
    const player = this.#mix.player;
    if (!player || this.#live.active) return;
    const { context } = this.#mix.audio();
    if (context.state !== 'running') {
      try {
        await context.resume();
      } catch (error) {
        throw this.#shared.fail('AUDIO_CONTEXT', `audio cannot start: ${describeError(error)}`);
      }
    }
    player.play();
  }

  pause(): void {
    this.#mix.player?.pause();
    this._position = this.currentTime;
  }

  /** Moves the playhead (seconds); playing, it plays on from there. */
  seek(seconds: number): void {
    const player = this.#mix.player;
    if (!player || !Number.isFinite(seconds)) return;
    this.#loop.seeking(seconds);
    player.seek(seconds * SAMPLE_RATE);
    this._position = player.position / SAMPLE_RATE;
  }

  /**
   * Loops [start, end) seconds (the playhead jumps back from `end` to `start`, sample-accurately,
   * the stems aligned); `setLoop(null)` or `clearLoop()` ends it.
   */
  setLoop(start: number | null, end?: number): void {
    if (start === null || end === undefined) this.#loop.clear();
    else this.#loop.set(start, end);
  }

  clearLoop(): void {
    this.#loop.clear();
  }

  /** The loop region in seconds, and whether it is on (L toggles); null without one. */
  get loop(): LoopRegion | null {
    return this.#loop.region;
  }

  /** Turns the loop on or off (toggles without an argument); on without a region, the whole song loops. */
  toggleLoop(on?: boolean): void {
    this.#loop.toggle(on);
  }

  /** Sets a stem's fader in dB (−∞ below −60, at most +6). */
  setGain(stem: StemName, db: number): void {
    this.#mix.setGain(stem, db);
  }

  /** A stem's fader in dB. */
  getGain(stem: StemName): number {
    return this.#mix.controls[this.#mix.index(stem)]!.gainDb;
  }

  setMute(stem: StemName, mute: boolean): void {
    this.#mix.update(stem, { mute });
  }

  setSolo(stem: StemName, solo: boolean): void {
    this.#mix.update(stem, { solo });
  }

  /** A stem's pan, −1 (left) … 1 (right); 0 is the centre (a StereoPannerNode after its fader). */
  setPan(stem: StemName, pan: number): void {
    this.#mix.setPan(stem, pan);
  }

  /** A stem's pan. */
  getPan(stem: StemName): number {
    return this.#mix.controls[this.#mix.index(stem)]!.pan ?? 0;
  }

  /** Every fader to 0 dB, pans to the centre, no mute or solo, master at 0 dB, karaoke off. */
  resetMix(): void {
    this.#mix.reset();
    this.#outputs.setLevel();
  }

  /** Only this stem sounds (clears every other solo and mute of it). */
  isolate(stem: StemName): void {
    this.#mix.isolate(stem);
  }

  /**
   * Karaoke: vocals out (on: `karaokeAmount` 1), or back in (off: 0). Toggles without an
   * argument. The same control as `karaokeAmount`, in file and live mode.
   */
  karaoke(on?: boolean): void {
    if (!this.stems.includes('vocals')) return;
    this.karaokeAmount = (on ?? !this.karaokeOn) ? 1 : 0;
  }

  /** Whether karaoke is on (the vocals fully out). */
  get karaokeOn(): boolean {
    return this.#mix.karaokeOn;
  }

  /** "Vocals only": whether the vocals are the one soloed stem (isolate('vocals')). */
  get vocalsOnly(): boolean {
    return this.#mix.vocalsOnly;
  }

  /** Karaoke amount, 0 (full mix) … 1 (vocals removed); "vocals only" is isolate('vocals'). */
  get karaokeAmount(): number {
    return this.#mix.karaokeAmount;
  }

  set karaokeAmount(amount: number) {
    this.#mix.setKaraoke(amount);
  }

  /** Master fader in dB (every output device's). */
  setMasterGain(db: number): void {
    this.#mix.setMaster(db);
    this.#outputs.setLevel();
  }

  /**
   * Plays a stem on another output device (`deviceId` from `outputDevices()`; '' or 'default':
   * the default device), e.g. the vocal guide in a singer's in-ear monitor while the room hears
   * the rest. The stems stay in step: the offset between the devices is measured and the earlier
   * one delayed (`outputOffset`). `output` carries only what plays on the default device.
   * Rejects with AUDIO_CONTEXT when the browser cannot play on that device.
   */
  setStemOutput(stem: StemName, deviceId: string): Promise<void> {
    return this.#outputs.set(stem, deviceId);
  }

  /** The device a stem plays on ('default' unless routed). */
  getStemOutput(stem: StemName): string {
    this.#mix.index(stem);
    return this.#outputs.get(stem);
  }

  /** The audio output devices the browser lists (their labels may be empty until a microphone was allowed). */
  outputDevices(): Promise<OutputDevice[]> {
    return this.#outputs.refreshDevices();
  }

  /**
   * Seconds the last device routed to was measured behind the default output (negative: ahead)
   * before the earlier of the two was delayed by as much; null with every stem on the default device.
   */
  get outputOffset(): number | null {
    return this.#outputs.offset;
  }

  /**
   * Test hook: the AudioContext of the route to `deviceId` and the node that feeds its destination.
   * @internal
   */
  async _routeForTests(deviceId: string): Promise<{ context: AudioContext; node: AudioNode } | null> {
    const route = await this.#outputs.route(deviceId);
    return route ? { context: route.context, node: route.arrival } : null;
  }

  /** The gain node of a stem (for tests and for pages that want to tap a stem). */
  stemNode(stem: StemName): GainNode | null {
    return this.#mix.player?.stemGains[this.stems.indexOf(stem)] ?? null;
  }

  /** The pan node of a stem, after its gain node. */
  panNode(stem: StemName): StereoPannerNode | null {
    return this.#mix.player?.stemPans[this.stems.indexOf(stem)] ?? null;
  }

  /** Live mode's stated latency in seconds (lookahead + hop + margin); 0 when live mode is off. */
  get latency(): number {
    return this.#live.latency;
  }

  /** Times live playback fell back to the dry signal since live mode started. */
  get xruns(): number {
    return this.#live.xruns;
  }

  /** Live mode: compute time of a run over the hop it covers (below 1 keeps up). */
  get realtimeFactor(): number {
    return this.#live.realtimeFactor;
  }

  /** Live mode: whether separation keeps up with the input. */
  get keepingUp(): boolean {
    return this.#live.keepingUp;
  }

  /** 'off' | 'starting' | 'running' | 'error'. */
  get liveState(): LiveState {
    return this.#live.state;
  }

  /**
   * Separates live input: the microphone, a media element of the page, a MediaStream, or a
   * file played as if live. Stems play through the same faders; the mix stays at `output`.
   */
  async startLive(options: LiveOptions): Promise<void> {
    this.#loop.clear();
    await this.#live.start(options);
    this.#keyTempo.apply();
    void this.#outputs.apply().catch(() => undefined);
    this.#meters.start();
  }

  /** Stops live mode: the worker ends, the worklet nodes are disconnected. */
  stopLive(): Promise<void> {
    return this.#live.stop();
  }

  /**
   * Each stem as a file: `wav16` (default), `wav24`, `f32`, `flac` (`bits` 16 or 24), `mp3`
   * (LAME, CBR `bitrate`, default 320), `m4a` (AAC-LC, default 256), or `stem` (one NI Stems
   * file, under each of its four stems). Rejects while separation is running; after a separation
   * that stopped early (a failure), exports what was separated.
   */
  exportStems(format: OutputFormat = 'wav16', options: ExportOptions = {}): Promise<Record<StemName, Blob>> {
    return this.#exports.stems(format, options);
  }

  /**
   * The current mix as heard (faders, pans, mutes, solos, karaoke and master applied) as a file
   * in any format of exportStems; `stem`: an NI Stems file whose mix track is the one heard.
   */
  exportMix(format: OutputFormat = 'wav16', options: ExportOptions = {}): Promise<Blob> {
    return this.#exports.mix(format, options);
  }

  /**
   * One NI Stems file (`.stem.mp4`) for DJ software: the mix (`mix`: the song, default, or as
   * heard) and drums, bass, other, vocals, AAC-LC (`bitrate`, default 256); a six-stem model's
   * guitar and piano are folded into other.
   */
  exportNiStems(options: ExportOptions = {}): Promise<Blob> {
    return this.#exports.niStems(options);
  }

  /** A new song's player: the transport and the meters follow its state. */
  #follow(player: StemPlayer): void {
    this._position = 0;
    this._playState = 'stopped';
    this.#keyTempo.apply();
    // After the song controller has attached it (the same task).
    queueMicrotask(() => void this.#outputs.apply().catch(() => undefined));
    player.onStateChange = (s) => {
      if (player !== this.#mix.player) return;
      this._playState = s;
      if (s === 'playing') this.#meters.start((seconds) => (this._position = seconds));
    };
  }

  /** What the status line shows. */
  #statusView(): StatusView {
    const file = this.#file;
    return {
      model: this.#model.progress,
      live: this.#live.state === 'running',
      modelSince: this.#model.stageSince,
      backend: this.backend,
      threads: this.#model.threads,
      isolated: globalThis.crossOriginIsolated,
      busy: file.busy,
      duration: file.duration,
      separated: file.separated,
      eta: file.eta,
      songSince: file.since,
      songDone: file.doneAt,
      restored: file.session?.restoredSeconds ?? 0,
      decoding: file.busy ? file.decoding : null,
      member: file.busy && file.member ? { ...file.member, runsDone: file.runs.done, runsTotal: file.runs.total } : null,
      waiting: this.playState === 'waiting',
      memory: file.memory && { ...file.memory, storage: file.onDisk },
      error: this.#shared.error,
    };
  }

  protected override render() {
    const mix = this.#mix;
    const file = this.#file;
    const position = mix.player ? this._position : 0;
    return html`
      <demucs-drop .label=${file.label}></demucs-drop>
      <demucs-status .view=${this.#statusView()}></demucs-status>
      <demucs-transport
        .playState=${this.playState}
        .position=${position}
        .duration=${file.duration}
        .separated=${file.separated}
        .karaokeAmount=${mix.karaokeAmount}
        .karaokeOn=${mix.karaokeOn}
        .vocalsOnly=${mix.vocalsOnly}
        .hasVocals=${mix.stems.includes('vocals')}
        .loop=${this.#loop.region}
        .key=${this.key}
        .tempo=${this.tempo}
        .live=${this.#live.active}
        .help=${this._help}
      ></demucs-transport>
      ${this._help ? renderHelp(() => (this._help = false)) : nothing}
      <demucs-timeline
        .stems=${mix.stems}
        .waveforms=${file.waveforms}
        .views=${file.views}
        .viewsVersion=${file.views?.version ?? 0}
        .duration=${file.duration}
        .separated=${file.separated}
        .position=${position}
        .loop=${this.#loop.region}
        .playState=${this.playState}
      ></demucs-timeline>
      <demucs-live-panel .state=${this.#live.state} .latency=${this.#live.latency} .realtimeFactor=${this.#live.realtimeFactor} .xruns=${this.#live.xruns} .drySeconds=${this.#live.drySeconds} .playing=${this.#live.playing} .keepingUp=${this.#live.keepingUp} .fit=${this.#live.fit} .liveWindow=${this.liveModel || this.#model.anyWindow ? this.#live.liveWindow : null}></demucs-live-panel>
      <div class="stems">${repeat(mix.stems, (stem) => stem, (stem, s) => html`<demucs-strip .stem=${stem} .controls=${mix.controls[s]!} .devices=${this.#outputs.devices} .output=${this.#outputs.get(stem)}></demucs-strip>`)}</div>
      <demucs-master .masterDb=${mix.masterDb}></demucs-master>
      <demucs-export .exportable=${!file.busy && file.separated > 0} .progress=${this._exportProgress} .extraStems=${mix.stems.some((s) => s === 'guitar' || s === 'piano')} .keyTempo=${this.#keyTempo.label}></demucs-export>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'demucs-mixer': DemucsMixer;
  }
}
