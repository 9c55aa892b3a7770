/** The mixer's place in the Origin Private File System, and what its errors mean. */

/** The folder of the mixer's files in the origin's private file system. */
export async function mixerDirectory(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle('demucs-mixer', { create: true });
}

/** Whether a storage error means the disk (or the origin's quota) is full. */
export function isQuotaError(error: unknown): boolean {
  return (error as { name?: string })?.name === 'QuotaExceededError';
}

/** Whether a file is locked: another tab holds a sync access handle on it. */
export function isLockedError(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === 'NoModificationAllowedError' || name === 'InvalidStateError';
}

/**
 * Files in use: each worker that writes to the mixer's folder names its files after an owner id
 * (`<kind>-<owner>-…`) and holds a Web Lock of that name while it lives, so that leftovers of
 * closed pages are told from files another tab is using (its songs, its exports' Blobs).
 */
const LOCK_PREFIX = 'demucs-mixer-owner-';

/** This worker's owner id. */
export const owner = crypto.randomUUID().replaceAll('-', '');

/** Resolves once this worker holds its owner lock (held until the worker ends). */
export const ownerLock: Promise<void> = new Promise<void>((held) => {
  if (!navigator.locks) return held();
  void navigator.locks.request(LOCK_PREFIX + owner, () => {
    held();
    return new Promise<never>(() => undefined);
  });
});

/** A name for a file or folder of this worker's: `<kind>-<owner>-<unique>`. */
export function ownedName(kind: string, suffix = ''): string {
  return `${kind}-${owner}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}${suffix}`;
}

/**
 * Whether a name of the mixer's folder is a leftover: owned (`<kind>-<owner>-…`) by a worker
 * no longer alive. Without Web Locks nothing can be told, and nothing is.
 */
export async function leftoverTest(): Promise<(name: string) => boolean> {
  if (!navigator.locks) return () => false;
  const { held = [] } = await navigator.locks.query();
  const alive = new Set(held.map((lock) => lock.name));
  return (name) => {
    const id = /^[a-z]+-([0-9a-f]{32})-/.exec(name)?.[1];
    return id !== undefined && !alive.has(LOCK_PREFIX + id);
  };
}
