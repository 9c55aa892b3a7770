/**
 * The status line's words, by stage: the model (downloading, from the cache, verifying,
 * compiling, warming up, ready) and the song (separating, separated, reopened), each with the
 * time it has taken so far, kept apart (the line is a live region: a clock ticking in it would
 * be read out every second). Pure, so every stage's text is tested without a model.
 */
import { SAMPLE_RATE } from '../../src/core/constants.ts';
import type { ModelProgress } from '../../src/worker/protocol.ts';

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** "12 s", "2 min 05 s". */
export function formatElapsed(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** The model's stage. */
export function modelStageText(p: ModelProgress | null): string {
  if (!p) return 'no model';
  switch (p.status) {
    case 'download':
      return `model: downloading ${p.total ? `${mb(p.loaded)} of ${mb(p.total)} MB` : `${mb(p.loaded)} MB`}`;
    case 'cache':
      return `model: from the cache, ${mb(p.loaded)} of ${mb(p.total)} MB`;
    case 'verify':
      return `model: verifying its sha256`;
    case 'session':
      return `model: compiling for ${p.backend}`;
    case 'warmup':
      return `model: warming up on ${p.backend}`;
    case 'member':
      return `model ${p.index + 1} of ${p.count} (${p.label}): fetching and checking`;
    case 'ready':
      return 'model ready';
  }
}

export interface SongStage {
  /** Fraction separated, 0 … 1. */
  readonly fraction: number;
  readonly busy: boolean;
  /** Seconds left (estimated), null before the first run. */
  readonly eta: number | null;
  /** Seconds from loading the song to now, or to its end. */
  readonly elapsed: number;
  /** Seconds of the song that came from storage when it was loaded (its duration: reopened). */
  readonly restored: number;
  readonly duration: number;
}

/** A song being decoded in the worker, with its length where the file states it. */
export function decodingText(statedSeconds: number | null): string {
  return `decoding the song${statedSeconds ? ` (${formatElapsed(Math.round(statedSeconds))} long)` : ''}`;
}

/** The song's stage: separating (percent, time left), separated, or reopened from storage. */
export function songStageText(s: SongStage): string {
  const percent = Math.floor(100 * s.fraction);
  if (s.busy) {
    const left = s.eta !== null ? `, about ${formatElapsed(Math.ceil(s.eta))} left` : '';
    const resumed = s.restored > 0 ? `, resumed at ${formatElapsed(s.restored)}` : '';
    return `separating ${percent} %${left}${resumed}`;
  }
  if (s.duration > 0 && s.restored >= s.duration) return 'reopened from storage: no separation needed';
  return s.fraction >= 1 ? `separated in ${formatElapsed(s.elapsed)}` : `separated ${percent} %`;
}

/** Stems kept in memory: past what the browser's storage took (`from` frames), or all of them where the page has no file storage. */
export interface MemoryStage {
  readonly from: number;
  readonly bytes: number;
  readonly budget: number;
  /** Whether the page has file storage (which refused the rest), or none at all. */
  readonly storage: boolean;
}

/** Where the stems are kept when not on disk, and how much of the memory budget they take. */
export function memoryText(m: MemoryStage): string {
  const where = m.storage
    ? `the browser's storage is full (a private window?): stems past ${formatElapsed(m.from / SAMPLE_RATE)} are kept in memory`
    : 'no file storage here (a private window?): the stems are kept in memory';
  return `${where}, ${(m.bytes / 1e6).toFixed(0)} of ${(m.budget / 1e6).toFixed(0)} MB`;
}
