/** The keyboard map, as the help popover lists it (the keyboard controller implements it). */
import { html } from 'lit';

/** Keys and what they do; `strip`: on a focused strip. */
export const SHORTCUTS: readonly { readonly keys: string; readonly action: string; readonly strip?: boolean }[] = [
  { keys: 'Space', action: 'Play / pause' },
  { keys: '← / →', action: 'Seek 5 s back / forward (Shift: 1 s)' },
  { keys: 'Home / End', action: 'Go to the start / the end' },
  { keys: 'L', action: 'Loop on / off (without a region: the 10 s from the playhead)' },
  { keys: 'Shift+L', action: 'Clear the loop' },
  { keys: '+ / −', action: 'Zoom the timeline in / out' },
  { keys: '[ / ]', action: 'Key down / up a semitone (Shift: 10 cents)' },
  { keys: ', / .', action: 'Tempo −5 / +5 % (Shift: 1 %)' },
  { keys: 'M', action: 'Mute the stem', strip: true },
  { keys: 'S', action: 'Solo the stem', strip: true },
  { keys: 'I', action: 'Isolate the stem (only it sounds)', strip: true },
  { keys: '↑ / ↓', action: 'Stem level +1 / −1 dB', strip: true },
  { keys: '?', action: 'This list' },
];

/** The help popover: the shortcuts, closed by its button or Escape. */
export function renderHelp(close: () => void) {
  const row = (s: (typeof SHORTCUTS)[number]) => html`<tr><th scope="row"><kbd>${s.keys}</kbd></th><td>${s.action}</td></tr>`;
  return html`<div
    id="shortcuts"
    class="help-popover"
    part="help"
    role="dialog"
    aria-label="Keyboard shortcuts"
    @keydown=${(e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        close();
      }
    }}
  >
    <table>
      <caption>Anywhere in the mixer</caption>
      <tbody>${SHORTCUTS.filter((s) => !s.strip).map(row)}</tbody>
    </table>
    <table>
      <caption>On a focused strip</caption>
      <tbody>${SHORTCUTS.filter((s) => s.strip).map(row)}</tbody>
    </table>
    <button class="close" @click=${close}>Close</button>
  </div>`;
}
