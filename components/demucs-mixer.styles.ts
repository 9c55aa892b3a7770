import { css } from 'lit';

/**
 * The mixer's one stylesheet (its parts render into its shadow root). Every colour comes from a
 * custom property a page may set on the element; dark by default, light where the system
 * prefers it, `theme="light|dark"` overrides. Narrow (under 640 px) the strips stack.
 */
const dark = css`
  --demucs-bg: #16181d;
  --demucs-fg: #e8e8ea;
  --demucs-muted: #9aa0a9;
  --demucs-accent: #5ac8fa;
  --demucs-on-accent: #000;
  --demucs-panel: #1f2229;
  --demucs-border: #3a3f4a;
  --demucs-error: #ff7b73;
  --demucs-stem-drums: #ff9f0a;
  --demucs-stem-bass: #bf5af2;
  --demucs-stem-other: #30d158;
  --demucs-stem-vocals: #ff375f;
  --demucs-stem-guitar: #ffd60a;
  --demucs-stem-piano: #64d2ff;
  color-scheme: dark;
`;

const light = css`
  --demucs-bg: #f6f7f9;
  --demucs-fg: #1b1d22;
  --demucs-muted: #545a64;
  --demucs-accent: #0a66b0;
  --demucs-on-accent: #fff;
  --demucs-panel: #ffffff;
  --demucs-border: #b9bec7;
  --demucs-error: #b3261e;
  --demucs-stem-drums: #c25e00;
  --demucs-stem-bass: #8e3cc0;
  --demucs-stem-other: #1f8a3b;
  --demucs-stem-vocals: #d01f45;
  --demucs-stem-guitar: #9a7a00;
  --demucs-stem-piano: #1179a8;
  color-scheme: light;
`;

export const styles = css`
  :host {
    ${dark}
    --demucs-radius: 8px;
    --demucs-font: system-ui, sans-serif;
    --demucs-lane-height: 44px;
    display: block;
    container-type: inline-size;
    color: var(--demucs-fg);
    background: var(--demucs-bg);
    font-family: var(--demucs-font);
    border-radius: var(--demucs-radius);
    padding: 12px;
    box-sizing: border-box;
    max-width: 100%;
  }
  @media (prefers-color-scheme: light) {
    :host(:not([theme='dark'])) {
      ${light}
    }
  }
  :host([theme='light']) {
    ${light}
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  button,
  select {
    font: inherit;
    color: var(--demucs-fg);
    background: var(--demucs-panel);
    border: 1px solid var(--demucs-border);
    border-radius: 6px;
    padding: 4px 10px;
    min-height: 30px;
    cursor: pointer;
    transition: background-color 120ms, border-color 120ms;
  }
  button:hover:not(:disabled),
  select:hover:not(:disabled) {
    border-color: var(--demucs-accent);
  }
  button:disabled,
  select:disabled {
    opacity: 0.5;
    cursor: default;
  }
  button[aria-pressed='true'] {
    background: var(--demucs-accent);
    border-color: var(--demucs-accent);
    color: var(--demucs-on-accent);
  }
  select {
    appearance: none;
    padding-right: 26px;
    max-width: 100%;
    background-image:
      linear-gradient(45deg, transparent 50%, var(--demucs-muted) 50%),
      linear-gradient(135deg, var(--demucs-muted) 50%, transparent 50%);
    background-position:
      calc(100% - 14px) 55%,
      calc(100% - 9px) 55%;
    background-size: 5px 5px;
    background-repeat: no-repeat;
  }
  input[type='range'] {
    appearance: none;
    -webkit-appearance: none;
    background: transparent;
    width: 100%;
    min-width: 0;
    height: 24px;
    margin: 0;
    accent-color: var(--demucs-accent);
  }
  input[type='range']::-webkit-slider-runnable-track {
    height: 4px;
    border-radius: 2px;
    background: var(--demucs-border);
  }
  input[type='range']::-webkit-slider-thumb {
    -webkit-appearance: none;
    width: 14px;
    height: 14px;
    margin-top: -5px;
    border-radius: 50%;
    background: var(--demucs-fg);
    border: 2px solid var(--demucs-accent);
  }
  input[type='range']::-moz-range-track {
    height: 4px;
    border-radius: 2px;
    background: var(--demucs-border);
  }
  input[type='range']::-moz-range-thumb {
    width: 12px;
    height: 12px;
    border-radius: 50%;
    background: var(--demucs-fg);
    border: 2px solid var(--demucs-accent);
  }
  input[type='range']:disabled {
    opacity: 0.5;
  }
  :focus-visible {
    outline: 2px solid var(--demucs-accent);
    outline-offset: 2px;
  }
  .drop {
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
    font-size: 0.75em;
    color: var(--demucs-fg);
    background: var(--demucs-panel);
    border-left: 3px solid var(--stem);
    padding: 0 4px;
    border-radius: 3px;
    pointer-events: none;
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
    .help {
      margin-left: 0;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    *,
    *::before,
    *::after {
      transition: none !important;
      animation: none !important;
      scroll-behavior: auto !important;
    }
  }
`;
