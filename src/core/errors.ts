/**
 * Errors that cross module, worker and process boundaries: the one coded error of the project
 * (engine, CLI, workers and page alike). Callers branch on `code`, never on the class or the
 * message, which is for people.
 */
export type DemucsErrorCode =
  | 'BAD_ARGUMENT'
  | 'AUDIO_DECODE'
  | 'AUDIO_UNSUPPORTED'
  | 'AUDIO_EMPTY'
  | 'AUDIO_NOT_FINITE'
  | 'AUDIO_TOO_LONG'
  | 'MODEL_LOAD'
  | 'MODEL_CONTRACT'
  | 'MODEL_RUN'
  | 'MANIFEST'
  | 'CHECKPOINT'
  | 'IO'
  | 'STORAGE_FULL'
  | 'CANCELLED'
  // Model delivery and the browser: a download, its sha256, the execution backends, Web Audio,
  // an export, cross-origin isolation, a worker that died.
  | 'MODEL_INTEGRITY'
  | 'MODEL_DOWNLOAD'
  | 'BACKEND'
  | 'AUDIO_CONTEXT'
  | 'EXPORT'
  | 'NOT_ISOLATED'
  | 'WORKER_CRASHED';

export class DemucsError extends Error {
  override readonly name = 'DemucsError';
  readonly code: DemucsErrorCode;

  constructor(code: DemucsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isDemucsError(value: unknown): value is DemucsError {
  return value instanceof Error && value.name === 'DemucsError' && typeof (value as DemucsError).code === 'string';
}

/** A short human description of any thrown value. */
export function describeError(value: unknown): string {
  if (value instanceof Error) return value.message;
  return String(value);
}
