/**
 * Key and tempo as the mixer plays them: the stems run at the tempo's speed (varispeed, so
 * their pitch moves by 12·log2(speed) semitones), and one pitch shift then moves the mix to the
 * song's pitch plus the key. With `keepFormants`, the shifter keeps the spectral envelope where
 * the song had it (voices keep their timbre when the key moves); without, the envelope moves
 * with the key, as on a plain transposition. Pure arithmetic, shared by the page and the export.
 */
import { KEY_MAX, KEY_MIN, TEMPO_MAX, TEMPO_MIN } from './constants.ts';
import { DemucsError } from './errors.ts';

/** What the pitch shifter does to the varispeed mix. */
export interface PitchShift {
  readonly semitones: number;
  readonly formantSemitones: number;
  readonly formantCompensation: boolean;
}

/** A key within ±12 semitones, or BAD_ARGUMENT naming it. */
export function checkKey(semitones: number): number {
  if (!Number.isFinite(semitones) || semitones < KEY_MIN || semitones > KEY_MAX) {
    throw new DemucsError('BAD_ARGUMENT', `key must be ${KEY_MIN} … +${KEY_MAX} semitones, got ${semitones}`);
  }
  return semitones;
}

/** A tempo within 50 … 150 %, or BAD_ARGUMENT naming it. */
export function checkTempo(percent: number): number {
  if (!Number.isFinite(percent) || percent < TEMPO_MIN || percent > TEMPO_MAX) {
    throw new DemucsError('BAD_ARGUMENT', `tempo must be ${TEMPO_MIN} … ${TEMPO_MAX} %, got ${percent}`);
  }
  return percent;
}

/** The shift that brings stems played at `speed` (1 = the song's tempo) to `key` semitones. */
export function pitchShift(key: number, speed: number, keepFormants: boolean): PitchShift {
  const varispeed = 12 * Math.log2(speed);
  const semitones = key - varispeed;
  // Compensated, the envelope stays where the varispeed put it: shift it back by as much.
  return keepFormants ? { semitones, formantSemitones: -varispeed, formantCompensation: true } : { semitones, formantSemitones: 0, formantCompensation: false };
}

/** Whether the shift leaves the sound as it is (no stretch needed). */
export function isNeutral(shift: PitchShift): boolean {
  return Math.abs(shift.semitones) < 1e-9 && Math.abs(shift.formantSemitones) < 1e-9;
}

/** Frames of output that `frames` of the song last at `speed` (rounded to a frame). */
export function heardFrames(frames: number, speed: number): number {
  return Math.round(frames / speed);
}
