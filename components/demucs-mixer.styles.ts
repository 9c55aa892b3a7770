import { css } from 'lit';

export const styles = css`
  :host {
    --demucs-bg: #16181d;
    --demucs-fg: #e8e8ea;
    --demucs-muted: #8a8f98;
    --demucs-accent: #5ac8fa;
    --demucs-panel: #1f2229;
    --demucs-radius: 8px;
    --demucs-font: system-ui, sans-serif;
    --demucs-stem-drums: #ff9f0a;
    --demucs-stem-bass: #bf5af2;
    --demucs-stem-other: #30d158;
    --demucs-stem-vocals: #ff375f;
    --demucs-stem-guitar: #ffd60a;
    --demucs-stem-piano: #64d2ff;
    display: block;
    color: var(--demucs-fg);
    background: var(--demucs-bg);
    font-family: var(--demucs-font);
    border-radius: var(--demucs-radius);
    padding: 12px;
  }
  :host([hidden]) {
    display: none;
  }
  button {
    font: inherit;
    color: inherit;
    background: var(--demucs-panel);
    border: 1px solid #333842;
    border-radius: 6px;
    padding: 4px 10px;
    cursor: pointer;
  }
  button[aria-pressed='true'] {
    background: var(--demucs-accent);
    color: #000;
  }
  button:focus-visible,
  input:focus-visible {
    outline: 2px solid var(--demucs-accent);
    outline-offset: 2px;
  }
  .drop {
    border: 2px dashed #3a3f4a;
    border-radius: var(--demucs-radius);
    padding: 14px;
    text-align: center;
    color: var(--demucs-muted);
  }
  .drop.over {
    border-color: var(--demucs-accent);
    color: var(--demucs-fg);
  }
  .status {
    display: flex;
    flex-wrap: wrap;
    gap: 12px;
    font-size: 0.85em;
    color: var(--demucs-muted);
    margin: 8px 0;
  }
  .error {
    color: #ff6961;
  }
  .transport {
    display: flex;
    align-items: center;
    gap: 10px;
    margin: 10px 0;
  }
  .seek {
    flex: 1;
  }
  .waiting {
    color: var(--demucs-accent);
  }
  .stems {
    display: grid;
    gap: 6px;
  }
  .stem {
    display: grid;
    grid-template-columns: 8px 6em 1fr 5.5em 8em auto 60px;
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
  }
  .karaoke {
    display: inline-flex;
    align-items: center;
    gap: 6px;
  }
  .karaoke input {
    width: 6em;
  }
  .pan {
    display: flex;
    align-items: center;
    gap: 4px;
  }
  .pan input {
    width: 4.5em;
  }
  .stem canvas {
    grid-column: 1 / -1;
    width: 100%;
    height: 36px;
  }
  .meter {
    height: 8px;
    background: #2a2e37;
    border-radius: 4px;
    overflow: hidden;
  }
  .meter > div {
    height: 100%;
    background: var(--demucs-accent);
    width: 0;
  }
  .buttons {
    display: flex;
    gap: 4px;
  }
  .master {
    display: flex;
    align-items: center;
    gap: 10px;
    margin-top: 10px;
  }
  input[type='range'] {
    width: 100%;
  }
`;
