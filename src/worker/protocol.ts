/**
 * What crosses the boundary between the page and the inference worker: the worker's API,
 * progress as unions, and errors as values (comlink carries only an error's name and message).
 */
import type { DemucsErrorCode } from '../core/errors.ts';
import type { StemName } from '../core/stems.ts';

/** Execution backends, in the order they are tried. */
export type Backend = 'webgpu' | 'wasm';

/** Error codes of the browser side: the project's one set (an alias kept for the page's imports). */
export type MixerErrorCode = DemucsErrorCode;

/**
 * URLs of the WASM files a worker loads (the page knows where they are: components/assets.ts):
 * ONNX Runtime's module and its glue (which also starts its threads), PFFFT's two builds.
 */
export interface RuntimeAssets {
  readonly ortGlue: string;
  readonly ortWasm: string;
  readonly pffftSimd: string;
  readonly pffftScalar: string;
}

export interface WorkerFailure {
  readonly ok: false;
  readonly code: MixerErrorCode;
  readonly message: string;
}

export type ModelProgress =
  | { readonly status: 'download'; readonly loaded: number; readonly total: number | null }
  | { readonly status: 'cache'; readonly loaded: number; readonly total: number }
  | { readonly status: 'verify' }
  | { readonly status: 'session'; readonly backend: Backend }
  | { readonly status: 'warmup'; readonly backend: Backend }
  | { readonly status: 'ready'; readonly backend: Backend }
  /** A bag: member `index` (of `count`) is fetched and checked next. */
  | { readonly status: 'member'; readonly index: number; readonly count: number; readonly label: string };

export interface LoadModelOptions {
  /** Expected sha256 of the model bytes (hex); the load fails on a mismatch. */
  readonly sha256?: string;
  /** Backends to try, in order. Default: ['webgpu', 'wasm']. */
  readonly backends?: readonly Backend[];
  /** Stem names (else 4 → drums, bass, other, vocals; 6 → + guitar, piano). */
  readonly stems?: readonly StemName[];
  /** Skip the warm-up run (tests). */
  readonly skipWarmup?: boolean;
  /** Test hook: every stage of the load (download, compiling, warm-up) and the start of each separation last at least this long (ms). */
  readonly stageDelayMs?: number;
  /** Where the WASM files are (default: beside the worker's own module). */
  readonly runtime?: RuntimeAssets;
  /** WASM threads (default: every core); the worker's first load sets them for its lifetime. */
  readonly threads?: number;
}

export interface ModelInfo {
  readonly ok: true;
  readonly backend: Backend;
  readonly stems: readonly StemName[];
  /** WASM threads in use (1 without cross-origin isolation). */
  readonly threads: number;
  /** Why earlier backends were passed over, if any. */
  readonly fallbacks: readonly string[];
  /** Whether the bytes came from the Cache API. */
  readonly cached: boolean;
  /** Networks: 1, or a bag's members (run one at a time). */
  readonly members: number;
  /** Samples per network run (the model's segment). */
  readonly segment: number;
  /** One network whose window is symbolic (convert --segment any): live mode runs it at 3.9 s. */
  readonly anyWindow: boolean;
}

/** Options of a separation, as in the CLI. */
export interface SeparateOptions {
  readonly shifts?: number;
  readonly overlap?: number;
  readonly seed?: number;
  readonly shiftOffsets?: readonly number[];
  readonly stems?: readonly StemName[];
  /** Stems that add up to the mix (the residual spread equally over them). */
  readonly consistent?: boolean;
  /**
   * Resume at this frame (a stored separation that stopped there): regions start there. With
   * the same seed they are those of a whole run. A bag runs from the start and drops the rest.
   */
  readonly from?: number;
}

export interface SeparationRequest extends SeparateOptions {
  readonly left: Float32Array;
  readonly right: Float32Array;
}

/** A song file for the worker to decode itself (bounded memory: spooled to OPFS). */
export interface SongRequest extends SeparateOptions {
  readonly song: Blob;
  readonly label: string;
}

/** Where a decoded song's separation starts, as the page says once it knows the song. */
export interface SongStart {
  readonly from?: number;
  readonly seed?: number;
}

/** A song being decoded in the worker: its length as the file states it (null: it does not), and how much is decoded. */
export interface DecodeProgress {
  readonly statedSeconds: number | null;
  readonly decodedSeconds: number;
}

/** What the worker found in a song it decoded, before separating it. */
export interface SongInfo {
  /** Frames at 44.1 kHz. */
  readonly length: number;
  readonly format: string;
  readonly inputSampleRate: number;
  readonly inputChannels: number;
  readonly stems: readonly StemName[];
}

/** A finished region: stems[s] = [left, right] for track samples [start, start + length). */
export interface RegionMessage {
  readonly start: number;
  readonly length: number;
  readonly stems: readonly StemName[];
  readonly channels: Float32Array[][];
  readonly runsDone: number;
  readonly runsTotal: number;
  /** Milliseconds spent in session.run so far. */
  readonly runMilliseconds: number;
}

/** Progress of a bag's separation: which member is loading or running. */
export interface SeparationProgressMessage {
  readonly runsDone: number;
  readonly runsTotal: number;
  readonly member: { readonly index: number; readonly count: number; readonly label: string; readonly stage: 'loading' | 'running' };
}

export interface SeparationDone {
  readonly ok: true;
  readonly stems: readonly StemName[];
  readonly runs: number;
  readonly runMilliseconds: number;
  readonly totalMilliseconds: number;
}

/** The worker's API (see separation.worker.ts). */
export interface SeparationWorkerApi {
  loadModel(
    source: string | Blob | ArrayBuffer,
    options: LoadModelOptions,
    onProgress: (progress: ModelProgress) => void,
  ): Promise<ModelInfo | WorkerFailure>;
  separate(
    request: SeparationRequest,
    onRegion: (region: RegionMessage) => void,
    onProgress?: (progress: SeparationProgressMessage) => void,
  ): Promise<SeparationDone | WorkerFailure>;
  /**
   * Decodes a song file in the worker (song-spool.ts: WAV, AIFF, CAF, FLAC, MP3, Ogg, MP4/M4A/MOV,
   * WebM/Matroska; AUDIO_UNSUPPORTED for
   * others, which the page decodes), spools it to OPFS, tells `onInfo`, then separates it, from
   * where `onInfo` says (a stored part of it found meanwhile: its end and its shift seed).
   */
  separateSong(
    request: SongRequest,
    onInfo: (info: SongInfo) => SongStart | void | Promise<SongStart | void>,
    onRegion: (region: RegionMessage) => void,
    onProgress?: (progress: SeparationProgressMessage) => void,
    onDecoding?: (progress: DecodeProgress) => void,
  ): Promise<SeparationDone | WorkerFailure>;
  cancel(): void;
  dispose(): Promise<void>;
  /** Test hook: an uncaught error in the worker, as a crash would give. */
  crash(): void;
  /** Test hook: the song spool's write after `writes` more is refused as by a full storage; what follows is kept in memory within `budget` bytes (null: the device's budget). */
  limitSpool(writes: number | null, budget: number | null): void;
  /** Inference sessions created so far for bag members (on WebGPU, members stay loaded). */
  memberSessions(): number;
}
