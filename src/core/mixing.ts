/**
 * Fader, mute and solo → the gain each stem plays at. Pure, so the truth table is tested
 * without audio. Rules (as most DAWs): a muted stem is silent; when any stem is soloed, only
 * soloed stems sound; the fader's bottom is −∞ dB (silence).
 */

/** Fader range in dB; the minimum means −∞. */
export const FADER_MIN_DB = -60;
export const FADER_MAX_DB = 6;

export interface StemControls {
  /** Fader position in dB, FADER_MIN_DB (= −∞) … FADER_MAX_DB. */
  readonly gainDb: number;
  readonly mute: boolean;
  readonly solo: boolean;
}

/** Linear gain of a fader position; the bottom of the fader is silence. */
export function faderToLinear(db: number): number {
  if (!(db > FADER_MIN_DB)) return 0;
  return 10 ** (Math.min(db, FADER_MAX_DB) / 20);
}

/** The linear gain every stem plays at. */
export function stemGains(stems: readonly StemControls[]): number[] {
  const anySolo = stems.some((s) => s.solo);
  return stems.map((s) => (s.mute || (anySolo && !s.solo) ? 0 : faderToLinear(s.gainDb)));
}

/** Text of a fader position for people and screen readers: "−∞ dB", "-6.0 dB", "+3.0 dB". */
export function formatDb(db: number): string {
  if (!(db > FADER_MIN_DB)) return '−∞ dB';
  return `${db > 0 ? '+' : ''}${db.toFixed(1)} dB`;
}
