/**
 * The shared memory of live mode, between the live processor (on the audio thread), the
 * streaming worker and the page. Environment-free: only layouts.
 */
import { CHANNELS } from './constants.ts';

/** Int32 slots of the control array. */
export const CONTROL = {
  /**
   * Render quanta the live processor has taken in and played (incremented, then notified: the
   * worker waits on it for input, and for room in the stem rings).
   */
  quanta: 0,
  /**
   * Dropouts: spans of render quanta played dry while their stems were due, each counted once
   * when it begins, the first one included (stems not ready when the first input's time came).
   */
  xruns: 1,
  /** What the playback plays: MODE.waiting, MODE.stems or MODE.dry. */
  mode: 2,
  /** Set to 1 to stop the streaming worker. */
  stop: 3,
  /** Input frames lost because the input ring was full (the worker stalled). */
  overruns: 4,
  /** Stem frames the playback dropped because they came too late. */
  late: 5,
  /** Quanta played from stems (not dry). */
  stemQuanta: 6,
  /** Render quanta played dry while their stems were due (the dropouts' length). */
  dryQuanta: 7,
} as const;
export const CONTROL_SLOTS = 8;

/** Values of CONTROL.mode. */
export const MODE = {
  /** Before the first input's time has come: the latency's pre-roll, nothing due yet. */
  waiting: 0,
  /** Playing separated stems. */
  stems: 1,
  /** Playing the dry input while stems were due: a dropout. */
  dry: 2,
} as const;

/** Test hook: the streaming worker stalls once, for `milliseconds`, after its run number `afterRuns`. */
export interface LiveStall {
  readonly afterRuns: number;
  readonly milliseconds: number;
}

/** Interleaved stereo floats the input ring holds: four of the model's segments, enough for a slow run's backlog. */
export function inputRingFloats(segment: number): number {
  return CHANNELS * 4 * segment;
}
/**
 * Interleaved stereo floats each stem ring holds: what a run can have written ahead of the
 * playback (up to the latency and a hop when runs are quick), and at least two segments. A ring
 * too small for a long latency would cut regions short and shift every later stem sample.
 */
export function stemRingFloats(latency: number, hop: number, segment: number): number {
  return CHANNELS * Math.max(2 * segment, latency + 2 * hop);
}

/**
 * Float64 values the filler ring holds: [start, end) stem-frame pairs of the spans the worker
 * filled with the dry input when it skipped ahead (what is then heard is the dry signal, a
 * dropout, though it comes through the stem rings). One pair per catch-up, far fewer than this
 * between two reads of the playback.
 */
export const FILLER_RING_FLOATS = 2 * 256;

/** Everything the three parties share, made once by the page. */
export interface LiveMemory {
  readonly control: SharedArrayBuffer;
  readonly input: SharedArrayBuffer;
  readonly stems: SharedArrayBuffer[];
  /** The worker's dry-filled spans, for the playback's count of dropouts (FILLER_RING_FLOATS). */
  readonly filler: SharedArrayBuffer;
}
