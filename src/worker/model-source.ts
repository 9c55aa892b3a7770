/**
 * What the `model` a page names stands for: an .onnx file, or a manifest .json (the converter's
 * `OUT.json` beside its `OUT.onnx`, or a bag manifest listing its members), resolved to the
 * network files to open and what the manifest says about them.
 */
import { DemucsError } from '../core/errors.ts';
import { parseManifest } from '../core/manifest.ts';
import type { StemName } from '../core/stems.ts';

export interface ModelMember {
  /** The network: a URL, or the bytes the page gave. */
  readonly source: string | Blob | ArrayBuffer;
  readonly weights?: readonly number[];
  readonly label: string;
}

export interface ModelPlan {
  readonly members: readonly ModelMember[];
  /** A bag: members run one at a time (sequential-bag.ts). */
  readonly bag: boolean;
  readonly stems?: readonly StemName[];
  readonly segment?: number;
}

const isManifestUrl = (url: string) => new URL(url, self.location.href).pathname.toLowerCase().endsWith('.json');

export async function planModel(source: string | Blob | ArrayBuffer): Promise<ModelPlan> {
  if (typeof source !== 'string' || !isManifestUrl(source)) {
    return { members: [{ source, label: typeof source === 'string' ? `model ${source}` : 'the model' }], bag: false };
  }
  let text: string;
  try {
    const response = await fetch(source);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    text = await response.text();
  } catch (error) {
    throw new DemucsError('MODEL_DOWNLOAD', `manifest ${source} could not be fetched: ${(error as Error).message}`);
  }
  const manifest = parseManifest(text, `manifest ${source}`);
  const base = new URL(source, self.location.href);
  const common = { ...(manifest.stems ? { stems: manifest.stems } : {}), ...(manifest.segment !== undefined ? { segment: manifest.segment } : {}) };
  if (manifest.models) {
    const members = manifest.models.map((m) => ({ source: new URL(m.path, base).href, weights: m.weights, label: `model ${m.path}` }));
    return { members, bag: true, ...common };
  }
  // The converter's manifest sits beside its network, with the same name, unless it names one.
  const onnx = new URL(manifest.model ?? base.pathname.replace(/\.json$/i, '.onnx') + base.search, base).href;
  return { members: [{ source: onnx, label: `model ${onnx}` }], bag: false, ...common };
}
