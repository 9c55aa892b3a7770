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
  /** Pan, −1 (left) … 1 (right); 0 (centre) when absent. */
  readonly pan?: number;
}

/**
 * How a stem's two channels make the output's: out L = ll·L + rl·R, out R = lr·L + rr·R (its
 * gain included).
 */
export interface StereoMix {
  readonly ll: number;
  readonly rl: number;
  readonly lr: number;
  readonly rr: number;
}

/** A pan position within −1 … 1 (anything else: centre). */
export function clampPan(pan: number): number {
  return Number.isFinite(pan) ? Math.max(-1, Math.min(1, pan)) : 0;
}

/**
 * The StereoPannerNode's law for a stereo input (Web Audio, equal power): panning left keeps the
 * left channel and moves part of the right one into it; panning right, the other way round.
 */
export function panMatrix(pan: number, gain = 1): StereoMix {
  const p = clampPan(pan);
  if (p === 0) return { ll: gain, rl: 0, lr: 0, rr: gain };
  if (p < 0) {
    const x = ((p + 1) * Math.PI) / 2;
    return { ll: gain, rl: gain * Math.cos(x), lr: 0, rr: gain * Math.sin(x) };
  }
  const x = (p * Math.PI) / 2;
  return { ll: gain * Math.cos(x), rl: 0, lr: gain * Math.sin(x), rr: gain };
}

/** The stereo mix of every stem as heard: gains (stemGains) through each stem's pan. */
export function stemMixes(stems: readonly StemControls[], gains: readonly number[] = stemGains(stems)): StereoMix[] {
  return stems.map((s, i) => panMatrix(s.pan ?? 0, gains[i]!));
}

/** One stem alone, as separated. */
export function soloMix(count: number, stem: number): StereoMix[] {
  return Array.from({ length: count }, (_, s) => (s === stem ? { ll: 1, rl: 0, lr: 0, rr: 1 } : { ll: 0, rl: 0, lr: 0, rr: 0 }));
}

/** Text of a pan position: "C", "L 50", "R 100". */
export function formatPan(pan: number): string {
  const p = Math.round(clampPan(pan) * 100);
  return p === 0 ? 'C' : p < 0 ? `L ${-p}` : `R ${p}`;
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

/**
 * `n` frames of Σ_s mixes[s] · stem s (an export of the mix, or of one stem by soloMix): `read(s)`
 * gives stem s's [left, right]; a stem whose mix is silent is not read.
 */
export function mixStems(mixes: readonly StereoMix[], n: number, read: (stem: number) => readonly [ArrayLike<number>, ArrayLike<number>]): [Float32Array, Float32Array] {
  const left = new Float32Array(n);
  const right = new Float32Array(n);
  mixes.forEach(({ ll, rl, lr, rr }, s) => {
    if (ll === 0 && rl === 0 && lr === 0 && rr === 0) return;
    const [l, r] = read(s);
    for (let i = 0; i < n; i++) {
      left[i] = left[i]! + ll * l[i]! + rl * r[i]!;
      right[i] = right[i]! + lr * l[i]! + rr * r[i]!;
    }
  });
  return [left, right];
}
