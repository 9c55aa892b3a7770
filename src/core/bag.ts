import { DemucsError } from './errors.ts';
import type { Geometry } from './geometry.ts';
import type { Bag, BagMember } from './model.ts';
import type { StemName } from './stems.ts';

/** Validates a weights matrix against a stem list: one row per model, one finite weight ≥ 0 per stem. */
export function checkWeights(stems: readonly StemName[], weights: readonly (readonly number[])[]): void {
  weights.forEach((row, k) => {
    if (row.length !== stems.length) {
      throw new DemucsError('MANIFEST', `weights of model ${k + 1} have ${row.length} entries for ${stems.length} stems`);
    }
    row.forEach((w, s) => {
      if (!Number.isFinite(w) || w < 0) {
        throw new DemucsError('MANIFEST', `weight of model ${k + 1} for ${stems[s]} must be a finite number ≥ 0, got ${w}`);
      }
    });
  });
}

/** Checks requested stem names against a bag's; all stems when none are requested. */
export function resolveStems(available: readonly StemName[], requested?: readonly StemName[]): StemName[] {
  if (!requested || requested.length === 0) return [...available];
  const seen = new Set<StemName>();
  for (const name of requested) {
    if (!available.includes(name)) {
      throw new DemucsError('BAD_ARGUMENT', `unknown stem "${name}": this model has ${available.join(', ')}`);
    }
    if (seen.has(name)) throw new DemucsError('BAD_ARGUMENT', `stem "${name}" is requested twice`);
    seen.add(name);
  }
  return [...requested];
}

/**
 * Indices of the models a request needs: those with a non-zero weight for a requested stem.
 * Fails when a requested stem has no model with a weight for it.
 */
export function neededModels(stems: readonly StemName[], weights: readonly (readonly number[])[], requested: readonly StemName[]): number[] {
  const indices = requested.map((name) => stems.indexOf(name));
  for (const s of indices) {
    if (!weights.some((row) => (row[s] ?? 0) > 0)) {
      throw new DemucsError('MANIFEST', `no model of the bag has a weight for stem "${stems[s]}"`);
    }
  }
  return weights.flatMap((row, k) => (indices.some((s) => (row[s] ?? 0) > 0) ? [k] : []));
}

/** The segment of a bag's members, which must share it (their outputs are overlap-added together). */
export function bagGeometry(members: readonly BagMember[]): Geometry {
  const first = members[0]!;
  for (const m of members) {
    if (m.model.geometry.segment !== first.model.geometry.segment) {
      const name = (x: BagMember) => x.label ?? `model ${members.indexOf(x) + 1}`;
      throw segmentsDiffer({ name: name(first), segment: first.model.geometry.segment }, { name: name(m), segment: m.model.geometry.segment });
    }
  }
  return first.model.geometry;
}

/** The error of two members of a bag that take segments of different lengths (samples). */
export function segmentsDiffer(a: { readonly name: string; readonly segment: number }, b: { readonly name: string; readonly segment: number }): DemucsError {
  return new DemucsError('MANIFEST', `the bag's models differ in segment: ${a.name} takes ${a.segment} samples, ${b.name} ${b.segment}`);
}

/** The stems, the members and the geometry of a bag that a separation runs. */
export function planBag(bag: Bag, requested?: readonly StemName[]): { stems: StemName[]; members: BagMember[]; geometry: Geometry } {
  if (bag.members.length === 0) throw new DemucsError('MANIFEST', 'the bag holds no model');
  checkWeights(bag.stems, bag.members.map((m) => m.weights));
  const stems = resolveStems(bag.stems, requested);
  const keep = neededModels(bag.stems, bag.members.map((m) => m.weights), stems);
  return { stems, members: keep.map((k) => bag.members[k]!), geometry: bagGeometry(bag.members) };
}
