import { PassAccumulator } from './accumulator.ts';
import { CHANNELS, DEFAULT_OVERLAP, DEFAULT_SHIFTS } from './constants.ts';
import { DemucsError, isDemucsError } from './errors.ts';
import type { Bag, BagMember, SegmentOutput } from './model.ts';
import { normScale } from './normalize.ts';
import { planPasses, randomShiftOffsets, strideFor, triangleWeight, type ChunkPlan, type PassPlan } from './split.ts';
import type { Geometry } from './geometry.ts';
import { Spectrogram } from './spectrogram.ts';
import type { StemName } from './stems.ts';
import { planBag } from './bag.ts';
import { consistentStems } from './consistent.ts';
import type { StemRegion, TrackSource } from './track.ts';

export interface SeparateOptions {
  /** Random shifts averaged (0 = none). Default 1, as the Demucs CLI. */
  readonly shifts?: number;
  /** Forces the shift offsets (each in [0, 22050]); overrides `shifts` and `seed`. */
  readonly shiftOffsets?: readonly number[];
  /** Seed of the shift offsets. Default: a random seed. */
  readonly seed?: number;
  /** Overlap of consecutive segments, [0, 1). Default 0.25. */
  readonly overlap?: number;
  /** Stems to produce, in this order. Default: all of the bag's. */
  readonly stems?: readonly StemName[];
  /**
   * Spread the residual mix − Σ stems equally over the stems, so that they add up to the mix
   * (consistent.ts). Off by default: Demucs' own output.
   */
  readonly consistent?: boolean;
  /**
   * Resume at this track sample: only the chunks whose output reaches it run, and regions start
   * there. They equal a whole run's from that sample on when the shift offsets are the same
   * (pass `shiftOffsets` or `seed`).
   */
  readonly from?: number;
  /** Checked between segments (an AbortSignal fits). */
  readonly signal?: { readonly aborted: boolean };
  /**
   * Queue the next segment's run before using the current one's outputs. Worth it when the
   * model runs on another thread (the CLI's worker): the two overlap. When the model runs on
   * this thread it would only delay the first region, so it is off by default.
   */
  readonly pipeline?: boolean;
  readonly onProgress?: (progress: SeparationProgress) => void;
}

export interface SeparationProgress {
  /** Network runs done and planned. */
  readonly runsDone: number;
  readonly runsTotal: number;
  /** Track samples whose stems are final. */
  readonly samplesDone: number;
  readonly samplesTotal: number;
}

/** What a separation will do, known before it starts. */
export interface SeparationPlan {
  readonly stems: readonly StemName[];
  /** The members' segment (they share it). */
  readonly geometry: Geometry;
  readonly shiftOffsets: readonly number[];
  readonly passes: readonly PassPlan[];
  readonly members: readonly BagMember[];
  readonly runsTotal: number;
  /** Where the separation starts (`from`), and the chunks of each pass it leaves out before it. */
  readonly from: number;
  readonly skipped: readonly number[];
}

export function planSeparation(bag: Bag, trackLength: number, options: SeparateOptions = {}): SeparationPlan {
  if (!Number.isInteger(trackLength) || trackLength < 1) {
    throw new DemucsError('AUDIO_EMPTY', 'the track holds no samples');
  }
  const shiftOffsets = options.shiftOffsets ?? defaultShiftOffsets(options);
  const { stems, geometry, ...requested } = planBag(bag, options.stems);
  // Consistent stems need every stem, so every model that has a weight for one.
  const members = options.consistent ? planBag(bag).members : requested.members;
  const stride = strideFor(options.overlap ?? DEFAULT_OVERLAP, geometry.segment);
  const passes = planPasses(trackLength, shiftOffsets, stride, geometry.segment);
  const from = Math.max(0, Math.min(trackLength, Math.floor(options.from ?? 0)));
  const skipped = passes.map((pass) => skippedChunks(pass, from));
  const chunks = passes.reduce((n, p, q) => n + p.chunks.length - skipped[q]!, 0);
  return { stems, geometry, shiftOffsets, passes, members, runsTotal: chunks * members.length, from, skipped };
}

/** The chunks at the start of a pass whose output ends at or before track sample `from` (a prefix). */
function skippedChunks(pass: PassPlan, from: number): number {
  let n = 0;
  while (n < pass.chunks.length && pass.start + pass.chunks[n]!.offset + pass.chunks[n]!.length <= from) n++;
  return n;
}

function defaultShiftOffsets(options: SeparateOptions): number[] {
  const shifts = options.shifts ?? DEFAULT_SHIFTS;
  if (!Number.isInteger(shifts) || shifts < 0) {
    throw new DemucsError('BAD_ARGUMENT', `shifts must be a whole number ≥ 0, got ${shifts}`);
  }
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  return randomShiftOffsets(shifts, seed);
}

/**
 * The Demucs procedure (api.py + apply.py + htdemucs' spectrogram branch) as a stream:
 * yields each region of stems as soon as every chunk touching it has run. Passes of several
 * shifts advance in lockstep (always the one furthest behind), so memory stays bounded by a
 * few segments whatever the track length.
 */
