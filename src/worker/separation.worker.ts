/**
 * The inference worker: model delivery, one ONNX Runtime session, and the src/core procedure
 * chunk by chunk, posting each finished region of stems (transferred) as soon as it is done.
 */
import * as Comlink from 'comlink';
import { segmentsDiffer } from '../core/bag.ts';
import { describeError, isDemucsError } from '../core/errors.ts';
import type { Bag } from '../core/model.ts';
import { separateOneMemberAtATime, type LazyMember } from '../core/sequential-bag.ts';
import { planSeparation, separate, type SeparateOptions as EngineSeparateOptions } from '../core/separator.ts';
import { memorySource, type StemRegion, type TrackSource } from '../core/track.ts';
import { defaultStemNames, type StemName } from '../core/stems.ts';
import { loadModelBytes } from './model-bytes.ts';
import { planModel, type ModelMember, type ModelPlan } from './model-source.ts';
import { configureWasm, locateRuntime, openOnFirstBackend, openSession, probeBackends, type WebModel } from './ort-web-model.ts';
import type { Backend, ModelInfo, ModelProgress, RegionMessage, SeparateOptions, SeparationDone, SeparationProgressMessage, SeparationRequest, SeparationWorkerApi, SongRequest, SongStart, WorkerFailure } from './protocol.ts';
import { limitSpool, spoolSong, type SpooledSong } from './song-spool.ts';

const failure = (error: unknown, fallback: WorkerFailure['code']): WorkerFailure => ({
  ok: false,
  code: isDemucsError(error) ? error.code : fallback,
  message: describeError(error),
});

/** A bag, loaded: the backend its first member opened on, and what to fetch and check again. */
interface LoadedBag {
  readonly plan: ModelPlan;
  readonly backend: Backend;
  readonly sha256?: string;
}

/** One network, open and warmed up. */
let model: WebModel | null = null;
/** A bag: its members, opened one at a time when a separation runs. */
let bag: LoadedBag | null = null;
/**
 * On WebGPU a bag's members stay loaded between runs and songs while the adapter's memory
 * allows (GPU memory is not the WASM heap's 4 GB): a member that fails to open releases the
 * others and is opened again. In WASM each is released after its turn.
 */
const resident = new Map<string, WebModel>();
/** Inference sessions created for bag members (test hook: resident members are not created again). */
let memberSessions = 0;

async function releaseResident(): Promise<void> {
  const all = [...resident.values()];
  resident.clear();
  await Promise.all(all.map((m) => m.release()));
}

async function openBagMember(member: ModelMember, backend: Backend, sha256: string | undefined, segment: number | undefined): Promise<WebModel> {
  const kept = resident.get(member.label);
  if (kept) return kept;
  const { bytes } = await loadModelBytes(member.source, sha256, () => undefined);
  let opened: WebModel;
  try {
    opened = await openSession(bytes, backend, member.label, segment);
  } catch (error) {
    if (resident.size === 0 || isDemucsError(error)) throw error;
    await releaseResident();
    opened = await openSession(bytes, backend, member.label, segment);
  }
  memberSessions++;
  if (backend === 'webgpu') resident.set(member.label, opened);
  return opened;
}
let stems: readonly StemName[] = [];
/** Test hook (LoadModelOptions.stageDelayMs): how long each stage lasts at least. */
let stageDelay = 0;
const stagePause = () => (stageDelay > 0 ? new Promise((r) => setTimeout(r, stageDelay)) : Promise.resolve());
let abort = { aborted: false };
/**
 * Loads run one after the other (two inference sessions being created at once fail on WebGPU,
 * and would not fit in the WASM heap), and the newest request wins: an older one still waiting
 * or loading stops at its next step, releases what it opened and answers CANCELLED.
 */
let loads: Promise<unknown> = Promise.resolve();
let newestLoad = 0;
const superseded = (): WorkerFailure => ({ ok: false, code: 'CANCELLED', message: 'a newer loadModel() replaced this one' });

