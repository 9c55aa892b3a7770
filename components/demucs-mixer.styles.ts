import { css } from 'lit';
import { themeStyles } from './theme.styles.ts';

/**
 * The mixer's layout (its parts render into its shadow root, so one stylesheet covers them):
 * drop zone, status, transport, help, timeline, strips and master. Under 640 px of its own
 * width (a container query) each strip stacks its controls.
 */
export const styles = [
  themeStyles,
  css`  .drop {
    border: 2px dashed var(--demucs-border);
    border-radius: var(--demucs-radius);
    padding: 14px;
    text-align: center;
    color: var(--demucs-muted);
    overflow-wrap: anywhere;
  }
  .drop.over {
    border-color: var(--demucs-accent);
    color: var(--demucs-fg);
  }
  .status {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 12px;
    font-size: 0.85em;
    color: var(--demucs-muted);
    margin: 8px 0;
    overflow-wrap: anywhere;
  }
  .error {
    color: var(--demucs-error);
  }
  .waiting {
    color: var(--demucs-accent);
  }
  .transport {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px 10px;
    margin: 10px 0;
  }
  .time {
    font-variant-numeric: tabular-nums;
    min-width: 7.5em;
  }
  .karaoke {
    display: inline-flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px;
  }
  .karaoke input {
    width: 6em;
  }
  .key-tempo {
    display: inline-flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px;
  }
  .key-tempo label {
    display: inline-flex;
    align-items: center;
    gap: 6px;
  }
  .key-tempo input[type='range'] {
    width: 6em;
  }
  .key-tempo .cents {
    width: 4em;
  }
  .key-tempo .unit {
    color: var(--demucs-muted);
  }
  .key-reset,
  .tempo-reset {
    font-variant-numeric: tabular-nums;
    min-width: 5.5em;
  }
  .help {
    margin-left: auto;
  }
  .help-popover {
    position: relative;
    background: var(--demucs-panel);
    border: 1px solid var(--demucs-border);
    border-radius: var(--demucs-radius);
    padding: 10px 12px;
    margin: 0 0 10px;
    display: flex;
    flex-wrap: wrap;
    gap: 8px 24px;
    align-items: flex-start;
  }
  .help-popover table {
    border-collapse: collapse;
  }
  .help-popover caption {
    text-align: left;
    color: var(--demucs-muted);
    font-size: 0.85em;
    padding-bottom: 4px;
  }
  .help-popover th {
    text-align: left;
    font-weight: normal;
    padding: 2px 12px 2px 0;
    white-space: nowrap;
  }
  kbd {
    font: inherit;
    font-size: 0.9em;
    border: 1px solid var(--demucs-border);
    border-radius: 4px;
    padding: 0 4px;
  }
  .timeline {
    margin: 6px 0 10px;
  }
  .timeline-bar {
    display: flex;
    gap: 6px;
    margin-bottom: 4px;
  }
  .scroller {
    overflow-x: auto;
    overflow-y: hidden;
    border-radius: 6px;
    background: var(--demucs-panel);
  }
  .content {
    min-width: 100%;
  }
  .view {
    position: sticky;
    left: 0;
    touch-action: none;
    user-select: none;
    cursor: text;
    overflow: hidden;
  }
  canvas.ruler {
    display: block;
    width: 100%;
    height: 24px;
    color: var(--demucs-muted);
    cursor: col-resize;
    border-bottom: 1px solid var(--demucs-border);
  }
  .lane {
    position: relative;
    height: var(--demucs-lane-height);
    border-bottom: 1px solid var(--demucs-border);
    color: var(--stem);
  }
  .lane-canvas {
    display: block;
    width: 100%;
    height: 100%;
  }
  .lane-name {
    position: absolute;
    left: 4px;
    top: 2px;
    min-height: 0;
    font-size: 0.75em;
    color: var(--demucs-fg);
    background: var(--demucs-panel);
    border: 1px solid var(--demucs-border);
    border-left: 3px solid var(--stem);
    padding: 0 4px;
    border-radius: 3px;
  }
  .lane-name[aria-pressed='true'] {
    background: var(--demucs-panel);
    color: var(--demucs-fg);
    border-color: var(--demucs-accent);
    border-left-color: var(--stem);
  }
  .pending {
    position: absolute;
    top: 24px;
    bottom: 0;
    right: 0;
    background: repeating-linear-gradient(135deg, transparent 0 6px, color-mix(in srgb, var(--demucs-muted) 18%, transparent) 6px 12px);
    pointer-events: none;
  }
  .loop-region {
    position: absolute;
    top: 0;
    bottom: 0;
    background: color-mix(in srgb, var(--demucs-accent) 12%, transparent);
    border-left: 1px solid var(--demucs-accent);
    border-right: 1px solid var(--demucs-accent);
    pointer-events: none;
  }
  .loop-region.on {
    background: color-mix(in srgb, var(--demucs-accent) 25%, transparent);
  }
  .playhead {
    position: absolute;
    top: 0;
    bottom: 0;
    left: 0;
    width: 2px;
    margin-left: -1px;
    background: var(--demucs-fg);
    pointer-events: none;
  }
  .stems {
    display: grid;
    gap: 6px;
  }
  .stem {
    display: grid;
    grid-template-columns: 8px 5em minmax(5em, 1fr) 4.5em minmax(7em, 10em) auto minmax(40px, 80px);
    align-items: center;
    gap: 8px;
    background: var(--demucs-panel);
    border-radius: 6px;
    padding: 6px 8px;
  }
  .stem.routable {
    grid-template-columns: 8px 5em minmax(5em, 1fr) 4.5em minmax(7em, 10em) auto minmax(6em, 11em) minmax(40px, 80px);
  }
  .stem .output {
    min-width: 0;
    width: 100%;
    text-overflow: ellipsis;
  }
  .swatch {
    width: 8px;
    height: 28px;
    border-radius: 4px;
    background: var(--stem);
  }
  .db,
  .pan-value {
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
  }
  .pan {
    display: flex;
    align-items: center;
    gap: 4px;
  }
  .pan input {
    width: 4.5em;
    flex: 1;
  }
  .meter {
    height: 8px;
    background: var(--demucs-border);
    border-radius: 4px;
    overflow: hidden;
  }
  .meter > div {
    height: 100%;
    background: var(--stem, var(--demucs-accent));
    width: 0;
    transition: width 60ms linear;
  }
  .buttons {
    display: flex;
    gap: 4px;
  }
  .master {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px 10px;
    margin-top: 10px;
  }
  .master input[type='range'] {
    flex: 1 1 8em;
    width: auto;
  }
  .export {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px 10px;
    margin-top: 8px;
  }
  .export progress {
    flex: 1 1 6em;
  }
  .export-note {
    flex-basis: 100%;
    color: var(--demucs-muted);
  }
  @container (max-width: 640px) {
    .stem {
      grid-template-columns: 8px 1fr auto;
      grid-template-areas:
        'swatch name buttons'
        'swatch fader db'
        'swatch pan pan'
        'swatch meter meter';
      row-gap: 4px;
    }
    .swatch {
      grid-area: swatch;
      height: 100%;
    }
    .name {
      grid-area: name;
    }
    .stem [part='fader'] {
      grid-area: fader;
    }
    .stem .db {
      grid-area: db;
    }
    .pan {
      grid-area: pan;
    }
    .buttons {
      grid-area: buttons;
    }
    .meter {
      grid-area: meter;
    }
    .stem.routable {
      grid-template-columns: 8px 1fr auto;
      grid-template-areas:
        'swatch name buttons'
        'swatch fader db'
        'swatch pan pan'
        'swatch output output'
        'swatch meter meter';
    }
    .stem .output {
      grid-area: output;
    }
    .help {
      margin-left: 0;
    }
  }
`,
];