export async function* separate(bag: Bag, source: TrackSource, options: SeparateOptions = {}): AsyncGenerator<StemRegion> {
  if (options.consistent) {
    // The residual needs every stem: separate them all, then keep the requested ones.
    const { consistent: _, stems: requested, ...rest } = options;
    yield* consistentStems(bag.stems, requested, separate(bag, source, rest), source);
    return;
  }
  const plan = planSeparation(bag, source.length, options);
  const spectrogram = await Spectrogram.create(plan.geometry);
  const stems = new RegionAssembler(bag, plan, spectrogram, source);
  const order = lockstepOrder(plan.passes).filter((job) => job.chunk >= plan.skipped[job.pass]!);
  const launch = (job: Job) => launchRuns(source, plan.passes[job.pass]!.chunks[job.chunk]!, spectrogram, plan.members);
  let runsDone = 0;

  // With `pipeline`, one job ahead: while a model that runs elsewhere (a worker thread)
  // computes job j + 1, this thread turns job j's outputs into stems.
  const ahead = options.pipeline ? 1 : 0;
  let queued = order.length > 0 ? await launch(order[0]!) : [];
  for (let j = 0; j < order.length; j++) {
    stopIfAborted(options.signal);
    const job = order[j]!;
    const next = ahead && j + 1 < order.length ? await launch(order[j + 1]!) : null;
    await stems.add(job, queued);
    runsDone += plan.members.length;
    const region = stems.next();
    if (region) yield region;
    options.onProgress?.({ runsDone, runsTotal: plan.runsTotal, samplesDone: stems.emitted, samplesTotal: source.length });
    // Without the pipeline, the next run starts only once this region is out.
    if (next) queued = next;
    else if (j + 1 < order.length) {
      stopIfAborted(options.signal);
      queued = await launch(order[j + 1]!);
    }
  }
}

function stopIfAborted(signal: SeparateOptions['signal']): void {
  if (signal?.aborted) throw new DemucsError('CANCELLED', 'separation was cancelled');
}

/**
 * Reads, normalises and transforms a chunk, and queues its network runs, one per member. A
 * model may take ownership of (transfer) its inputs, so every member but the last gets copies.
 */
async function launchRuns(source: TrackSource, chunk: ChunkPlan, spectrogram: Spectrogram, members: readonly BagMember[]): Promise<Promise<SegmentOutput>[]> {
  const { mix, spec } = await chunkInput(source, chunk, spectrogram);
  return members.map((member, i) => {
    const last = i === members.length - 1;
    const run = runMember(member, last ? mix : mix.slice(), last ? spec : spec.slice());
    run.catch(() => undefined); // awaited by RegionAssembler.add; never an unhandled rejection meanwhile
    return run;
  });
}

/**
 * The stems of a separation being put together: each chunk's network outputs overlap-added
 * into its pass (one per shift), and each region that every pass has finished read back as the
 * de-normalised average of the passes.
 */
class RegionAssembler {
  readonly #plan: SeparationPlan;
  readonly #spectrogram: Spectrogram;
  readonly #source: TrackSource;
  /** Per requested stem: its index among the bag's stems, and the members' total weight for it. */
  readonly #stemIndex: number[];
  readonly #totals: number[];
  readonly #accumulators: PassAccumulator[];
  /** Chunks of each pass that have run (those left out before `from` among them). */
  readonly #done: number[];
  #emitted: number;

  constructor(bag: Bag, plan: SeparationPlan, spectrogram: Spectrogram, source: TrackSource) {
    const { passes, members, geometry } = plan;
    this.#plan = plan;
    this.#spectrogram = spectrogram;
    this.#source = source;
    this.#stemIndex = plan.stems.map((name) => bag.stems.indexOf(name));
    this.#totals = this.#stemIndex.map((s) => members.reduce((t, m) => t + (m.weights[s] ?? 0), 0));
    const weight = triangleWeight(geometry.segment);
    this.#accumulators = passes.map(() => new PassAccumulator(plan.stems.length, weight));
    this.#done = [...plan.skipped];
    this.#emitted = plan.from;
  }

  /** Track sample up to which regions have gone out. */
  get emitted(): number {
    return this.#emitted;
  }

