/**
 * `npm run screenshots`: the mixer on the built page in each state (empty, model loading,
 * separating, separated, live, error) at 360, 768 and 1280 px, light and dark, saved as
 * screenshots/<state>-<width>-<theme>.png for review (the same states the look test audits).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/chromium.mjs';
import { enterState, serveStatesPage, showAt, STATES, THEMES, WIDTHS } from '../test/e2e/mixer-states.ts';
import { ROOT } from '../test/node/helpers.ts';

const out = join(ROOT, 'screenshots');
mkdirSync(out, { recursive: true });
const { server, url } = await serveStatesPage();
const browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
try {
  const page = await browser.newPage();
  await page.goto(url);
  for (const state of STATES) {
    await enterState(page, state);
    for (const width of WIDTHS) {
      for (const theme of THEMES) {
        await showAt(page, width, theme);
        const mixer = (await page.$('demucs-mixer'))!;
        const path = join(out, `${state}-${width}-${theme}.png`) as `${string}.png`;
        await mixer.screenshot({ path });
        console.log(path);
      }
    }
  }
} finally {
  await browser.close();
  await server.close();
}
