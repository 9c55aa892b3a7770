/**
 * The package's browser entry (`demucs-mixer`, and `demucs-mixer/standalone` bundled): defines
 * `<demucs-mixer>` and exports its class, types and helpers.
 */
export { DemucsMixer, MixerError, timingForLatency, DEFAULT_MODEL_URL } from './demucs-mixer.ts';
export type { LiveOptions, LiveSource, SeparationStats } from './demucs-mixer.ts';
export type * from './events.ts';
export { enableCrossOriginIsolation, type IsolationState } from './clients/cross-origin-isolation.ts';
export type { Backend, MixerErrorCode, ModelProgress } from '../src/worker/protocol.ts';
export { DemucsError, type DemucsErrorCode } from '../src/core/errors.ts';
export type { StemName } from '../src/core/stems.ts';
export type { WavFormat } from '../src/core/wav.ts';
export type { OutputFormat } from '../src/core/output-formats.ts';
export type { ExportOptions } from './controllers/export-request.ts';
export type { LatencyPreset, LiveTiming } from '../src/core/live.ts';
export type { PlayState } from './audio/stem-player.ts';
