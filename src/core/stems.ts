/** Stem names of the htdemucs family, in the order the networks emit them. */
export type KnownStemName = 'drums' | 'bass' | 'other' | 'vocals' | 'guitar' | 'piano';
/** A stem name: the known ones, or whatever a model's manifest declares. */
export type StemName = KnownStemName | (string & {});

export const FOUR_STEMS: readonly KnownStemName[] = ['drums', 'bass', 'other', 'vocals'];
export const SIX_STEMS: readonly KnownStemName[] = ['drums', 'bass', 'other', 'vocals', 'guitar', 'piano'];

/**
 * Each known stem's colour: the mixer's dark theme (its custom properties' defaults) and the
 * colours written into NI Stems files.
 */
export const STEM_COLORS: Record<KnownStemName, string> = {
  drums: '#ff9f0a',
  bass: '#bf5af2',
  other: '#30d158',
  vocals: '#ff375f',
  guitar: '#ffd60a',
  piano: '#64d2ff',
};

/** Default stem names for a model without a manifest, by its stem count; null when there is no default. */
export function defaultStemNames(count: number): readonly StemName[] | null {
  if (count === FOUR_STEMS.length) return FOUR_STEMS;
  if (count === SIX_STEMS.length) return SIX_STEMS;
  return null;
}
