/**
 * Where a song's stems are kept as they are separated: on disk through the store's worker, which
 * keeps in memory what the disk refuses (src/worker/song-stems.ts); without a store, by the
 * player, within the same memory budget. Says what memory holds, and stops the song where its
 * stems can no longer be kept.
 */
import { SAMPLE_RATE } from '../../src/core/constants.ts';
import type { DemucsErrorCode } from '../../src/core/errors.ts';
import { FRAME_BYTES, memoryBudget } from '../../src/core/memory-tail.ts';
import type { RegionMessage } from '../../src/worker/protocol.ts';
import type { StemPlayer } from '../audio/stem-player.ts';
import type { MemoryUse, SongFiles } from '../clients/stem-store-client.ts';

export interface KeepingHost {
  /** What memory holds has changed. */
  changed(): void;
  /** The stems can be kept only up to `frames`: the song stops there with this failure. */
  stop(frames: number, code: DemucsErrorCode, message: string): void;
}

export class StemKeeping {
  /** Stems kept in memory because the storage refused them or there is none (null: all on disk). */
  memory: MemoryUse | null = null;
  readonly #files: SongFiles | null;
  readonly #player: StemPlayer;
  readonly #host: KeepingHost;

  constructor(files: SongFiles | null, player: StemPlayer, host: KeepingHost) {
    this.#files = files;
    this.#player = player;
    this.#host = host;
  }

  /**
   * Whether the stems up to frame `end` can be kept: always with a store (it says later); without
   * one, while the player's stems stay within the budget. When not, the song stops where it is.
   */
  admits(end: number): boolean {
    if (this.#files) return true;
    const player = this.#player;
    const budget = memoryBudget();
    const bytes = end * player.stems.length * FRAME_BYTES;
    if (bytes <= budget) {
      this.#inMemory({ from: 0, bytes, budget });
      return true;
    }
    const kept = player.available;
    const message = `this browser gives the page no file storage (a Firefox private window has none), and the stems' memory budget of ${(budget / 1e6).toFixed(0)} MB is used up: stems past ${(kept / SAMPLE_RATE).toFixed(1)} s could not be kept. What was separated plays and exports; for the whole song, open the mixer in a normal window`;
    this.#host.stop(kept, 'STORAGE_FULL', message);
    return false;
  }

  /**
   * Hands a region to the store (its arrays are transferred: the player, peaks and views must
   * have taken what they need): on disk, or in memory past what the disk refused; where it
   * refuses that too, the song stops at what was kept. Without a store the player keeps it.
   */
  store(region: RegionMessage): void {
    void this.#files?.write(region.start, region.channels).then((written) => {
      if (written.ok) this.#inMemory(written.memory);
      else this.#host.stop(written.written, written.code, written.message);
    });
  }

  #inMemory(memory: MemoryUse | null): void {
    if (memory?.bytes === this.memory?.bytes) return;
    this.memory = memory;
    this.#host.changed();
  }
}
