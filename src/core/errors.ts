/**
 * Errors that cross module, worker and process boundaries. Callers branch on `code`,
 * never on the message, which is for people.
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
  | 'CANCELLED';

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
