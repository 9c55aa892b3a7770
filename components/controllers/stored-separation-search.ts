/**
 * How a song being loaded finds its stored separation: at once by the file's signature (name,
 * size and date), and by its sha256 once the store's worker has hashed it; and how a new
 * separation whose sha256 was not known when it began is identified later.
 */
import type { SeparationKey, StoredSeparationMeta, SongFiles, SongLookup, StemStoreClient } from '../clients/stem-store-client.ts';

/** Songs up to this size are hashed while they decode (32 MB: a 3-minute WAV, most compressed songs). */
const EARLY_HASH_BYTES = 32 << 20;
/** How long a decoded song waits for its sha256 (to find its separation under another name) before it is separated anyway (ms). */
const HASH_WAIT_MS = 250;

export class StoredSeparationSearch {
  /** A stored separation of this very file (by its signature), to be confirmed by the sha256. */
  readonly candidate: StoredSeparationMeta | null;
  readonly #store: StemStoreClient | null;
  readonly #song: Blob;
  readonly #key: SeparationKey;
  /** The sha256 lookup, begun once, when first needed (hashing while the song decodes slows that down). */
  #hashing: Promise<SongLookup | null> | null = null;
  /** A kept song whose sha256 comes after its first region: identified then. */
  #unidentified: SongFiles | null = null;

  private constructor(store: StemStoreClient | null, song: Blob, key: SeparationKey, candidate: StoredSeparationMeta | null) {
    this.#store = store;
    this.#song = song;
    this.#key = key;
    this.candidate = candidate;
  }

  /** Looks the song up by `signature` (null: only by its sha256, later). */
  static async begin(store: StemStoreClient | null, song: Blob, key: SeparationKey, signature: string | null): Promise<StoredSeparationSearch> {
    const candidate = store && signature ? await store.candidate(signature, key).catch(() => null) : null;
    return new StoredSeparationSearch(store, song, key, candidate);
  }

  /** The song's sha256 and the stored separation under it (hashed once). */
  lookup(): Promise<SongLookup | null> {
    return (this.#hashing ??= this.#store ? this.#store.lookup(this.#song, this.#key).catch(() => null) : Promise.resolve(null));
  }

  /** A small song is hashed while it decodes; a big one after its first region. */
  hashEarlyIfSmall(): void {
    if (this.#song.size <= EARLY_HASH_BYTES) void this.lookup();
  }

  /**
   * Once decoded: the lookup if hashing began and ends within HASH_WAIT_MS (hashing is faster
   * than decoding); undefined when it did not begin or is not done by then (not waited for: it
   * would delay the first sound).
   */
  async foundByNow(): Promise<SongLookup | null | undefined> {
    const hashing = this.#hashing;
    return hashing ? Promise.race([hashing, new Promise<undefined>((r) => setTimeout(r, HASH_WAIT_MS))]) : undefined;
  }

  /** Files of a new separation begun without the song's sha256: recorded as soon as it is known. */
  identifyLater(files: SongFiles): void {
    if (this.#hashing) void this.#hashing.then((later) => later && files.identify(later.songSha256));
    else this.#unidentified = files;
  }

  /** The first region is separated: now the song is hashed, and unidentified files identified. */
  firstRegion(): void {
    const files = this.#unidentified;
    void this.lookup().then((found) => found && files?.identify(found.songSha256));
  }
}
