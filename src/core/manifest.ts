import { checkWeights } from './bag.ts';
import { DemucsError } from './errors.ts';
import { MIN_SEGMENT } from './geometry.ts';
import type { StemName } from './stems.ts';

/**
 * The small JSON file that names a model's stems, or describes a bag of models.
 *
 *   { "stems": ["drums", "bass", "other", "vocals"], "segment": 343980 }   next to a model
 *   { "model": "net.onnx", "stems": [...], "segment": 171990 }            naming its model
 *   { "stems": [...], "segment": 343980, "models": [{ "path": "a.onnx", "weights": [1,0,0,0] }, ...] }   a bag
 *
 * Paths are relative to the manifest. A model without `weights` weighs 1 for every stem. A
 * manifest passed in place of a model names it with `model`, else it is the .onnx of its name.
 * `segment` (samples per run) must agree with the models' input shapes; other fields (the
 * converter's sampleRate, source, kwargs) are information.
 */
export interface Manifest {
  /** The network this manifest describes (a path), when it is not the .onnx of the same name. */
  readonly model?: string;
  readonly stems?: readonly StemName[];
  readonly segment?: number;
  readonly models?: readonly ManifestModel[];
}

export interface ManifestModel {
  readonly path: string;
  readonly weights: readonly number[];
}

export function parseManifest(text: string, label = 'manifest'): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DemucsError('MANIFEST', `${label} is not valid JSON: ${(error as Error).message}`);
  }
  const fail = (what: string): never => {
    throw new DemucsError('MANIFEST', `${label}: ${what}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('must be a JSON object');
  const obj = raw as Record<string, unknown>;

  let stems: StemName[] | undefined;
  if (obj['stems'] !== undefined) {
    const list = obj['stems'];
    if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string' && s.length > 0)) {
      fail('"stems" must be a non-empty list of names');
    }
    stems = list as StemName[];
    if (new Set(stems).size !== stems.length) fail('"stems" names a stem twice');
  }

  const model = obj['model'];
  if (model !== undefined && (typeof model !== 'string' || model.length === 0)) fail('"model" must be a path');
  if (model !== undefined && obj['models'] !== undefined) fail('a manifest names one "model" or a bag of "models", not both');
  const segment = obj['segment'];
  if (segment !== undefined && !(typeof segment === 'number' && Number.isInteger(segment) && segment >= MIN_SEGMENT)) {
    fail(`"segment" must be a whole number of samples ≥ ${MIN_SEGMENT}, got ${JSON.stringify(segment)}`);
  }

  let models: ManifestModel[] | undefined;
  if (obj['models'] !== undefined) {
    const list = obj['models'];
    if (!Array.isArray(list) || list.length === 0) fail('"models" must be a non-empty list');
    if (!stems) fail('a bag ("models") needs "stems"');
    models = (list as unknown[]).map((entry, k) => {
      if (typeof entry !== 'object' || entry === null) fail(`model ${k + 1} must be an object`);
      const { path, weights } = entry as Record<string, unknown>;
      if (typeof path !== 'string' || path.length === 0) fail(`model ${k + 1} needs a "path"`);
      if (weights !== undefined && (!Array.isArray(weights) || !weights.every((w) => typeof w === 'number'))) {
        fail(`model ${k + 1}: "weights" must be a list of numbers`);
      }
      return { path: path as string, weights: (weights as number[] | undefined) ?? stems!.map(() => 1) };
    });
    checkWeights(stems!, models.map((m) => m.weights));
  }
  return { ...(model !== undefined ? { model: model as string } : {}), ...(stems ? { stems } : {}), ...(segment !== undefined ? { segment: segment as number } : {}), ...(models ? { models } : {}) };
}