const api: SeparationWorkerApi = {
  loadModel(source, options, onProgress): Promise<ModelInfo | WorkerFailure> {
    const id = ++newestLoad;
    const run = loads.then(() => (id === newestLoad ? loadModel(id, source, options, onProgress) : superseded()));
    loads = run.catch(() => undefined);
    return releasing([onProgress], run);
  },

  separate(request: SeparationRequest, onRegion, onProgress): Promise<SeparationDone | WorkerFailure> {
    return releasing([onRegion, onProgress], separateSource(() => Promise.resolve({ source: memorySource(request.left, request.right) }), request, onRegion, onProgress));
  },

  separateSong(request: SongRequest, onInfo, onRegion, onProgress, onDecoding): Promise<SeparationDone | WorkerFailure> {
    return releasing([onInfo, onRegion, onProgress, onDecoding], separateSong(request, onInfo, onRegion, onProgress, onDecoding));
  },

  cancel() {
    abort.aborted = true;
  },

  async dispose() {
    abort.aborted = true;
    await model?.release();
    await releaseResident();
    model = null;
    bag = null;
  },

  memberSessions() {
    return memberSessions;
  },

  crash() {
    setTimeout(() => {
      throw new Error('the worker was made to crash (test hook)');
    });
  },

  limitSpool(writes: number | null, budget: number | null) {
    limitSpool(writes, budget);
  },
};

/**
 * A separation of a song the worker reads from `open` (in memory, or spooled to OPFS), which
 * may also say where it starts (`from`, `seed`: over those of the request).
 */
async function separateSource(
  open: () => Promise<{ source: TrackSource; start?: SongStart }>,
  asked: SeparateOptions,
  onRegion: (region: RegionMessage) => void,
  onProgress: ((progress: SeparationProgressMessage) => void) | undefined,
): Promise<SeparationDone | WorkerFailure> {
  if (!model && !bag) return { ok: false, code: 'MODEL_LOAD', message: 'no model is loaded' };
  const started = performance.now();
  abort = { aborted: false };
  const signal = abort;
  const tally: Tally = { runs: 0, runMilliseconds: 0, runsTotal: 0 };
  try {
    await stagePause();
    const { source, start } = await open();
    const request: SeparateOptions = { ...asked, ...start };
    const options = engineOptions(request, signal);
    const { regions, requested } = model ? separateByModel(model, source, options, tally) : separateByBag(bag!, source, options, tally, onProgress);
    await postRegions(regions, request.from ?? 0, requested, tally, onRegion);
    return { ok: true, stems: requested, runs: tally.runs, runMilliseconds: tally.runMilliseconds, totalMilliseconds: performance.now() - started };
  } catch (error) {
    return failure(error, 'MODEL_RUN');
  }
}

/** What a separation has done so far, kept current as it runs. */
interface Tally {
  runs: number;
  /** Milliseconds spent in the inference session's runs. */
  runMilliseconds: number;
  runsTotal: number;
}

/** A separation under way: its regions as they come, and the stems they hold. */
interface Stream {
  readonly regions: AsyncGenerator<StemRegion>;
  readonly requested: readonly StemName[];
}

type EngineOptions = Omit<EngineSeparateOptions, 'onProgress' | 'pipeline'>;

