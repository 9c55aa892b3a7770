/**
 * What a stored separation is (stored-separations.ts), and what the store says of the stems it
 * keeps (song-stems.ts), as types only: the page's side and the package's declarations use them
 * without the worker-only file system APIs or the encoders.
 */
import type { StemName } from '../core/stems.ts';

/** What makes two separations of the same song the same: the model and the settings. */
export interface SeparationKey {
  /** The model: its sha256 when the page gave one, else its URL (or a file's name, size and date). */
  readonly model: string;
  readonly settings: { readonly shifts: number; readonly overlap: number; readonly consistent: boolean };
}

/** A stored separation's description, as its folder keeps it (`session.json`). */
export interface StoredSeparationMeta extends SeparationKey {
  readonly version: 1;
  readonly id: string;
  /** The song's file name or URL, as the page named it. */
  readonly name: string;
  /** Null until it is known (a song is separated while it is hashed). */
  songSha256: string | null;
  /** The file's name, size and date (or URL, size and validator): found by it before the sha256 is known. */
  readonly signature: string | null;
  /** Seed of the random shifts, kept so that a resumed run continues the same separation. */
  readonly seed: number;
  readonly stems: readonly StemName[];
  /** Frames of the song at 44.1 kHz. */
  readonly length: number;
  /** Frames separated and on disk, contiguous from the start. */
  separated: number;
  complete: boolean;
  readonly created: number;
  opened: number;
}

/** A stored separation, as `stored()` lists it. */
export interface StoredSeparation {
  readonly id: string;
  readonly name: string;
  readonly songSha256: string | null;
  readonly model: string;
  readonly settings: SeparationKey['settings'];
  readonly stems: readonly StemName[];
  /** Seconds of the song, and of it separated. */
  readonly duration: number;
  readonly separatedSeconds: number;
  readonly complete: boolean;
  /** Bytes its files take. */
  readonly bytes: number;
  /** When it was made, and last opened (ms since 1970). */
  readonly created: number;
  readonly opened: number;
}

/** Why stems (or an export) could not be kept. */
export type StoreFailure = {
  readonly ok: false;
  readonly code: 'STORAGE_FULL' | 'IO';
  readonly message: string;
  /** Frames kept after the failure, contiguous from the start: on disk, then in memory. */
  readonly written: number;
};

/** Stems the storage refused, kept in memory: from which frame, how many bytes, within which budget. */
export interface MemoryUse {
  readonly from: number;
  readonly bytes: number;
  readonly budget: number;
}

/** A region kept: frames contiguous from the start (on disk, then in memory), and what memory holds. */
export type StoreWritten = { readonly ok: true; readonly written: number; readonly memory: MemoryUse | null };
