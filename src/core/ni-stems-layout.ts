import { STEM_COLORS, type StemName } from './stems.ts';

/**
 * What NI Stems files hold, whatever their codec: exactly four stems in track order after the
 * mix, and the `stem` box's JSON (NI's format: version 1, the mastering DSP, compressor and
 * limiter both off so the stems play as separated, and each stem's name and colour). A six-stem
 * model's guitar and piano are folded into "other" (`niStemGroups`).
 */

/** The four stems of the format, in track order. */
export const NI_STEMS = ['drums', 'bass', 'other', 'vocals'] as const;

/** Which of `stems` add up into each NI stem (guitar and piano into "other"). */
export function niStemGroups(stems: readonly StemName[]): number[][] {
  return NI_STEMS.map((ni) => {
    const own = stems.indexOf(ni);
    const folded = ni === 'other' ? stems.flatMap((s, k) => (s === 'guitar' || s === 'piano' ? [k] : [])) : [];
    return own < 0 ? folded : [own, ...folded];
  });
}

/** The JSON of the `stem` box, as NI's format defines it. */
export function niStemsManifest(): string {
  return JSON.stringify({
    version: 1,
    mastering_dsp: {
      compressor: { enabled: false, ratio: 3, output_gain: 0.5, release: 0.3, attack: 0.003, input_gain: 0.5, threshold: 0, hp_cutoff: 300, dry_wet: 50 },
      limiter: { enabled: false, release: 0.05, threshold: 0, ceiling: -0.35 },
    },
    stems: NI_STEMS.map((name) => ({ name: name[0]!.toUpperCase() + name.slice(1), color: STEM_COLORS[name] })),
  });
}
