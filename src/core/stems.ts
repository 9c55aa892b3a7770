/** Stem names of the htdemucs family, in the order the networks emit them. */
export type KnownStemName = 'drums' | 'bass' | 'other' | 'vocals' | 'guitar' | 'piano';
/** A stem name: the known ones, or whatever a model's manifest declares. */
export type StemName = KnownStemName | (string & {});

export const FOUR_STEMS: readonly KnownStemName[] = ['drums', 'bass', 'other', 'vocals'];
export const SIX_STEMS: readonly KnownStemName[] = ['drums', 'bass', 'other', 'vocals', 'guitar', 'piano'];

/** Default stem names for a model without a manifest, by its stem count; null when there is no default. */
export function defaultStemNames(count: number): readonly StemName[] | null {
  if (count === FOUR_STEMS.length) return FOUR_STEMS;
  if (count === SIX_STEMS.length) return SIX_STEMS;
  return null;
}