/** The engine's options for a request: those the request sets, and the signal that cancels it. */
function engineOptions(request: SeparateOptions, signal: { readonly aborted: boolean }): EngineOptions {
  return {
    ...(request.shifts !== undefined ? { shifts: request.shifts } : {}),
    ...(request.overlap !== undefined ? { overlap: request.overlap } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...(request.shiftOffsets ? { shiftOffsets: request.shiftOffsets } : {}),
    ...(request.stems ? { stems: request.stems } : {}),
    ...(request.consistent ? { consistent: true } : {}),
    ...(request.from ? { from: request.from } : {}),
    signal,
  };
}

/** One network, open: the engine's stream, tallied from the model's own counters. */
function separateByModel(m: WebModel, source: TrackSource, options: EngineOptions, tally: Tally): Stream {
  const single: Bag = { stems, members: [{ model: m, weights: stems.map(() => 1) }] };
  const plan = planSeparation(single, source.length, options);
  tally.runsTotal = plan.runsTotal;
  const before = { runs: m.runs, ms: m.runMilliseconds };
  const regions = separate(single, source, { ...options, shiftOffsets: plan.shiftOffsets });
  const count = () => {
    tally.runs = m.runs - before.runs;
    tally.runMilliseconds = m.runMilliseconds - before.ms;
  };
  return { regions: counted(regions, count), requested: plan.stems };
}

/** A bag: its members run one at a time (sequential-bag.ts), each opened when its turn comes. */
function separateByBag(
  loaded: LoadedBag,
  source: TrackSource,
  options: EngineOptions,
  tally: Tally,
  onProgress: ((progress: SeparationProgressMessage) => void) | undefined,
): Stream {
  const { plan, backend, sha256 } = loaded;
  const members = plan.members.map((member) => lazyMember(member, backend, sha256, plan.segment, tally));
  const regions = separateOneMemberAtATime(stems, members, source, {
    ...options,
    onProgress: (p) => {
      tally.runsTotal = p.runsTotal;
      void onProgress?.({ runsDone: p.runsDone, runsTotal: p.runsTotal, member: p.member });
    },
  });
  return { regions, requested: options.stems ?? stems };
}

/** A bag member that opens when its turn comes (or is still open on WebGPU), its runs tallied. */
function lazyMember(member: ModelMember, backend: Backend, sha256: string | undefined, segment: number | undefined, tally: Tally): LazyMember {
  return {
    label: member.label,
    weights: member.weights ?? stems.map(() => 1),
    open: async () => {
      const opened = await openBagMember(member, backend, sha256, segment);
      return {
        stemCount: opened.stemCount,
        geometry: opened.geometry,
        run: async (mix: Float32Array, spec: Float32Array) => {
          const before = opened.runMilliseconds;
          const out = await opened.run(mix, spec);
          tally.runs++;
          tally.runMilliseconds += opened.runMilliseconds - before;
          return out;
        },
        release: async () => {
          if (!resident.has(member.label)) await opened.release();
        },
      };
    },
  };
}

/** Hands each region to the page (transferred), from frame `from` on, with the tally so far. */
async function postRegions(
  regions: AsyncGenerator<StemRegion>,
  from: number,
  requested: readonly StemName[],
  tally: Tally,
  onRegion: (region: RegionMessage) => void,
): Promise<void> {
  for await (const whole of regions) {
    const region = whole.start < from ? cropRegion(whole, from) : whole;
    if (!region) continue;
    const message: RegionMessage = {
      start: region.start,
      length: region.length,
      stems: requested,
      channels: region.channels,
      runsDone: tally.runs,
      runsTotal: tally.runsTotal,
      runMilliseconds: tally.runMilliseconds,
    };
    await onRegion(Comlink.transfer(message, region.channels.flat().map((c) => c.buffer as ArrayBuffer)));
  }
}

/** One load, the newest: stops (releasing what it opened) as soon as a newer one is asked for. */
async function loadModel(
  id: number,
  source: Parameters<SeparationWorkerApi['loadModel']>[0],
  options: Parameters<SeparationWorkerApi['loadModel']>[1],
  onProgress: Parameters<SeparationWorkerApi['loadModel']>[2],
): Promise<ModelInfo | WorkerFailure> {
  const progress = (p: ModelProgress) => void onProgress(p);
  stageDelay = options.stageDelayMs ?? 0;
  await model?.release();
  await releaseResident();
  model = null;
  bag = null;
  let plan: ModelPlan;
  try {
    plan = await planModel(source);
  } catch (error) {
    return failure(error, 'MANIFEST');
  }
  if (id !== newestLoad) return superseded();
  locateRuntime(options.runtime);
  const threads = configureWasm(options.threads);
  const { usable, notes } = await probeBackends(options.backends ?? ['webgpu', 'wasm']);
  const fallbacks = [...notes];
  const count = plan.members.length;
  let opened: { model: WebModel; backend: Backend; cached: boolean } | null = null;
  let allCached = true;
  // A bag's members are fetched (into the cache) and checked one after the other; each is
  // released before the next opens, and opened again when a separation needs it.
  for (const [index, member] of plan.members.entries()) {
    if (plan.bag) progress({ status: 'member', index, count, label: member.label });
    // A bag member is released right after this check: no warm-up (unless only a run tells its stem count).
    const warm = !plan.bag && !options.skipWarmup;
    const result = await openMember(member, plan, opened?.backend ? [opened.backend] : usable, options.sha256, warm, progress, fallbacks);
    if (!result.ok) return result;
    if (id !== newestLoad) {
      await result.model.release();
      return superseded();
    }
    allCached &&= result.cached;
    const names = options.stems ?? plan.stems ?? defaultStemNames(result.model.stemCount);
    if (!names || names.length !== result.model.stemCount) {
      await result.model.release();
      const why = names ? `its manifest names ${names.length}` : 'pass their names (stems option) or a manifest';
      return { ok: false, code: 'MANIFEST', message: `${member.label} has ${result.model.stemCount} stems: ${why}` };
    }
    if (opened && result.model.geometry.segment !== opened.model.geometry.segment) {
      await result.model.release();
      return failure(segmentsDiffer({ name: member.label, segment: result.model.geometry.segment }, { name: 'the first', segment: opened.model.geometry.segment }), 'MANIFEST');
    }
    stems = names;
    if (plan.bag) {
      await result.model.release();
      opened ??= result;
    } else opened = result;
  }
  const { backend, model: first } = opened!;
  if (plan.bag) bag = { plan, backend, ...(options.sha256 ? { sha256: options.sha256 } : {}) };
  else model = first;
  progress({ status: 'ready', backend });
  return { ok: true, backend, stems, threads, fallbacks, cached: allCached, members: count, segment: first.geometry.segment, anyWindow: !plan.bag && first.anyWindow };
}

/** The part of a region from frame `from` on (null: none of it). */
function cropRegion(region: StemRegion, from: number): StemRegion | null {
  const skip = from - region.start;
  if (skip >= region.length) return null;
  return { start: from, length: region.length - skip, channels: region.channels.map((stem) => stem.map((c) => c.slice(skip))) };
}

/** Keeps the run counters current before each region goes out. */
async function* counted(regions: AsyncGenerator<StemRegion>, count: () => void): AsyncGenerator<StemRegion> {
  for await (const region of regions) {
    count();
    yield region;
  }
  count();
}

/**
 * Fetches one network and opens it on the first backend that takes it, warmed up when `warm`
 * (one run on silence compiles kernels and sizes buffers before the model is reported ready).
 */
async function openMember(
  member: ModelMember,
  plan: ModelPlan,
  backends: readonly Backend[],
  sha256: string | undefined,
  warm: boolean,
  progress: (p: ModelProgress) => void,
  fallbacks: string[],
): Promise<{ ok: true; model: WebModel; backend: Backend; cached: boolean } | WorkerFailure> {
  let bytes: Uint8Array;
  let cached: boolean;
  let store: () => Promise<void>;
  try {
    ({ bytes, cached, store } = await loadModelBytes(member.source, sha256, progress));
  } catch (error) {
    return failure(error, 'MODEL_DOWNLOAD');
  }
  await stagePause();
  let model: WebModel | null;
  try {
    model = await openOnFirstBackend(bytes, backends, member.label, plan.segment, {
      trying: async (backend) => {
        progress({ status: 'session', backend });
        await stagePause();
      },
      opened: async (candidate) => {
        if (warm || candidate.stemCount === 0) {
          progress({ status: 'warmup', backend: candidate.backend });
          await stagePause();
          await candidate.run(new Float32Array(candidate.geometry.waveSize), new Float32Array(candidate.geometry.specSize));
        }
        await store();
      },
      fallbacks,
    });
  } catch (error) {
    if (!isDemucsError(error)) throw error;
    return failure(error, 'MODEL_CONTRACT');
  }
  if (model) return { ok: true, model, backend: model.backend, cached };
  const why = fallbacks.length ? ` (${fallbacks.join('; ')})` : '';
  const code = fallbacks.some((f) => /protobuf|parse|load model|invalid|failed to load/i.test(f)) ? 'MODEL_LOAD' : 'BACKEND';
  return { ok: false, code, message: `${member.label} could not be opened on any backend${why}` };
}

/** A song file decoded here, spooled to OPFS, then separated; `onInfo` tells the page its length and asks where to start. */
async function separateSong(
  request: SongRequest,
  onInfo: Parameters<SeparationWorkerApi['separateSong']>[1],
  onRegion: Parameters<SeparationWorkerApi['separateSong']>[2],
  onProgress: Parameters<SeparationWorkerApi['separateSong']>[3],
  onDecoding: Parameters<SeparationWorkerApi['separateSong']>[4],
): Promise<SeparationDone | WorkerFailure> {
  let song: SpooledSong | null = null;
  try {
    return await separateSource(
      async () => {
        song = await spoolSong(request.song, request.label, onDecoding);
        const { length, format, inputSampleRate, inputChannels } = song;
        const start = await onInfo({ length, format, inputSampleRate, inputChannels, stems: request.stems ?? stems });
        return { source: song, start: start ?? {} };
      },
      request,
      onRegion,
      onProgress,
    );
  } finally {
    await (song as SpooledSong | null)?.close();
  }
}

/**
 * `call`, then the page's callbacks it was given are released: they are comlink proxies, each
 * holding a message port open on both sides until released.
 */
async function releasing<T>(callbacks: readonly unknown[], call: Promise<T>): Promise<T> {
  try {
    return await call;
  } finally {
    for (const callback of callbacks) (callback as Partial<Comlink.Remote<object>> | undefined)?.[Comlink.releaseProxy]?.();
  }
}

Comlink.expose(api);
