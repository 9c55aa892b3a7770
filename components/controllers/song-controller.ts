/**
 * File mode: a song loaded, decoded and separated in the model's worker, its stems played as
 * they arrive and kept on disk (OPFS) as a stored separation that reopens or resumes later.
 */
import { SAMPLE_RATE } from '../../src/core/constants.ts';
import { DemucsError, describeError, isDemucsError, type DemucsErrorCode } from '../../src/core/errors.ts';
import { addPeaks, PEAK_COLUMNS } from '../../src/core/peaks.ts';
import type { DecodeProgress, RegionMessage, SeparationProgressMessage, SongInfo, SongStart } from '../../src/worker/protocol.ts';
import { mixerAssets } from '../clients/assets.ts';
import { decodeToStereo, isKnownFormat } from '../audio/decode-audio.ts';
import { mixerEvent, type ProgressDetail } from '../events.ts';
import { alreadyTold, wasTold, type MixerShared } from './mixer-host.ts';
import type { ModelController } from './model-controller.ts';
import { StoredSeparationSearch } from './stored-separation-search.ts';
import { readSong, songLabel, storageShortfall } from '../clients/song-source.ts';
import { StemPlayer, type StemReader } from '../audio/stem-player.ts';
import { StemViews } from '../audio/stem-views.ts';
import type { SeparationClient } from '../clients/separation-client.ts';
import { StemStoreClient, type MemoryUse, type SeparationKey, type StoredSeparationMeta, type SongFiles, type StoredSeparation } from '../clients/stem-store-client.ts';
import { StemKeeping } from './stem-keeping.ts';
import { modelKey, newStoredSeparation, songSignature, storedSeparationMismatch, type SongSession } from '../clients/stored-separations.ts';

/** Why a song cannot start (storage, a stale stored part). */
type Refusal = { readonly code: DemucsErrorCode; readonly message: string };
type SeparationOutcome = Awaited<ReturnType<SeparationClient['separate']>>;

/** One load of a song: what its steps share. */
interface SongLoad {
  readonly generation: number;
  readonly song: Blob;
  readonly label: string;
  /** When the load began (ms): the separation's timings count from it. */
  readonly started: number;
  readonly settings: { readonly shifts: number; readonly overlap: number; readonly consistent: boolean };
  readonly key: SeparationKey;
  readonly store: StemStoreClient | null;
  readonly signature: string | null;
  readonly search: StoredSeparationSearch;
}

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

export class SongController {
  readonly #shared: MixerShared;
  readonly #model: ModelController;
  /** Called with each new player (the element follows its state). */
  readonly #watch: (player: StemPlayer) => void;
  /** The stems on disk (the Origin Private File System): null without one; made on first use. */
  #store: StemStoreClient | null | undefined;
  /** The song's stems on disk (null: kept in memory by the player). */
  #files: SongFiles | null = null;
  #keeping: StemKeeping | null = null;
  #generation = 0;
  /** The song's name (file name or URL). */
  label = '';
  /** Length and separated part of the song, in seconds; seconds to go (null: not known yet). */
  duration = 0;
  separated = 0;
  eta: number | null = null;
  /** The song being decoded in the worker (its stated length, how much is decoded), until its length is known. */
  decoding: DecodeProgress | null = null;
  busy = false;
  session: SongSession | null = null;
  stats: SeparationStats | null = null;
  /** Peaks of each stem's waveform (PEAK_COLUMNS over the song), filled in as regions arrive. */
  waveforms: Float32Array[] = [];
  /** The timeline's fine peaks and spectrograms of the stems. */
  views: StemViews | null = null;
  /** Network runs of the current separation, and a bag's member in progress. */
  runs = { done: 0, total: 0 };
  member: ProgressDetail['member'] | null = null;
  /** When the song was loaded and when it was done (ms). */
  since = 0;
  doneAt: number | null = null;

  constructor(shared: MixerShared, model: ModelController, watch: (player: StemPlayer) => void) {
    this.#shared = shared;
    this.#model = model;
    this.#watch = watch;
  }

  /**
   * Stems kept in memory because the browser's storage refused them (a private window's storage,
   * a full disk) or has none: from which frame, bytes, and the budget. Null: all on disk.
   */
  get memory(): MemoryUse | null {
    return this.#keeping?.memory ?? null;
  }

  /** Whether the song's stems are kept on disk. */
  get onDisk(): boolean {
    return this.#files !== null;
  }

  /** The song's stems on disk (exports are written from them), or null when they are in memory. */
  get files(): SongFiles | null {
    return this.#files;
  }

