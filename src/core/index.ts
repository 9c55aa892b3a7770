/**
 * The engine (`demucs-mixer/core`), for hosts other than ours: the Demucs v4 procedure around a
 * network that runs elsewhere (any `SegmentModel`: ONNX Runtime in Node, a browser, a server).
 * Environment-free; PFFFT's WASM is its only asset (`locatePffft` for a host that moves it).
 */
export * from './constants.ts';
export { DemucsError, isDemucsError, describeError, type DemucsErrorCode } from './errors.ts';
export type { SegmentModel, SegmentOutput, Bag, BagMember } from './model.ts';
export { separate, planSeparation, type SeparateOptions, type SeparationPlan, type SeparationProgress } from './separator.ts';
export { memorySource, type TrackSource, type StemRegion } from './track.ts';
export { Spectrogram } from './spectrogram.ts';
export { geometryOf, resolveGeometry, HTDEMUCS_GEOMETRY, MIN_SEGMENT, type Geometry } from './geometry.ts';
export { locatePffft, type PffftLocation } from './fft.ts';
export { measureTrack, normScale, StatsAccumulator, type NormStats } from './normalize.ts';
export { planPasses, randomShiftOffsets, type PassPlan, type ChunkPlan } from './split.ts';
export { checkContract, checkOutputDims, CONTRACT_TEXT, type ValueInfo, type Declared } from './contract.ts';
export { parseManifest, type Manifest, type ManifestModel } from './manifest.ts';
export { neededModels, resolveStems, checkWeights, bagGeometry } from './bag.ts';
export { defaultStemNames, FOUR_STEMS, SIX_STEMS, type StemName, type KnownStemName } from './stems.ts';
export { LiveSeparator, LATENCY_PRESETS, latencyPreset, statedLatency, checkTiming, widenHop, type LiveTiming, type LatencyPreset, type LiveRegion } from './live.ts';
export { sdr, maxAbsDiff } from './metrics.ts';
export { encodeWav, wavHeader, encodeFrames, WAV_FORMATS, type WavFormat } from './wav.ts';
export { faderToLinear, stemGains, formatDb, FADER_MIN_DB, FADER_MAX_DB, type StemControls } from './mixing.ts';
