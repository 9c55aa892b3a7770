/** Small templates the mixer's parts share. */
import { html } from 'lit';
import { FADER_MAX_DB, FADER_MIN_DB, formatDb } from '../../src/core/mixing.ts';

/** A fader: a native range input (arrows, Home/End, Page keys), named, with its value in dB. */
export function fader(label: string, db: number, set: (db: number) => void) {
  return html`<input
    part="fader"
    type="range"
    min=${FADER_MIN_DB}
    max=${FADER_MAX_DB}
    step="0.5"
    .value=${String(db)}
    aria-label=${label}
    aria-valuetext=${formatDb(db)}
    @input=${(e: Event) => set(Number((e.target as HTMLInputElement).value))}
  />`;
}

/** Time as m:ss.t (h:mm:ss for an hour or more). */
export function formatTime(seconds: number): string {
  const s = Math.max(0, seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h}:${String(m).padStart(2, '0')}:${String(Math.floor(rest)).padStart(2, '0')}`;
  return `${m}:${rest.toFixed(1).padStart(4, '0')}`;
}

/**
 * A stem's colour as the `--stem` custom property, for styleProps (style-props.ts: the CSSOM,
 * which a page's Content-Security-Policy allows).
 */
export function stemColour(stem: string): Record<string, string> {
  return { '--stem': `var(--demucs-stem-${stem}, var(--demucs-accent))` };
}
