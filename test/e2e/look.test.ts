/**
 * The mixer's look on the built page, in every state (empty, model loading, separating,
 * separated, live, error) at 360, 768 and 1280 px, light and dark: axe-core reports no
 * violation, nothing scrolls sideways and every control is inside the viewport. Also: the
 * colour scheme follows the system unless `theme` says otherwise, and reduced motion stops
 * the transitions.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { PreviewServer } from 'vite';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../chromium.mjs';
import { enterState, layoutProblems, serveStatesPage, showAt, STATES, THEMES, WIDTHS } from './mixer-states.ts';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  readonly id: string;
  readonly help: string;
  readonly nodes: { readonly target: unknown[]; readonly failureSummary?: string }[];
}

function audit(page: Page): Promise<AxeViolation[]> {
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: Element, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document.querySelector('demucs-mixer')!, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
}

describe('the mixer in every state, width and theme (built page)', () => {
  let server: PreviewServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    const served = await serveStatesPage();
    server = served.server;
    browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, protocolTimeout: 600_000 });
    page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    // axe-core goes in as an inline script, which the preview server's Content-Security-Policy
    // forbids (the policy itself is tested in page.test.ts and package.test.ts).
    await page.setBypassCSP(true);
    await page.goto(served.url);
    await page.addScriptTag({ content: AXE });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const state of STATES) {
    test(`${state}: 0 axe violations and no overflow at ${WIDTHS.join(', ')} px, light and dark`, async () => {
      await enterState(page, state);
      const found: string[] = [];
      for (const width of WIDTHS) {
        for (const theme of THEMES) {
          await showAt(page, width, theme);
          for (const v of await audit(page)) found.push(`${width} px ${theme}: ${v.id} (${v.help}): ${v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`).join('; ')}`);
          for (const p of await layoutProblems(page)) found.push(`${width} px ${theme}: ${p}`);
        }
      }
      assert.deepEqual(found, []);
      if (state === 'separating') {
        const still = await page.evaluate(() => document.querySelector('demucs-mixer')!.separatedSeconds < document.querySelector('demucs-mixer')!.duration);
        assert.ok(still, 'still separating at the end of the audit');
      }
      if (state === 'live') assert.equal(await page.evaluate(() => document.querySelector('demucs-mixer')!.liveState), 'running');
      assert.deepEqual(errors, []);
    });
  }

  test('the colour scheme follows the system unless `theme` sets it; reduced motion stops transitions', async () => {
    await enterState(page, 'empty');
    const look = () =>
      page.evaluate(() => {
        const m = document.querySelector('demucs-mixer')!;
        const button = m.shadowRoot!.querySelector('button')!;
        return { background: getComputedStyle(m).backgroundColor, transition: getComputedStyle(button).transitionDuration };
      });
    const theme = (value: string) => page.evaluate((value) => (document.querySelector('demucs-mixer')!.theme = value as 'light' | 'dark' | ''), value);
    await theme('');
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    const light = await look();
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    const dark = await look();
    assert.notEqual(light.background, dark.background);
    await theme('light');
    assert.equal((await look()).background, light.background, 'theme="light" on a dark system');
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    await theme('dark');
    assert.equal((await look()).background, dark.background, 'theme="dark" on a light system');
    assert.notEqual(dark.transition.split(',')[0], '0s', 'buttons ease their colours');
    await page.emulateMediaFeatures([{ name: 'prefers-reduced-motion', value: 'reduce' }]);
    assert.ok((await look()).transition.split(',').every((d) => d.trim() === '0s'), 'reduced motion: no transition');
    await page.emulateMediaFeatures([]);
  });
});
