import { CHANNELS, RENDER_QUANTUM, SAMPLE_RATE, SEGMENT } from './constants.ts';
import { DemucsError } from './errors.ts';
import { HTDEMUCS_GEOMETRY, type Geometry } from './geometry.ts';
import type { SegmentModel } from './model.ts';
import { normScale, StatsAccumulator, type NormStats } from './normalize.ts';
import { chunkInput } from './separator.ts';
import { Spectrogram } from './spectrogram.ts';
import type { TrackSource } from './track.ts';

/**
 * Live separation's latency model. Every `hop` (H) new input samples, the model runs on the
 * last segment (T) of input and the region that ends `lookahead` (L) samples before the newest one,
 * H long, is emitted, cross-faded over `crossfade` samples with the previous run's output.
 * Output for input sample n is played at n + latency, where
 *   latency = L + H + margin   (margin ≥ crossfade + one run's compute time)
 * rounded up to whole render quanta.
 */
export interface LiveTiming {
  readonly hop: number;
  readonly lookahead: number;
  readonly margin: number;
  readonly crossfade: number;
}

export type LatencyPreset = 'low' | 'balanced' | 'quality';

/**
 * The presets, as shares of the model's segment: a run costs about the same however little new
 * audio it brings, so hop, lookahead and margin (which must cover a run's compute) scale with
 * the window. Written in seconds of the released 7.8 s window, where they are exactly these.
 */
const PRESET_SECONDS: Record<LatencyPreset, { hop: number; lookahead: number; margin: number; crossfade: number }> = {
  low: { hop: 0.5, lookahead: 0.5, margin: 0.5, crossfade: 1024 },
  balanced: { hop: 1, lookahead: 1, margin: 0.75, crossfade: 2048 },
  quality: { hop: 2, lookahead: 2.5, margin: 1, crossfade: 4096 },
};

/**
 * A preset's timing for a model's segment ("balanced", 2.75 s on the released models, is the
 * default, meant for a device with WebGPU). The cross-fade stays in samples (a sound quality),
 * shortened only when a short window's hop could not hold two.
 */
export function latencyPreset(name: LatencyPreset, geometry: Geometry = HTDEMUCS_GEOMETRY): LiveTiming {
  const p = PRESET_SECONDS[name];
  const share = (seconds: number) => Math.round((seconds * SAMPLE_RATE * geometry.segment) / SEGMENT);
  const hop = Math.max(RENDER_QUANTUM, share(p.hop));
  const crossfade = Math.min(p.crossfade, Math.floor(hop / 2));
  return { hop, lookahead: share(p.lookahead), margin: Math.max(crossfade, share(p.margin)), crossfade };
}

/** The presets for the released 7.8 s models. */
export const LATENCY_PRESETS: Record<LatencyPreset, LiveTiming> = {
  low: latencyPreset('low'),
  balanced: latencyPreset('balanced'),
  quality: latencyPreset('quality'),
};

export function checkTiming(t: LiveTiming, geometry: Geometry = HTDEMUCS_GEOMETRY): LiveTiming {
  const whole = [t.hop, t.lookahead, t.margin, t.crossfade].every((x) => Number.isInteger(x) && x >= 0);
  if (!whole || t.hop < 2 * t.crossfade || t.hop < RENDER_QUANTUM || t.margin < t.crossfade) {
    throw new DemucsError('BAD_ARGUMENT', `live timing needs whole sample counts, hop ≥ 2 × crossfade and ≥ ${RENDER_QUANTUM}, margin ≥ crossfade`);
  }
  if (t.lookahead + t.hop + t.crossfade > geometry.segment) {
    throw new DemucsError('BAD_ARGUMENT', `lookahead + hop + crossfade must fit in one segment (${geometry.segment} samples)`);
  }
  return t;
}

/** The stated latency in samples: L + H + margin, rounded up to whole render quanta. */
export function statedLatency(t: LiveTiming): number {
  return Math.ceil((t.lookahead + t.hop + t.margin) / RENDER_QUANTUM) * RENDER_QUANTUM;
}

/** A timing with a larger hop (for a device that cannot keep up), keeping L and the margin's share. */
export function widenHop(t: LiveTiming, computeSamples: number, geometry: Geometry = HTDEMUCS_GEOMETRY): LiveTiming {
  const hop = Math.min(geometry.segment - t.lookahead - t.crossfade, Math.max(Math.ceil(t.hop * 1.5), Math.ceil(computeSamples * 1.25)));
  return { ...t, hop, margin: Math.max(t.margin, Math.ceil(computeSamples * 1.1) + t.crossfade) };
}