  store(): StemStoreClient | null {
    if (this.#store === undefined) this.#store = StemStoreClient.create(mixerAssets(this.#shared.host.assets).stemStore);
    return this.#store;
  }

  async stored(): Promise<StoredSeparation[]> {
    return (await this.store()?.stored()) ?? [];
  }

  async forget(id: string): Promise<boolean> {
    const store = this.store();
    if (!store) return false;
    if (this.session?.id === id) await this.stop();
    return store.forget(id);
  }

  /** Stops separating and drops the song. */
  async stop(): Promise<void> {
    ++this.#generation;
    await this.#model.client?.cancel();
    this.drop();
    this.busy = false;
  }

  /** As a page reload would: the workers end (nothing is closed or saved) and the song goes. */
  endWorkers(): void {
    ++this.#generation;
    void this.#model.release(true);
    this.#store?.dispose();
    this.#store = undefined;
    this.drop();
    this.busy = false;
  }

  /** No song any more: its player, files, session, waveforms and error go. */
  drop(): void {
    this.#shared.mix.attach(null);
    this.#files = null;
    this.#keeping = null;
    this.session = null;
    this.waveforms = [];
    this.views?.dispose();
    this.views = null;
    this.#shared.error = null;
    this.duration = 0;
    this.separated = 0;
    this.eta = null;
    this.#shared.host.requestUpdate();
  }

  /** `load()`; a stored separation is taken by the file's name, size and date when `bySignature`, else only by the song's sha256. */
  async load(source: File | Blob | string, bySignature = true): Promise<void> {
    const generation = ++this.#generation;
    const stale = () => generation !== this.#generation;
    this.since = performance.now();
    this.doneAt = null;
    await this.#model.client?.cancel();
    this.drop();
    this.busy = true;
    try {
      // Awaited below, after decoding; a worker that died takes its model with it: loaded again.
      this.#model.ensure();
      const load = await this.#open(source, generation, bySignature);
      if (!load || (await this.#reopen(load, source))) return;
      await this.#model.current();
      if (stale()) return;
      const separated = await this.#separate(load);
      if (separated && !stale()) await this.#finish(separated.result, load.started, separated.firstRegion);
    } catch (error) {
      if (wasTold(error)) throw error;
      throw this.#shared.fail(isDemucsError(error) ? error.code : 'AUDIO_DECODE', describeError(error));
    } finally {
      if (!stale()) {
        this.busy = false;
        this.#shared.host.requestUpdate();
      }
    }
  }

  /** Reads the song and looks for its stored separation; null when a newer load came meanwhile. */
  async #open(source: File | Blob | string, generation: number, bySignature: boolean): Promise<SongLoad | null> {
    const { host } = this.#shared;
    const label = songLabel(source);
    this.label = label;
    const started = performance.now();
    const { song, validator } = await readSong(source, label);
    if (generation !== this.#generation) return null;
    const settings = { shifts: host.shifts, overlap: host.overlap, consistent: host.consistent };
    const { source: model, options: modelOptions } = this.#model.request;
    const key = { model: modelKey(model, modelOptions.sha256), settings };
    const store = this.store();
    const signature = songSignature(source, song, validator);
    // A stored separation of this very file (name, size, date) plays at once, before the model
    // has even loaded; the song's sha256 (its stored separation's id), worked out meanwhile in
    // the store's worker, confirms it.
    const search = await StoredSeparationSearch.begin(store, song, key, bySignature ? signature : null);
    if (generation !== this.#generation) return null;
    return { generation, song, label, started, settings, key, store, signature, search };
  }

  /**
   * Plays the stored part of the song found by its signature, if any, and checks it against the
   * song's sha256 later. True when the load is done: stale, or reopened whole.
   */
  async #reopen(load: SongLoad, source: File | Blob | string): Promise<boolean> {
    const { candidate } = load.search;
    if (!candidate || candidate.separated === 0) {
      load.search.hashEarlyIfSmall();
      return false;
    }
    await this.#startSong(candidate.length, load.generation, candidate);
    if (load.generation !== this.#generation) return true;
    void load.search.lookup().then((found) => {
      if (!found || load.generation !== this.#generation) return;
      if (candidate.songSha256 === null) void this.#files?.identify(found.songSha256);
      // Another song under the same name, size and date: separated for what it is.
      else if (found.songSha256 !== candidate.songSha256) void this.load(source, false).catch(() => undefined);
    });
    return this.#reopened(load.started);
  }

  /**
   * Separates the song in the worker, which decodes it itself, block by block, into OPFS
   * (memory stays bounded); a format only the browser decodes comes back AUDIO_UNSUPPORTED and
   * is decoded here. Null when a newer load came meanwhile.
   */
  async #separate(load: SongLoad): Promise<{ result: SeparationOutcome; firstRegion: number } | null> {
    const stale = () => load.generation !== this.#generation;
    let firstRegion = 0;
    this.stats = null;
    this.runs = { done: 0, total: 0 };
    this.member = null;
    const onRegion = (region: RegionMessage) => {
      if (stale()) return;
      if (!firstRegion) load.search.firstRegion();
      firstRegion ||= performance.now() - load.started;
      this.#onRegion(region, load.started);
    };
    // A bag runs one member at a time: no region until the last one, but progress all along.
    const onProgress = (p: SeparationProgressMessage) => {
      if (stale()) return;
      this.member = p.member;
      this.#count(p.runsDone, p.runsTotal, load.started);
      this.#progress(false);
    };
    let refusal: Refusal | null = null;
    const client = this.#model.client!;
    const request = { song: load.song, label: load.label, ...load.settings };
    const onDecoding = (p: DecodeProgress) => {
      if (stale()) return;
      this.decoding = p;
      this.#shared.host.requestUpdate();
    };
    let result = await client.separateSong(request, async (info: SongInfo) => {
      this.decoding = null;
      const { start, why } = await this.#songLength(load, info.length);
      refusal = why;
      return start;
    }, onRegion, onProgress, onDecoding);
    this.decoding = null;
    if (refusal) throw this.#shared.fail((refusal as Refusal).code, (refusal as Refusal).message);
    if (!result.ok && result.code === 'AUDIO_UNSUPPORTED' && !stale()) {
      const refused = result;
      const track = await decodeToStereo(await load.song.arrayBuffer(), load.label).catch(async (error: unknown) => {
        // A container the worker knows, holding a codec it cannot decode (E-AC-3, DRM): its
        // naming of both says more than the browser's decoder failing on it.
        if (isDemucsError(error) && error.code === 'AUDIO_DECODE' && (await isKnownFormat(load.song))) throw this.#shared.fail(refused.code, refused.message);
        throw error;
      });
      if (stale()) return null;
      const { start, why } = await this.#songLength(load, track.left.length);
      if (why) throw this.#shared.fail(why.code, why.message);
      result = await client.separate(track.left, track.right, { ...load.settings, ...start }, onRegion, onProgress);
    }
    return stale() ? null : { result, firstRegion };
  }

  /**
   * Decoded: the song's length is known, and its sha256 by now: a new stored separation, or the
   * stored part of this song found under another name, continues; where to start and with
   * which seed, or why it cannot start.
   */
  async #songLength(load: SongLoad, length: number): Promise<{ start: SongStart; why: Refusal | null }> {
    const found = await load.search.foundByNow();
    if (load.generation !== this.#generation) return { start: {}, why: null };
    const { candidate } = load.search;
    // A stored separation of these bytes continues (even one that had nothing written yet).
    const stored = this.#shared.mix.player ? candidate : found?.stored && found.stored.length === length ? found.stored : null;
    const meta = stored ?? (load.store ? newStoredSeparation(found?.songSha256 ?? null, load.key, load.label, load.signature)(this.#shared.mix.stems, length) : null);
    const why = await this.#songStarts(length, load.generation, meta, load.label);
    if (why) void this.#model.client?.cancel();
    const files = this.#files;
    if (meta && !meta.songSha256 && files) load.search.identifyLater(files);
    const from = this.#files?.written ?? 0;
    return { start: { ...(meta && this.session ? { seed: meta.seed } : {}), ...(from > 0 ? { from } : {}) }, why };
  }

  /** The separation has ended: its failure, or the song complete with its timings. */
  async #finish(result: SeparationOutcome, started: number, firstRegion: number): Promise<void> {
    if (!result.ok && result.code === 'WORKER_CRASHED') this.#model.lost();
    // Stopped because the stems could not be kept: that failure was told already.
    const told = this.#shared.error;
    if (!result.ok && result.code === 'CANCELLED' && told) throw alreadyTold(new DemucsError(told.code, told.message));
    if (!result.ok) throw this.#shared.fail(result.code, result.message);
    await this.#files?.complete();
    this.stats = {
      runs: result.runs,
      runMilliseconds: result.runMilliseconds,
      workerMilliseconds: result.totalMilliseconds,
      totalMilliseconds: performance.now() - started,
      firstRegionMilliseconds: firstRegion,
    };
    this.eta = 0;
    this.member = null;
    this.runs = { done: result.runs, total: result.runs };
    this.#progress(true);
  }

  /** When the stored separation just opened is whole: the song is ready, with no run at all. */
  #reopened(started: number): boolean {
    const player = this.#shared.mix.player;
    if (!player || player.available < player.length) return false;
    void this.#files?.complete();
    const elapsed = performance.now() - started;
    this.stats = { runs: 0, runMilliseconds: 0, workerMilliseconds: 0, totalMilliseconds: elapsed, firstRegionMilliseconds: elapsed };
    this.eta = 0;
    this.#progress(true);
    return true;
  }

  /**
   * The worker has decoded the song: `length` frames. Starts its player and files unless a
   * stored part of it already did; why not, when it cannot (storage, a stale stored part).
   */
  async #songStarts(length: number, generation: number, meta: StoredSeparationMeta | null, label: string): Promise<Refusal | null> {
    if (generation !== this.#generation) return null;
    const player = this.#shared.mix.player;
    if (player) {
      if (player.length === length) return null;
      // The decoders changed since it was stored: what it holds is another song's length.
      if (this.session) await this.store()?.forget(this.session.id);
      return { code: 'IO', message: storedSeparationMismatch(label, player.length, length) };
    }
    const frames = length - (meta?.separated ?? 0);
    const short = await storageShortfall(this.#shared.mix.stems.length * 8 * frames, () => this.stored());
    if (short) return { code: 'STORAGE_FULL', message: short };
    await this.#startSong(length, generation, meta);
    return null;
  }

  /**
   * A song of `length` frames: its player (with its stems on disk where the browser has OPFS,
   * kept as the stored separation `meta` describes, else in memory) and waveforms. A stored
   * separation brings what it holds: the player plays it at once.
   */
  async #startSong(length: number, generation: number, meta: StoredSeparationMeta | null): Promise<void> {
    const { mix } = this.#shared;
    const store = this.store();
    const stems = meta?.stems ?? mix.stems;
    const files = store ? await store.open(stems, length, meta) : null;
    if (generation !== this.#generation) return;
    mix.setStems(stems);
    this.#files = files;
    this.session = meta && files?.kept ? { id: meta.id, kept: true, restoredSeconds: files.written / SAMPLE_RATE } : null;
    const { context, stage } = mix.audio();
    this.duration = length / SAMPLE_RATE;
    const player = new StemPlayer(context, stems, length, stage.input, files);
    this.#keeping = this.#keepingFor(files, player);
    // Read back from disk, or from the player's memory when the stems are kept there.
    const reader: StemReader = files ?? { read: async (from, n) => stems.map((_, s) => [0, 1].map((c) => player.read(s, c, from, n))) };
    const views = new StemViews(stems.length, length, reader, () => player.available);
    views.onChange = () => this.#shared.host.requestUpdate();
    this.views = views;
    this.#watch(player);
    mix.attach(player);
    this.waveforms = files?.written ? files.peaks : stems.map(() => new Float32Array(PEAK_COLUMNS));
    if (files?.written) {
      void views.backfill(files, files.written).catch(() => undefined);
      player.markSeparated(files.written);
      this.separated = player.available / SAMPLE_RATE;
      this.#progress(false);
    }
  }

  #onRegion(region: RegionMessage, started: number): void {
    // After a failure (the stems could not be kept) the regions still on their way are dropped.
    if (this.#shared.error) return;
    const player = this.#shared.mix.player!;
    const keeping = this.#keeping!;
    if (!keeping.admits(region.start + region.channels[0]![0]!.length)) return;
    player.addRegion(region.start, region.channels);
    addPeaks(this.waveforms, player.length, region.start, region.channels);
    this.views?.add(region.start, region.channels);
    // Kept on disk (the player holds only what plays next) or in memory; the arrays go to the store.
    keeping.store(region);
    this.separated = player.available / SAMPLE_RATE;
    this.#count(region.runsDone, region.runsTotal, started);
    this.#progress(false);
  }

  /** Where the song's stems are kept, and what stops the song when they can no longer be. */
  #keepingFor(files: SongFiles | null, player: StemPlayer): StemKeeping {
    const keeping: StemKeeping = new StemKeeping(files, player, {
      changed: () => this.#shared.host.requestUpdate(),
      stop: (frames, code, message) => {
        if (keeping !== this.#keeping || this.#shared.error) return;
        // What could not be kept is not played or exported: the rest stays as it was.
        void this.#model.client?.cancel();
        player.limit(frames);
        this.separated = player.available / SAMPLE_RATE;
        this.#shared.fail(code, message);
      },
    });
    return keeping;
  }

  #count(done: number, total: number, started: number): void {
    const elapsed = (performance.now() - started) / 1000;
    this.eta = done > 0 ? (elapsed / done) * (total - done) : null;
    this.runs = { done, total };
  }

  #progress(done: boolean): void {
    if (done) this.doneAt ??= performance.now();
    const detail: ProgressDetail = {
      separatedSeconds: this.separated,
      duration: this.duration,
      fraction: this.duration ? this.separated / this.duration : 0,
      etaSeconds: this.eta,
      done,
      runsDone: this.runs.done,
      runsTotal: this.runs.total,
      ...(this.member ? { member: this.member } : {}),
    };
    this.#shared.host.requestUpdate();
    this.#shared.host.dispatchEvent(mixerEvent('demucs-progress', detail));
  }
}
