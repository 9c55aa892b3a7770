import { css, unsafeCSS } from 'lit';
import { STEM_COLORS } from '../src/core/stems.ts';

/**
 * The mixer's theme and its controls' look: every colour a custom property a page may set on
 * the element; dark by default, light where the system prefers it, `theme="light|dark"`
 * overrides; buttons, selects and ranges drawn from them; a focus ring on everything focusable;
 * no transitions under prefers-reduced-motion.
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
  ${unsafeCSS(Object.entries(STEM_COLORS).map(([stem, color]) => `--demucs-stem-${stem}: ${color};`).join('\n'))}
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

export const themeStyles = css`
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
  input[type='number'] {
    font: inherit;
    color: var(--demucs-fg);
    background: var(--demucs-panel);
    border: 1px solid var(--demucs-border);
    border-radius: 6px;
    padding: 3px 6px;
    min-height: 30px;
  }
  input[type='checkbox'] {
    accent-color: var(--demucs-accent);
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
