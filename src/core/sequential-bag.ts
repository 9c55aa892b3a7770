import { neededModels, resolveStems } from './bag.ts';
import { consistentStems } from './consistent.ts';
import { CHANNELS } from './constants.ts';
import { DemucsError } from './errors.ts';
import type { SegmentModel } from './model.ts';
import { planSeparation, separate, type SeparateOptions, type SeparationProgress } from './separator.ts';
import type { StemName } from './stems.ts';
import type { StemRegion, TrackSource } from './track.ts';

/** A bag member that is opened only when its turn comes, and released after. */
export interface LazyMember {
  readonly label: string;
  readonly weights: readonly number[];
  open(): Promise<SegmentModel & { release(): Promise<void> }>;
}

export interface MemberProgress extends SeparationProgress {
  /** The member running now: index among the members this request needs, and their count. */
  readonly member: { readonly index: number; readonly count: number; readonly label: string; readonly stage: 'loading' | 'running' };
}

export interface SequentialOptions extends Omit<SeparateOptions, 'onProgress' | 'pipeline'> {
  readonly onProgress?: (progress: MemberProgress) => void;
  /** Samples per yielded region once every member has run. Default: 10 s. */
  readonly regionLength?: number;
}

/**
 * A bag run one member at a time, as Demucs' apply_model does for a bag (out += weight ×
 * apply_model(member), then / Σ weights): open a member, run every chunk of the track, release
 * it, open the next. One network in memory at a time (a browser's WASM heap holds one
 * htdemucs inference session), at the cost of keeping the whole track's stems and of yielding
 * them only once the last member has run. Every member sees the same shift offsets. Only the
 * members the requested stems need are opened, each for the stems it has a weight for.
 */
export async function* separateOneMemberAtATime(
  stems: readonly StemName[],
  members: readonly LazyMember[],
  source: TrackSource,
  options: SequentialOptions = {},
): AsyncGenerator<StemRegion> {
  if (members.length === 0) throw new DemucsError('MANIFEST', 'the bag holds no model');
  if (options.consistent) {
    // The residual needs every stem: separate them all, then keep the requested ones.
    const { consistent: _, stems: wanted, ...rest } = options;
    yield* consistentStems(stems, wanted, separateOneMemberAtATime(stems, members, source, rest), source);
    return;
  }
  const requested = resolveStems(stems, options.stems);
  const needed = neededModels(stems, members.map((m) => m.weights), requested);
  const stemIndex = requested.map((name) => stems.indexOf(name));
  const totals = stemIndex.map((s) => needed.reduce((t, k) => t + (members[k]!.weights[s] ?? 0), 0));
  const N = source.length;
  const sums = requested.map(() => Array.from({ length: CHANNELS }, () => new Float32Array(N)));
  const { onProgress, regionLength = 441000, ...separateOptions } = options;

  let shiftOffsets = options.shiftOffsets;
  let runsBefore = 0;
  let runsTotal = 0;
  for (const [index, k] of needed.entries()) {
    const member = members[k]!;
    const own = requested.filter((_, r) => (member.weights[stemIndex[r]!] ?? 0) > 0);
    const progress = (stage: 'loading' | 'running', runsDone: number) =>
      onProgress?.({ runsDone, runsTotal, samplesDone: 0, samplesTotal: N, member: { index, count: needed.length, label: member.label, stage } });
    progress('loading', runsBefore);
    if (options.signal?.aborted) throw new DemucsError('CANCELLED', 'separation was cancelled');
    const model = await member.open();
    try {
      const bag = { stems, members: [{ model, weights: member.weights, label: member.label }] };
      const plan = planSeparation(bag, N, { ...separateOptions, ...(shiftOffsets ? { shiftOffsets } : {}), stems: own });
      shiftOffsets ??= plan.shiftOffsets;
      // Every member runs as many chunks (same segment, shifts and track): the first tells.
      if (runsTotal === 0) runsTotal = plan.runsTotal * needed.length;
      for await (const region of separate(bag, source, {
        ...separateOptions,
        shiftOffsets,
        stems: own,
        onProgress: (p) => progress('running', runsBefore + p.runsDone),
      })) {
        own.forEach((name, o) => {
          const r = requested.indexOf(name);
          const share = (member.weights[stemIndex[r]!] ?? 0) / totals[r]!;
          for (let c = 0; c < CHANNELS; c++) {
            const sum = sums[r]![c]!;
            const y = region.channels[o]![c]!;
            for (let i = 0; i < region.length; i++) sum[region.start + i]! += share * y[i]!;
          }
        });
      }
      runsBefore += plan.runsTotal;
    } finally {
      await model.release();
    }
  }
  for (let start = 0; start < N; start += regionLength) {
    const length = Math.min(regionLength, N - start);
    yield { start, length, channels: sums.map((stem) => stem.map((c) => c.slice(start, start + length))) };
  }
}
