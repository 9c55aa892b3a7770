/** The mixer's events: typed, bubbling, composed, prefixed `demucs-`. */
import type { StemName } from '../src/core/stems.ts';
import type { Backend, ModelProgress } from '../src/worker/protocol.ts';
import type { DemucsErrorCode } from '../src/core/errors.ts';

export interface ModelProgressDetail {
  readonly progress: ModelProgress;
}
export interface ReadyDetail {
  readonly backend: Backend;
  readonly stems: readonly StemName[];
  readonly threads: number;
  readonly fallbacks: readonly string[];
}
export interface ProgressDetail {
  /** Seconds of the track whose stems are separated. */
  readonly separatedSeconds: number;
  readonly duration: number;
  /** 0…1 */
  readonly fraction: number;
  /** Estimated seconds to completion, null until one segment has run. */
  readonly etaSeconds: number | null;
  readonly done: boolean;
  /** Network runs done and planned (across a bag's members). */
  readonly runsDone: number;
  readonly runsTotal: number;
  /** A bag: the member loading or running (index of count), else absent. */
  readonly member?: { readonly index: number; readonly count: number; readonly label: string; readonly stage: 'loading' | 'running' };
}
export interface ErrorDetail {
  readonly code: DemucsErrorCode;
  readonly message: string;
}

export type LiveState = 'off' | 'starting' | 'running' | 'error';
export interface LiveStateDetail {
  readonly state: LiveState;
  /** Stated latency in seconds (0 when off). */
  readonly latency: number;
  readonly backend: Backend | null;
}
export interface XrunDetail {
  /** Dropouts so far: spans played dry while their stems were due, the first one included. */
  readonly xruns: number;
  readonly latency: number;
  /** A latency (seconds) with a hop large enough for the compute time measured. */
  readonly suggestedLatency: number;
  /** Seconds played dry over all the dropouts so far. */
  readonly drySeconds: number;
}

export type DemucsModelProgressEvent = CustomEvent<ModelProgressDetail>;
export type DemucsReadyEvent = CustomEvent<ReadyDetail>;
export type DemucsProgressEvent = CustomEvent<ProgressDetail>;
export type DemucsErrorEvent = CustomEvent<ErrorDetail>;
export type DemucsLiveStateEvent = CustomEvent<LiveStateDetail>;
export type DemucsXrunEvent = CustomEvent<XrunDetail>;

declare global {
  interface GlobalEventHandlersEventMap {
    'demucs-model-progress': DemucsModelProgressEvent;
    'demucs-ready': DemucsReadyEvent;
    'demucs-progress': DemucsProgressEvent;
    'demucs-error': DemucsErrorEvent;
    'demucs-live-state': DemucsLiveStateEvent;
    'demucs-xrun': DemucsXrunEvent;
  }
}

export type MixerEventName = 'demucs-model-progress' | 'demucs-ready' | 'demucs-progress' | 'demucs-error' | 'demucs-live-state' | 'demucs-xrun';

export function mixerEvent<K extends MixerEventName>(
  type: K,
  detail: GlobalEventHandlersEventMap[K]['detail'],
): CustomEvent {
  return new CustomEvent(type, { detail, bubbles: true, composed: true });
}