/** A hop this many times a run's compute holds: the worker busy 80 % of the time at most. */
export const HOLD_HOP = 1.25;
/**
 * The margin covers a run's compute this many times over, and the cross-fade: once live, runs
 * take longer than the one timed at load (the audio thread and the page share the cores; measured
 * here: 5 % longer on average, a few 25 % longer), and a run later than the margin is a dropout.
 * With 1.1 the 3.9 s model dropped out 8 times in 150 s on the built page; with 1.5, none.
 */
export const HOLD_MARGIN = 1.5;

/**
 * The timing that holds on a device whose run takes `computeSamples`, chosen in one step from
 * `t`: `t` itself when it already holds; otherwise the hop widened to HOLD_HOP runs and the
 * margin to HOLD_MARGIN runs and the cross-fade. Where the window cannot take that hop after
 * the lookahead, the lookahead gives way (a little less context for each run's last samples);
 * past a hop as long as the window less the cross-fade, nothing holds and `holds` says so.
 */
export function holdingTiming(t: LiveTiming, computeSamples: number, geometry: Geometry = HTDEMUCS_GEOMETRY): { timing: LiveTiming; holds: boolean } {
  const hopNeeded = Math.max(t.hop, Math.ceil(computeSamples * HOLD_HOP));
  const margin = Math.max(t.margin, Math.ceil(computeSamples * HOLD_MARGIN) + t.crossfade);
  const room = geometry.segment - t.crossfade;
  const lookahead = Math.max(0, Math.min(t.lookahead, room - hopNeeded));
  const hop = Math.min(hopNeeded, room - lookahead);
  return { timing: { ...t, hop, lookahead, margin }, holds: hop >= computeSamples * HOLD_HOP };
}

/** Stems for input samples [start, start + length): channels[s] = [left, right]. */
export interface LiveRegion {
  readonly start: number;
  readonly length: number;
  readonly channels: Float32Array[][];
}

/**
 * The streaming side of live mode, environment-free: feed input blocks, run when a hop is due,
 * get contiguous regions of stems. Normalisation uses the running statistics of everything
 * heard so far (the future is unknown): they converge to the track's own as it plays, and the
 * cross-fades smooth each run's small change.
 */
export class LiveSeparator {
  readonly timing: LiveTiming;
  readonly #model: SegmentModel;
  readonly #stems: number;
  readonly #spectrogram: Spectrogram;
  readonly #stats = new StatsAccumulator();
  /**
   * The newest input samples per channel (#received counts all samples ever): a run's window
   * (the segment) and a hop, plus another segment so that when a run comes back late (by up to
   * about a segment − lookahead), the skipped span can still be filled with the dry input.
   */
  readonly #history: [Float32Array, Float32Array];
  #received = 0;
  #runs = 0;
  /** The previous run's last `crossfade` samples per stem and channel, to fade into. */
  #tail: Float32Array[][] | null = null;

  private constructor(model: SegmentModel, stems: number, timing: LiveTiming, spectrogram: Spectrogram) {
    this.#model = model;
    this.#stems = stems;
    this.timing = checkTiming(timing, model.geometry);
    this.#spectrogram = spectrogram;
    const capacity = 2 * model.geometry.segment + timing.hop;
    this.#history = [new Float32Array(capacity), new Float32Array(capacity)];
  }

  static async create(model: SegmentModel, stems: number, timing: LiveTiming): Promise<LiveSeparator> {
    return new LiveSeparator(model, stems, timing, await Spectrogram.create(model.geometry));
  }

  /** Input samples received so far. */
  get received(): number {
    return this.#received;
  }

  /** Output samples emitted so far (the next region starts here). */
  get emitted(): number {
    return this.#runs === 0 ? 0 : this.#runs * this.timing.hop - this.timing.crossfade;
  }

