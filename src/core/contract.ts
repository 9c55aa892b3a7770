import { CHANNELS, FRAMES, FREQ_BINS, SEGMENT, SPEC_CHANNELS } from './constants.ts';
import { DemucsError } from './errors.ts';

/**
 * Our ONNX contract (STFT outside the network), checked by position:
 *   input 0  mix            float32 [1, 2, SEGMENT]
 *   input 1  CaC spectrum   float32 [1, 4, FREQ_BINS, FRAMES]
 *   output 0 CaC stems      float32 [1, S, 4, FREQ_BINS, FRAMES]
 *   output 1 waveform stems float32 [1, S, 2, SEGMENT]
 */

/** What a runtime says about one input or output (onnxruntime's ValueMetadata, reduced). */
export interface ValueInfo {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  /** Dimensions; a string or negative number is symbolic (unknown until run time). */
  readonly shape?: readonly (number | string)[];
}

/** A dimension pattern: a fixed size, or 'S' for the stem count. */
type Dim = number | 'S';

const MIX_SHAPE: readonly Dim[] = [1, CHANNELS, SEGMENT];
const SPEC_SHAPE: readonly Dim[] = [1, SPEC_CHANNELS, FREQ_BINS, FRAMES];
const SPEC_OUT_SHAPE: readonly Dim[] = [1, 'S', SPEC_CHANNELS, FREQ_BINS, FRAMES];
const WAVE_OUT_SHAPE: readonly Dim[] = [1, 'S', CHANNELS, SEGMENT];

export const CONTRACT_TEXT =
  `inputs [mix float32 [1,${CHANNELS},${SEGMENT}], spectrogram float32 [1,${SPEC_CHANNELS},${FREQ_BINS},${FRAMES}]], ` +
  `outputs [spectrogram stems [1,S,${SPEC_CHANNELS},${FREQ_BINS},${FRAMES}], waveform stems [1,S,${CHANNELS},${SEGMENT}]]`;

/**
 * Checks a model's declared inputs and outputs against the contract. Returns the stem count
 * S, or null when the model declares it symbolically (then the first run tells).
 */
export function checkContract(inputs: readonly ValueInfo[], outputs: readonly ValueInfo[], label = 'model'): number | null {
  const fail = (what: string): never => {
    throw new DemucsError('MODEL_CONTRACT', `${label} does not follow the demucs-mixer contract: ${what} (expected ${CONTRACT_TEXT})`);
  };
  if (inputs.length !== 2) fail(`it has ${inputs.length} inputs, not 2`);
  if (outputs.length !== 2) fail(`it has ${outputs.length} outputs, not 2`);
  const stems = new Set<number>();
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
      if (want === 'S') {
        if (got < 1) fail(`${role} "${info.name}" has ${got} stems`);
        stems.add(got);
      } else if (got !== want) {
        fail(`${role} "${info.name}" has shape [${shape.join(',')}]: dimension ${i} is ${got}, not ${want}`);
      }
    });
  };
  check(inputs[0]!, 'input 0 (mix)', MIX_SHAPE);
  check(inputs[1]!, 'input 1 (spectrogram)', SPEC_SHAPE);
  check(outputs[0]!, 'output 0 (spectrogram stems)', SPEC_OUT_SHAPE);
  check(outputs[1]!, 'output 1 (waveform stems)', WAVE_OUT_SHAPE);
  if (stems.size > 1) fail(`its outputs disagree on the stem count (${[...stems].join(' vs ')})`);
  return stems.size === 1 ? [...stems][0]! : null;
}

/** Checks the dimensions of the two outputs of an actual run; returns S. */
export function checkOutputDims(spec: readonly number[], wave: readonly number[], label = 'model'): number {
  const ok = (dims: readonly number[], pattern: readonly Dim[]): boolean =>
    dims.length === pattern.length && pattern.every((d, i) => d === 'S' || dims[i] === d);
  if (!ok(spec, SPEC_OUT_SHAPE) || !ok(wave, WAVE_OUT_SHAPE) || spec[1] !== wave[1] || !(spec[1]! >= 1)) {
    throw new DemucsError(
      'MODEL_CONTRACT',
      `${label} returned outputs [${spec.join(',')}] and [${wave.join(',')}], not [1,S,${SPEC_CHANNELS},${FREQ_BINS},${FRAMES}] and [1,S,${CHANNELS},${SEGMENT}]`,
    );
  }
  return spec[1]!;
}
