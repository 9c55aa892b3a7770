/**
 * Live mode on the built page with the default (real) model, as a user starts it: a preset,
 * `autoLatency` on (`npm run bench:live-page -- [--preset balanced] [--seconds 150] [--file-model]
 * [--no-auto]`: the page's one model at its shorter window, 3.9 s, or at the file window, 7.8 s; --no-auto keeps
 * the preset however the device copes, to count dropouts against what is heard). Prints
 * what the run timed at load chose (the panel's line), the states announced (a restart shows as
 * off/starting again), the dropouts over the whole time, and each click of the click track
 * measured against the stated latency, through the stems or dry.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { build, preview } from 'vite';
import type { LatencyPreset } from '../src/core/live.ts';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/chromium.mjs';
import { liveClicks, modelReady, RECORDER_FILE, RECORDER_PATH } from '../test/e2e/mixer-page.ts';
import { ROOT } from './measure.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const preset = option('--preset', 'balanced') as LatencyPreset;
const seconds = Number(option('--seconds', '150'));
const fileModel = args.includes('--file-model');
const auto = !args.includes('--no-auto');

await build({ root: ROOT, logLevel: 'warn' });
mkdirSync(join(ROOT, 'dist', dirname(RECORDER_PATH)), { recursive: true });
copyFileSync(RECORDER_FILE, join(ROOT, 'dist', RECORDER_PATH));
const server = await preview({ root: ROOT, logLevel: 'warn', preview: { port: 0, host: '127.0.0.1' } });
const browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, protocolTimeout: 3_600_000 });
try {
  const page = await browser.newPage();
  await page.goto(server.resolvedUrls!.local[0]!);
  const ready = await modelReady(page);
  console.log(`model ready (${ready.backend}); going live with "${preset}", autoLatency ${auto ? 'on' : 'off'}, ${fileModel ? 'the file window (7.8 s)' : 'the shorter window (3.9 s)'}, for ${seconds} s`);
  const started = performance.now();
  const r = await liveClicks(page, preset, seconds, auto, fileModel);
  const restarts = r.states.filter((s) => s === 'starting').length - 1;
  const stems = r.clicks.filter((c) => c.throughStems);
  const worst = Math.max(0, ...r.clicks.map((c) => Math.abs(c.latency - r.stated)));
  console.log(`panel: ${r.panel}`);
  console.log(`states: ${r.states.join(', ')} (${restarts} restarts) in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log(`stated latency ${(r.stated / 44100).toFixed(2)} s (${r.stated} samples); real-time factor ${r.realtimeFactor.toFixed(2)}; dropouts ${r.xruns}`);
  const d = r.dropouts;
  console.log(`dropouts heard in the recording: ${d.heard} spans, ${d.heardSeconds.toFixed(2)} s dry; counted: ${d.counted}, ${d.countedSeconds.toFixed(2)} s`);
  console.log(`clicks: ${r.clicks.length}, ${stems.length} through the stems; largest |measured − stated| ${worst} samples`);
  console.log(`measured: ${r.clicks.map((c) => `${c.latency - r.stated}${c.throughStems ? '' : ' (dry)'}`).join(', ')}`);
} finally {
  await browser.close();
  await server.close();
}
