import type { MixerErrorCode } from '../src/worker/protocol.ts';

/** An error of the mixer, with a stable `code` to branch on. */
export class MixerError extends Error {
  override readonly name = 'MixerError';
  constructor(
    readonly code: MixerErrorCode,
    message: string,
  ) {
    super(message);
  }
}