  /** Adds the outputs of a job's runs (`runs[i]`: member i's), releasing each once used. */
  async add(job: Job, runs: readonly Promise<SegmentOutput>[]): Promise<void> {
    const { segment, specSize } = this.#plan.geometry;
    const pass = this.#plan.passes[job.pass]!;
    const chunk = pass.chunks[job.chunk]!;
    const acc = this.#accumulators[job.pass]!;
    acc.reserve(chunk.offset, chunk.length, this.#emitted - pass.start);
    acc.addWeights(chunk.offset, chunk.length);
    for (const [i, member] of this.#plan.members.entries()) {
      const out = await runs[i]!;
      try {
        for (let r = 0; r < this.#stemIndex.length; r++) {
          const s = this.#stemIndex[r]!;
          const w = member.weights[s] ?? 0;
          if (w === 0) continue;
          // Stem = waveform branch + inverse of the spectrogram branch, summed in place.
          const y = out.wave.subarray(s * CHANNELS * segment, (s + 1) * CHANNELS * segment);
          this.#spectrogram.inverseAdd(out.spec, s * specSize, y);
          acc.addStem(r, chunk.offset, chunk.length, chunk.trim, y, w / this.#totals[r]!);
        }
      } finally {
        out.dispose?.();
      }
    }
    this.#done[job.pass]!++;
  }

  /** The region that every pass has finished since the last one (null: none yet). */
  next(): StemRegion | null {
    let ready = this.#source.length;
    for (let q = 0; q < this.#plan.passes.length; q++) ready = Math.min(ready, this.#frontier(q));
    if (ready <= this.#emitted) return null;
    const region = this.#read(this.#emitted, ready - this.#emitted);
    this.#emitted = ready;
    return region;
  }

  /** Track sample up to which pass p is final, once `done[p]` of its chunks have run. */
  #frontier(p: number): number {
    const pass = this.#plan.passes[p]!;
    const next = pass.chunks[this.#done[p]!];
    return pass.start + (next ? next.offset : pass.length);
  }

  #read(start: number, length: number): StemRegion {
    const { passes } = this.#plan;
    const { stats } = this.#source;
    const channels: Float32Array[][] = [];
    // De-normalised average of the passes: mean + scale · Σ_q (1/passes) · pass_q.
    const factor = normScale(stats) / passes.length;
    for (let r = 0; r < this.#stemIndex.length; r++) {
      const stem: Float32Array[] = [];
      for (let c = 0; c < CHANNELS; c++) {
        const out = new Float32Array(length).fill(stats.mean);
        for (let q = 0; q < passes.length; q++) this.#accumulators[q]!.readInto(r, c, start - passes[q]!.start, length, factor, out, 0);
        stem.push(out);
      }
      channels.push(stem);
    }
    return { start, length, channels };
  }
}

/**
 * The two network inputs of a chunk: the normalised padded mix and its CaC spectrogram, at
 * the spectrogram's geometry.
 */
export async function chunkInput(source: TrackSource, chunk: ChunkPlan, spectrogram: Spectrogram): Promise<{ mix: Float32Array; spec: Float32Array }> {
  const { segment, specSize } = spectrogram.geometry;
  const mix = new Float32Array(CHANNELS * segment);
  await source.read(chunk.readStart, mix.subarray(0, segment), mix.subarray(segment));
  normaliseInside(mix, segment, chunk.readStart, source.length, source.stats.mean, normScale(source.stats));
  const spec = new Float32Array(specSize);
  spectrogram.forward(mix, spec);
  return { mix, spec };
}

/** One network call of the plan: chunk `chunk` of pass `pass`. */
interface Job {
  readonly pass: number;
  readonly chunk: number;
}

/**
 * The order in which chunks run: always the next chunk of the pass whose finished output
 * reaches least far, so several shifts advance in lockstep and regions come out early.
 */
export function lockstepOrder(passes: readonly PassPlan[]): Job[] {
  const next = passes.map(() => 0);
  const reach = (p: number): number => {
    const pass = passes[p]!;
    const chunk = pass.chunks[next[p]!];
    return pass.start + (chunk ? chunk.offset : pass.length);
  };
  const order: Job[] = [];
  for (;;) {
    let p = -1;
    for (let q = 0; q < passes.length; q++) {
      if (next[q]! < passes[q]!.chunks.length && (p < 0 || reach(q) < reach(p))) p = q;
    }
    if (p < 0) return order;
    order.push({ pass: p, chunk: next[p]! });
    next[p]!++;
  }
}

/**
 * Normalises the track samples of a padded chunk in place, in float32 steps as torch does.
 * Padding outside the track stays 0: apply.py pads the already normalised track with zeros.
 */
function normaliseInside(mix: Float32Array, segment: number, readStart: number, trackLength: number, mean: number, scale: number): void {
  const from = Math.max(0, -readStart);
  const to = Math.min(segment, trackLength - readStart);
  for (let c = 0; c < CHANNELS; c++) {
    const base = c * segment;
    mix.fill(0, base, base + Math.max(0, from));
    for (let i = from; i < to; i++) mix[base + i] = Math.fround(mix[base + i]! - mean) / scale;
    mix.fill(0, base + Math.max(from, to), base + segment);
  }
}

async function runMember(member: BagMember, mix: Float32Array, spec: Float32Array): Promise<SegmentOutput> {
  try {
    return await member.model.run(mix, spec);
  } catch (error) {
    if (isDemucsError(error)) throw error;
    const label = member.label ? ` ${member.label}` : '';
    throw new DemucsError('MODEL_RUN', `model${label} failed to run: ${(error as Error)?.message ?? error}`, { cause: error });
  }
}
