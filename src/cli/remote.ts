/**
 * Demucs' published pretrained models, for `convert --download`: which files make each named
 * HTDemucs model (facts of Demucs' remote/*.yaml and remote/files.txt), fetched with progress,
 * checked against the sha256 prefix in their file name (as Demucs checks them) and cached.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DemucsError, isDemucsError } from '../core/errors.ts';

/** Where Demucs publishes its models. */
export const DEMUCS_REPO = 'https://dl.fbaipublicfiles.com/demucs/';

/** Checkpoint files by signature (folder under the repo, then `<signature>-<sha256 prefix>.th`). */
export const FILES: Record<string, string> = {
  '955717e8': 'hybrid_transformer/955717e8-8726e21a.th',
  f7e0c4bc: 'hybrid_transformer/f7e0c4bc-ba3fe64a.th',
  d12395a8: 'hybrid_transformer/d12395a8-e57c48e6.th',
  '92cfc3b6': 'hybrid_transformer/92cfc3b6-ef3bcb9c.th',
  '04573f0d': 'hybrid_transformer/04573f0d-f3cf25b2.th',
  '5c90dfd2': 'hybrid_transformer/5c90dfd2-34c22ccb.th',
};

export interface BagFile {
  readonly models: readonly string[];
  readonly weights?: readonly (readonly number[])[];
  readonly segment?: number;
}

/** The named HTDemucs models (Demucs' remote bag files). */
export const NAMED: Record<string, BagFile> = {
  htdemucs: { models: ['955717e8'] },
  htdemucs_6s: { models: ['5c90dfd2'] },
  htdemucs_ft: {
    models: ['f7e0c4bc', 'd12395a8', '92cfc3b6', '04573f0d'],
    weights: [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ],
  },
};

/** Named models of Demucs' list that are not HTDemucs (refused before any download). */
const NOT_HTDEMUCS: Record<string, string> = {
  hdemucs_mmi: 'an HDemucs (Demucs v3) model',
  mdx: 'a bag of Demucs v3 models',
  mdx_extra: 'a bag of Demucs v3 models',
  mdx_q: 'a bag of quantized Demucs v3 models',
  mdx_extra_q: 'a bag of quantized Demucs v3 models',
};

export function defaultCache(): string {
  return join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'demucs-mixer', 'checkpoints');
}

/** The bag (one model or several) that a --download name stands for. */
export function namedBag(name: string, files: Record<string, string> = FILES): BagFile {
  if (NAMED[name]) return NAMED[name]!;
  if (files[name]) return { models: [name] };
  if (NOT_HTDEMUCS[name]) throw new DemucsError('BAD_ARGUMENT', `--download ${name}: ${NOT_HTDEMUCS[name]}, not HTDemucs; only HTDemucs models convert`);
  throw new DemucsError('BAD_ARGUMENT', `--download ${name}: unknown model (known: ${[...Object.keys(NAMED), ...Object.keys(files)].join(', ')})`);
}

/** The sha256 prefix a checkpoint file name carries (`<signature>-<prefix>.th`), if any. */
export function checksumOf(fileName: string): string | null {
  const match = /^[0-9a-f]+-([0-9a-f]+)\.th$/.exec(fileName);
  return match ? match[1]! : null;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * Parses Demucs' listing format (remote/files.txt): `root: folder/` lines, then file names
 * `<signature>-<sha256 prefix>.th`; `#` comments.
 */
export function parseListing(text: string): Record<string, string> {
  const files: Record<string, string> = {};
  let root = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('root:')) root = line.slice(5).trim();
    else if (checksumOf(line)) files[line.slice(0, line.indexOf('-'))] = root + line;
  }
  return files;
}

/**
 * The files a repository offers: its own listing (`files.txt`, in Demucs' format) when it has
 * one, as a mirror may; else Demucs' published files.
 */
export async function listing(repo: string): Promise<Record<string, string>> {
  try {
    const response = await fetch(new URL('files.txt', repo.endsWith('/') ? repo : `${repo}/`));
    if (response.ok) return { ...FILES, ...parseListing(await response.text()) };
  } catch {
    // no listing: the published files
  }
  return FILES;
}

/**
 * The checkpoint of `signature`, from the cache or downloaded from `repo` into it (as a .part
 * file, renamed once complete and checked). An interrupted or corrupt download leaves nothing.
 */
export async function fetchCheckpoint(signature: string, repo: string, files: Record<string, string>, cache: string, onProgress: (loaded: number, total: number | null) => void): Promise<string> {
  const file = files[signature];
  if (!file) throw new DemucsError('BAD_ARGUMENT', `no published checkpoint with signature ${signature}`);
  const name = file.slice(file.lastIndexOf('/') + 1);
  const checksum = checksumOf(name)!;
  mkdirSync(cache, { recursive: true });
  const path = join(cache, name);
  if (existsSync(path) && sha256File(path).startsWith(checksum)) return path;
  const url = new URL(file, repo.endsWith('/') ? repo : `${repo}/`).href;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new DemucsError('IO', `${url} could not be fetched: ${(error as Error).message}`);
  }
  if (!response.ok || !response.body) throw new DemucsError('IO', `${url} could not be fetched: HTTP ${response.status}`);
  const total = Number(response.headers.get('content-length')) || null;
  const part = `${path}.part`;
  const hash = createHash('sha256');
  let loaded = 0;
  try {
    const out = createWriteStream(part);
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      loaded += value.length;
      if (!out.write(value)) await new Promise<void>((r) => out.once('drain', () => r()));
      onProgress(loaded, total);
    }
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    if (total !== null && loaded !== total) throw new DemucsError('IO', `the download of ${name} was interrupted (${loaded} of ${total} bytes): run again`);
    const digest = hash.digest('hex');
    if (!digest.startsWith(checksum)) throw new DemucsError('CHECKPOINT', `${name} failed its checksum: expected sha256 ${checksum}…, got ${digest.slice(0, checksum.length)}…`);
    renameSync(part, path);
  } catch (error) {
    rmSync(part, { force: true });
    if (isDemucsError(error)) throw error;
    throw new DemucsError('IO', `the download of ${name} was interrupted (${loaded}${total ? ` of ${total}` : ''} bytes: ${(error as Error).message}): run again`);
  }
  return path;
}

/** The checkpoint of `signature` in a folder (`<signature>-*.th`, as Demucs finds them). */
export function findBySignature(dir: string, signature: string, files: readonly string[]): string {
  const matches = files.filter((f) => f.startsWith(`${signature}-`) && f.endsWith('.th'));
  if (matches.length === 0) throw new DemucsError('CHECKPOINT', `no checkpoint with signature ${signature} (${signature}-*.th) in ${dir}`);
  if (matches.length > 1) throw new DemucsError('CHECKPOINT', `several checkpoints with signature ${signature} in ${dir}: ${matches.join(', ')}`);
  const path = join(dir, matches[0]!);
  if (!statSync(path).isFile()) throw new DemucsError('CHECKPOINT', `${path} is not a file`);
  return path;
}
