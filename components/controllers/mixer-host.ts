/** What the mixer's controllers and parts share: the element's settings, the mix, and the error shown. */
import type { ReactiveControllerHost } from 'lit';
import type { Backend } from '../../src/worker/protocol.ts';
import type { MixController } from './mix-controller.ts';
import type { DemucsError, DemucsErrorCode } from '../../src/core/errors.ts';

/** The element as its controllers see it: its settings, and events dispatched from it. */
export interface MixerHost extends ReactiveControllerHost, EventTarget {
  readonly model: string;
  readonly liveModel: string;
  readonly shifts: number;
  readonly overlap: number;
  readonly consistent: boolean;
  readonly backends: Backend[];
  readonly assets: string;
  readonly _stageDelayForTests: number;
}

export interface MixerFailure {
  readonly code: DemucsErrorCode;
  readonly message: string;
}

/** Errors told already (a demucs-error and the status line), or never to be told (a call superseded): passed on as they are. */
const told = new WeakSet<object>();

/** Marks `error` as told (see `wasTold`) and returns it. */
export function alreadyTold<E extends Error>(error: E): E {
  told.add(error);
  return error;
}

export function wasTold(error: unknown): boolean {
  return typeof error === 'object' && error !== null && told.has(error);
}

export interface MixerShared {
  readonly host: MixerHost;
  readonly mix: MixController;
  /** The error the status line shows (null: none). */
  error: MixerFailure | null;
  /** WASM threads the page asked for (the element's `threads`; 0: automatic). */
  threads: number;
  /** Shows an error (and fires demucs-error); returns it to throw. */
  fail(code: DemucsErrorCode, message: string): DemucsError;
}
