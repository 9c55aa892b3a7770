import { CHANNELS, FREQ_BINS, HOP, SPEC_CHANNELS } from './constants.ts';
import { DemucsError } from './errors.ts';
import type { Geometry } from './geometry.ts';

/**
 * Our ONNX contract (STFT outside the network), checked by position, for a segment of T
 * samples and F = ceil(T / 1024) frames (7.8 s: T = 343980, F = 336):
 *   input 0  mix            float32 [1, 2, T]
 *   input 1  CaC spectrum   float32 [1, 4, 2048, F]
 *   output 0 CaC stems      float32 [1, S, 4, 2048, F]
 *   output 1 waveform stems float32 [1, S, 2, T]
 */

/** What a runtime says about one input or output (onnxruntime's ValueMetadata, reduced). */
export interface ValueInfo {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  /** Dimensions; a string or negative number is symbolic (unknown until run time). */
  readonly shape?: readonly (number | string)[];
}

/** A dimension pattern: a fixed size, or 'S' (stems), 'T' (segment), 'F' (frames). */
type Dim = number | 'S' | 'T' | 'F';

const MIX_SHAPE: readonly Dim[] = [1, CHANNELS, 'T'];
const SPEC_SHAPE: readonly Dim[] = [1, SPEC_CHANNELS, FREQ_BINS, 'F'];
const SPEC_OUT_SHAPE: readonly Dim[] = [1, 'S', SPEC_CHANNELS, FREQ_BINS, 'F'];
const WAVE_OUT_SHAPE: readonly Dim[] = [1, 'S', CHANNELS, 'T'];

export const CONTRACT_TEXT =
  `inputs [mix float32 [1,${CHANNELS},T], spectrogram float32 [1,${SPEC_CHANNELS},${FREQ_BINS},F]], ` +
  `outputs [spectrogram stems [1,S,${SPEC_CHANNELS},${FREQ_BINS},F], waveform stems [1,S,${CHANNELS},T]] with F = ceil(T / ${HOP})`;

/** What a model's declared shapes say: stems and segment, each null when symbolic. */
export interface Declared {
  readonly stems: number | null;
  readonly segment: number | null;
}

/** Checks a model's declared inputs and outputs against the contract. */
export function checkContract(inputs: readonly ValueInfo[], outputs: readonly ValueInfo[], label = 'model'): Declared {
  const fail = (what: string): never => {
    throw new DemucsError('MODEL_CONTRACT', `${label} does not follow the demucs-mixer contract: ${what} (expected ${CONTRACT_TEXT})`);
  };
  if (inputs.length !== 2) fail(`it has ${inputs.length} inputs, not 2`);
  if (outputs.length !== 2) fail(`it has ${outputs.length} outputs, not 2`);
  const seen = { S: new Set<number>(), T: new Set<number>(), F: new Set<number>() };
  const check = (info: ValueInfo, role: string, pattern: readonly Dim[]): void => {
    if (!info.isTensor) fail(`${role} "${info.name}" is not a tensor`);
    if (info.type !== undefined && info.type !== 'float32') fail(`${role} "${info.name}" is ${info.type}, not float32`);
    const shape = info.shape;
    if (!shape) return;
    if (shape.length !== pattern.length) {
      fail(`${role} "${info.name}" has shape [${shape.join(',')}], not rank ${pattern.length}`);
    }
    pattern.forEach((want, i) => {
      const got = shape[i]!;
      if (typeof got !== 'number' || got < 0) return;
      if (typeof want === 'string') {
        if (got < 1) fail(`${role} "${info.name}" has shape [${shape.join(',')}]`);
        seen[want].add(got);
      } else if (got !== want) {
        fail(`${role} "${info.name}" has shape [${shape.join(',')}]: dimension ${i} is ${got}, not ${want}`);
      }
    });
  };
  check(inputs[0]!, 'input 0 (mix)', MIX_SHAPE);
  check(inputs[1]!, 'input 1 (spectrogram)', SPEC_SHAPE);
  check(outputs[0]!, 'output 0 (spectrogram stems)', SPEC_OUT_SHAPE);
  check(outputs[1]!, 'output 1 (waveform stems)', WAVE_OUT_SHAPE);
  if (seen.S.size > 1) fail(`its outputs disagree on the stem count (${[...seen.S].join(' vs ')})`);
  if (seen.T.size > 1) fail(`its waveforms disagree on the segment length (${[...seen.T].join(' vs ')} samples)`);
  if (seen.F.size > 1) fail(`its spectrograms disagree on the frame count (${[...seen.F].join(' vs ')})`);
  const segment = seen.T.size === 1 ? [...seen.T][0]! : null;
  const frames = seen.F.size === 1 ? [...seen.F][0]! : null;
  if (segment !== null && frames !== null && frames !== Math.ceil(segment / HOP)) {
    fail(`${frames} spectrogram frames for a segment of ${segment} samples (ceil(${segment} / ${HOP}) = ${Math.ceil(segment / HOP)})`);
  }
  return { stems: seen.S.size === 1 ? [...seen.S][0]! : null, segment };
}

/** Checks the dimensions of the two outputs of an actual run; returns S. */
export function checkOutputDims(spec: readonly number[], wave: readonly number[], geometry: Geometry, label = 'model'): number {
  const sizes = { T: geometry.segment, F: geometry.frames };
  const ok = (dims: readonly number[], pattern: readonly Dim[]): boolean =>
    dims.length === pattern.length && pattern.every((d, i) => d === 'S' || dims[i] === (typeof d === 'number' ? d : sizes[d]));
  if (!ok(spec, SPEC_OUT_SHAPE) || !ok(wave, WAVE_OUT_SHAPE) || spec[1] !== wave[1] || !(spec[1]! >= 1)) {
    throw new DemucsError(
      'MODEL_CONTRACT',
      `${label} returned outputs [${spec.join(',')}] and [${wave.join(',')}], not [1,S,${SPEC_CHANNELS},${FREQ_BINS},${geometry.frames}] and [1,S,${CHANNELS},${geometry.segment}]`,
    );
  }
  return spec[1]!;
}