  /** Input sample up to which the next run needs input: (runs + 1) · H + L. */
  get nextRunAt(): number {
    return (this.#runs + 1) * this.timing.hop + this.timing.lookahead;
  }

  /** Whether enough input has come for the next run. */
  get due(): boolean {
    return this.#received >= this.nextRunAt;
  }

  /**
   * When input has run a hop or more ahead of the runs (compute slower than real time), skips
   * the runs in between so that the next one is on the newest input. Returns the skipped span
   * as a region of the dry input shared evenly by the stems (what the playback plays when stems
   * are missing), and fades the next run in from it; null when not behind.
   */
  catchUp(): LiveRegion | null {
    const behind = this.#received - this.nextRunAt;
    if (behind < this.timing.hop) return null;
    const from = this.emitted;
    this.#runs += Math.floor(behind / this.timing.hop);
    const to = this.emitted;
    const crossfade = this.timing.crossfade;
    const [hl, hr] = this.#history;
    const capacity = hl.length;
    const share = 1 / this.#stems;
    const dry = (history: Float32Array, j: number): number => {
      const at = capacity - (this.#received - j);
      return j >= 0 && at >= 0 && at < capacity ? history[at]! * share : 0;
    };
    const channels: Float32Array[][] = [];
    const tails: Float32Array[][] = [];
    for (let stem = 0; stem < this.#stems; stem++) {
      channels.push([hl, hr].map((h) => Float32Array.from({ length: to - from }, (_, i) => dry(h, from + i))));
      tails.push([hl, hr].map((h) => Float32Array.from({ length: crossfade }, (_, i) => dry(h, to + i))));
    }
    this.#tail = tails;
    return { start: from, length: to - from, channels };
  }

  /** Appends input (any block size; NaN/∞ refused). */
  push(left: Float32Array, right: Float32Array): void {
    const n = left.length;
    this.#stats.add(left, right, n, this.#received);
    const [hl, hr] = this.#history;
    const capacity = hl.length;
    if (n >= capacity) {
      hl.set(left.subarray(n - capacity));
      hr.set(right.subarray(n - capacity));
    } else {
      hl.copyWithin(0, n);
      hr.copyWithin(0, n);
      hl.set(left, capacity - n);
      hr.set(right, capacity - n);
    }
    this.#received += n;
  }

  /** Runs the model on the window ending at `nextRunAt` and returns the next region. */
  async run(): Promise<LiveRegion> {
    if (!this.due) throw new DemucsError('BAD_ARGUMENT', 'not enough input for the next run');
    const { hop, crossfade } = this.timing;
    const end = this.nextRunAt;
    const stats: NormStats = this.#stats.result();
    const scale = normScale(stats);
    const [hl, hr] = this.#history;
    const received = this.#received;
    const capacity = hl.length;
    // A view of the history as a track: sample j is history[capacity - (received - j)].
    const source: TrackSource = {
      length: end,
      stats,
      read(start, l, r) {
        l.fill(0);
        r.fill(0);
        for (let i = 0; i < l.length; i++) {
          const at = capacity - (received - (start + i));
          if (start + i >= 0 && at >= 0 && at < capacity) {
            l[i] = hl[at]!;
            r[i] = hr[at]!;
          }
        }
      },
    };
    const { segment, specSize } = this.#spectrogram.geometry;
    const windowStart = end - segment;
    const { mix, spec } = await chunkInput(source, { offset: 0, length: segment, readStart: windowStart, trim: 0 }, this.#spectrogram);
    const out = await this.#model.run(mix, spec);
    // This run's output [k·H - X, (k+1)·H) (k = #runs); it emits up to (k+1)·H - X.
    const k = this.#runs;
    const from = k === 0 ? 0 : k * hop - crossfade;
    const to = (k + 1) * hop - crossfade;
    const channels: Float32Array[][] = [];
    const tails: Float32Array[][] = [];
    for (let stem = 0; stem < this.#stems; stem++) {
      const y = out.wave.subarray(stem * CHANNELS * segment, (stem + 1) * CHANNELS * segment);
      this.#spectrogram.inverseAdd(out.spec, stem * specSize, y);
      const stemChannels: Float32Array[] = [];
      const stemTails: Float32Array[] = [];
      for (let c = 0; c < CHANNELS; c++) {
        const region = new Float32Array(to - from);
        const base = c * segment - windowStart;
        for (let n = from; n < to; n++) region[n - from] = y[base + n]! * scale + stats.mean;
        const previous = this.#tail?.[stem]?.[c];
        if (previous) {
          // Equal-gain linear cross-fade over [k·H - X, k·H) from the previous run's output.
          for (let i = 0; i < crossfade; i++) {
            const r = (i + 0.5) / crossfade;
            region[i] = (1 - r) * previous[i]! + r * region[i]!;
          }
        }
        const tail = new Float32Array(crossfade);
        for (let i = 0; i < crossfade; i++) tail[i] = y[base + to + i]! * scale + stats.mean;
        stemChannels.push(region);
        stemTails.push(tail);
      }
      channels.push(stemChannels);
      tails.push(stemTails);
    }
    out.dispose?.();
    this.#tail = tails;
    this.#runs++;
    return { start: from, length: to - from, channels };
  }
}
