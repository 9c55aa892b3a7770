/**
 * End to end on the built demo page (vite build + vite preview, cross-origin isolated) in
 * Debian's Chromium, with the real htdemucs model in WASM: file mode (the reference sample
 * through the file picker, separated, played, exported, ≥ 40 dB SDR against the original
 * implementation) and live mode (a click track comes out at the stated latency, to the sample).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../chromium.mjs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { build, preview, type PreviewServer } from 'vite';
import { REFERENCE, ROOT } from '../node/helpers.ts';
import { SAMPLE_RATE } from '../../src/core/constants.ts';
import { toneFrequency } from '../../src/core/metrics.ts';
import { encodeWav } from '../../src/core/wav.ts';
import { writeSong } from './long-song.ts';
import { serveStatic } from './static-server.ts';
import { CONTENT_SECURITY_POLICY } from '../../vite.config.ts';
import { dropSong, FIXTURE_PAGE, liveClicks, modelReady, RECORDER_FILE, RECORDER_PATH, separateReference, STEMS, watchPolicy, writeFixturePage } from './mixer-page.ts';

const present = existsSync(join(REFERENCE, 'mixture.wav'));

describe(`built demo page, real model in WASM${present ? '' : ' (skipped: ../shared/reference is not beside the checkout)'}`, { skip: !present }, () => {
  let server: PreviewServer;
  let browser: Browser;
  let page: Page;
  const logs: string[] = [];

  before(async () => {
    await build({ root: ROOT, logLevel: 'warn', build: { outDir: join(ROOT, 'dist') } });
    // The preview server sends the documented Content-Security-Policy: the test's recorder worklet comes from the page's origin.
    mkdirSync(join(ROOT, 'dist', dirname(RECORDER_PATH)), { recursive: true });
    copyFileSync(RECORDER_FILE, join(ROOT, 'dist', RECORDER_PATH));
    server = await preview({ root: ROOT, logLevel: 'warn', preview: { port: 0, host: '127.0.0.1' }, build: { outDir: join(ROOT, 'dist') } });
    browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, protocolTimeout: 600_000 });
    page = await browser.newPage();
    page.on('console', (m) => logs.push(m.text()));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e}`));
    await watchPolicy(page, logs);
    await page.goto(server.resolvedUrls!.local[0]!);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('file mode: the default model (int8, ≤ 60 MB) separates the reference sample, plays, exports; stems ≥ 40 dB SDR against fp32', async () => {
    const ready = await modelReady(page);
    assert.equal(ready.backend, 'wasm');
    // The default model: the npm model's weights converted to run any window, products in int8, made by the build: what the built page downloads.
    // Its stems are checked against the original implementation's (fp32; ours equal it within 1e-5).
    const modelBytes = (await (await fetch(new URL('models/htdemucs.onnx', server.resolvedUrls!.local[0]!))).arrayBuffer()).byteLength;
    assert.ok(modelBytes > 50e6 && modelBytes <= 60e6, `the built page serves ${modelBytes} bytes of model`);
    const result = await separateReference(page);
    console.log(`built page: separated in ${result.seconds.toFixed(1)} s; SDR ${STEMS.map((s) => `${s} ${result.sdr[s]!.toFixed(1)}`).join(', ')} dB`);
    assert.ok(result.playedSeconds >= 1, `played ${result.playedSeconds} s`);
    assert.equal(result.mixBytes, 44 + 529200 * 4, 'the mix is a whole 16-bit stereo WAV');
    for (const stem of STEMS) assert.ok(result.sdr[stem]! >= 40, `${stem}: ${result.sdr[stem]!.toFixed(1)} dB`);
    assert.ok(!logs.some((l) => l.startsWith('pageerror') || l.startsWith('csp:')), logs.join('\n'));
  });

  test('live mode as a user starts it ("balanced", autoLatency): the page\'s one model at its shorter window (3.9 s), one start at the latency this machine holds, every click at it, to the sample, through the stems', async () => {
    await modelReady(page); // as a user would, once the page says it is ready (also when this test runs alone)
    const result = await liveClicks(page, 'balanced', 45, true);
    assert.equal(result.liveWindow, 'live', 'the file model runs the shorter window (it runs any window): no second model');
    console.log(`built page live: ${result.panel}; stated ${result.stated} samples; measured ${result.clicks.map((c) => `${c.latency}${c.throughStems ? ' (stems)' : ' (dry)'}`).join(', ')}; states ${result.states.join(', ')}`);
    assert.equal(result.states.join(','), 'starting,running,off', 'one start, no restart');
    assert.ok(result.stated < 10 * 44100, `stated ${result.stated} samples: below 10 s (the 7.8 s window holds 13.7–16.5 s here)`);
    assert.ok(result.clicks.length >= 8, `${result.clicks.length} clicks came out`);
    for (const click of result.clicks) assert.equal(click.latency, result.stated, 'measured against stated latency (samples)');
    assert.ok(result.clicks.every((c) => c.throughStems), 'every click through the separated stems');
    assert.equal(result.xruns, 0);
    assert.ok(!logs.some((l) => l.startsWith('pageerror') || l.startsWith('csp:')), logs.join('\n'));
  });

  test('a reload mid-separation resumes where it stopped; a reload after it reopens the song with no run (fixture model, 10-minute song)', async () => {
    // The built page with the fixture model (the default one would take minutes for 10 minutes of song).
    writeFixturePage();
    const dir = mkdtempSync(join(tmpdir(), 'e2e-resume-'));
    const song = join(dir, 'ten-minutes.wav');
    writeSong(song, 600, 7);
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    /** Waits for the model (no shifts), then drops the song on the page's file input. */
    const drop = async () => {
      await modelReady(tab);
      await dropSong(tab, song);
    };
    const finished = () =>
      tab.evaluate(
        () =>
          new Promise<{ restored: number; runs: number; duration: number; separated: number }>((done, fail) => {
            const m = document.querySelector('demucs-mixer')!;
            const end = () => done({ restored: m.session?.restoredSeconds ?? -1, runs: m.separationStats!.runs, duration: m.duration, separated: m.separatedSeconds });
            if (m.separationStats && m.separatedSeconds === m.duration && m.duration > 0) end();
            m.addEventListener('demucs-progress', (e) => e.detail.done && end());
            m.addEventListener('demucs-error', (e) => fail(new Error(e.detail.message)));
          }),
      );
    try {
      await tab.goto(new URL(FIXTURE_PAGE, server.resolvedUrls!.local[0]!).href);
      await drop();
      const stored = (await tab.waitForFunction(
        async () => {
          const s = (await document.querySelector('demucs-mixer')!.stored()).find((x) => x.name === 'ten-minutes.wav');
          return s && s.separatedSeconds > 0 && !s.complete ? s.separatedSeconds : 0;
        },
        { polling: 50, timeout: 300_000 },
      )).jsonValue() as Promise<number>;
      const before = await stored;
      await tab.reload();
      await drop();
      const resumed = await finished();
      console.log(`reload mid-separation: ${before.toFixed(1)} s stored before the reload, ${resumed.restored.toFixed(1)} s restored after it, ${resumed.runs} runs to finish`);
      assert.equal(resumed.duration, 600);
      assert.equal(resumed.separated, 600);
      assert.ok(resumed.restored >= before && resumed.restored < 600, `restored ${resumed.restored} s (stored ${before} s before the reload)`);
      assert.ok(resumed.runs > 0, 'the rest was separated');
      await tab.reload();
      await drop();
      const reopened = await finished();
      assert.equal(reopened.restored, 600, 'reopened whole');
      assert.equal(reopened.runs, 0, 'no network run');
      assert.deepEqual(errors, []);
    } finally {
      await tab.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('built demo page: an M4A in, NI Stems out (fixture model)', () => {
  let server: PreviewServer;
  let browser: Browser;
  before(async () => {
    await build({ root: ROOT, logLevel: 'warn' });
    writeFixturePage();
    server = await preview({ root: ROOT, logLevel: 'warn', preview: { port: 0, host: '127.0.0.1' } });
    browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /**
   * A tab on the fixture model's page, ready, under the documented Content-Security-Policy (the
   * preview server sends it; a violation is an error), downloading into a folder of its own.
   */
  async function openTab(): Promise<{ tab: Page; errors: string[]; downloads: string; close(): Promise<void> }> {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    await watchPolicy(tab, errors);
    const downloads = mkdtempSync(join(tmpdir(), 'e2e-downloads-'));
    const cdp = await tab.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await tab.goto(new URL(FIXTURE_PAGE, server.resolvedUrls!.local[0]!).href);
    await modelReady(tab);
    return {
      tab,
      errors,
      downloads,
      async close() {
        await tab.close();
        rmSync(downloads, { recursive: true, force: true });
      },
    };
  }

  test('each container separates in the built page; drop an .m4a, choose NI Stems in the export menu, export: a .stem.mp4 with five tracks that ffprobe reads', async () => {
    const { tab, errors, downloads, close } = await openTab();
    try {
      const separate = async (name: string) => {
        const separated = tab.evaluate(
          () =>
            new Promise<number>((done, fail) => {
              const m = document.querySelector('demucs-mixer')!;
              const finish = (e: CustomEvent<{ done: boolean }>) => {
                if (!e.detail.done) return;
                m.removeEventListener('demucs-progress', finish as EventListener);
                done(m.duration);
              };
              m.addEventListener('demucs-progress', finish as EventListener);
              m.addEventListener('demucs-error', (e) => fail(new Error(e.detail.message)), { once: true });
            }),
        );
        await dropSong(tab, join(ROOT, 'test/fixtures/audio', name));
        return separated;
      };
      // The worker's decoders in the production bundle: mediabunny with WebCodecs, our ALAC, AIFF and CAF readers.
      for (const name of ['tone-alac.m4a', 'clip.mp4', 'tone.webm', 'tone-flac.mkv', 'tone.aiff', 'tone.caf', 'tone.m4a']) {
        const duration = await separate(name);
        assert.ok(Math.abs(duration - 0.5) < 0.03, `${name}: duration ${duration}`);
      }
      await tab.evaluate(() => {
        const root = document.querySelector('demucs-mixer')!.shadowRoot!;
        const select = root.querySelector<HTMLSelectElement>('.export-format')!;
        select.selectedIndex = [...select.options].findIndex((o) => o.textContent === 'NI Stems (.stem.mp4)');
        select.dispatchEvent(new Event('change'));
      });
      await tab.evaluate(async () => {
        const root = document.querySelector('demucs-mixer')!.shadowRoot!;
        await (root.querySelector('demucs-export') as HTMLElement & { updateComplete: Promise<unknown> }).updateComplete;
        [...root.querySelectorAll('button')].find((b) => b.textContent!.trim() === 'Export stems')!.click();
      });
      const file = join(downloads, 'tone.stem.mp4');
      for (let waited = 0; !existsSync(file) && waited < 30_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
      assert.ok(existsSync(file), `downloaded: ${readdirSync(downloads).join(', ')}`);
      const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file], { encoding: 'utf8' })) as { streams: { codec_name: string; disposition: { default: number } }[] };
      assert.deepEqual(probe.streams.map((s) => [s.codec_name, s.disposition.default]), [['aac', 1], ['aac', 0], ['aac', 0], ['aac', 0], ['aac', 0]]);
      assert.match(readFileSync(file, 'latin1'), /stem\{"version":1,/);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  test('key and tempo in the built page: a tone at +3 st and 75 % through the transport, played, exported as MP3 "at +3 st, 75 %": 5.33 s long, at 523 Hz (ffmpeg reads it)', async () => {
    const { tab, errors, downloads, close } = await openTab();
    try {
      const tone = Float32Array.from({ length: 4 * SAMPLE_RATE }, (_, n) => 0.5 * Math.sin((2 * Math.PI * 440 * n) / SAMPLE_RATE));
      const song = join(downloads, 'tone.wav');
      writeFileSync(song, Buffer.concat(encodeWav(tone, tone, 'f32')));
      const separated = tab.evaluate(
        () =>
          new Promise<void>((done, fail) => {
            const m = document.querySelector('demucs-mixer')!;
            m.addEventListener('demucs-progress', (e) => e.detail.done && done());
            m.addEventListener('demucs-error', (e) => fail(new Error(e.detail.message)), { once: true });
          }),
      );
      await dropSong(tab, song);
      await separated;
      const played = await tab.evaluate(async () => {
        const m = document.querySelector('demucs-mixer')!;
        const root = m.shadowRoot!;
        const set = (selector: string, value: string) => {
          const input = root.querySelector<HTMLInputElement>(selector)!;
          input.value = value;
          input.dispatchEvent(new Event('input', { bubbles: true }));
        };
        set('input.key', '3');
        set('input.tempo', '75');
        await m.updateComplete;
        root.querySelector<HTMLButtonElement>('button.play')!.click();
        await new Promise((r) => setTimeout(r, 2000));
        const at = m.currentTime;
        m.pause();
        await m.updateComplete;
        const select = root.querySelector<HTMLSelectElement>('.export-format')!;
        select.selectedIndex = [...select.options].findIndex((o) => o.textContent === 'MP3 320 kbps');
        select.dispatchEvent(new Event('change'));
        await m.updateComplete;
        const label = root.querySelector('.with-key-tempo')?.textContent?.trim() ?? '';
        [...root.querySelectorAll('button')].find((b) => b.textContent!.trim() === 'Export mix')!.click();
        return { key: m.key, tempo: m.tempo, at, label };
      });
      assert.deepEqual([played.key, played.tempo, played.label], [3, 75, 'at +3 st, 75 %']);
      assert.ok(played.at > 0.6 && played.at < 1.5, `played ${played.at} s of the song in 2 s at 75 %`);
      const file = join(downloads, 'tone-mix.mp3');
      for (let waited = 0; !existsSync(file) && waited < 30_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
      assert.ok(existsSync(file), `downloaded: ${readdirSync(downloads).join(', ')}`);
      await new Promise((r) => setTimeout(r, 500));
      const pcm = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'f32le', '-ac', '1', '-'], { maxBuffer: 1 << 28 });
      const decoded = new Float32Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 4);
      const seconds = decoded.length / SAMPLE_RATE;
      assert.ok(Math.abs(seconds - 4 / 0.75) < 0.06, `${seconds.toFixed(3)} s long (4 s at 75 %)`);
      const hz = toneFrequency(decoded, SAMPLE_RATE, SAMPLE_RATE, 4 * SAMPLE_RATE);
      assert.ok(Math.abs(hz / 523.25 - 1) < 0.005, `at ${hz.toFixed(2)} Hz`);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
});

describe('a page whose Content-Security-Policy is stricter than the documented one', () => {
  test("without 'wasm-unsafe-eval': the mixer says the model cannot run (BACKEND), the browser's console names the directive; no hang", async () => {
    // dist/ and dist/e2e.html (the fixture model) are built by the suites above.
    const strict = CONTENT_SECURITY_POLICY.replace(" 'wasm-unsafe-eval'", '');
    assert.notEqual(strict, CONTENT_SECURITY_POLICY);
    const server = await serveStatic({ mounts: { '/': join(ROOT, 'dist') }, isolate: true, csp: strict });
    const browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
    try {
      const tab = await browser.newPage();
      const logs: string[] = [];
      tab.on('console', (m) => logs.push(m.text()));
      await watchPolicy(tab, logs);
      await tab.goto(new URL(FIXTURE_PAGE, server.url).href);
      const started = Date.now();
      const failure = await tab.evaluate(
        () =>
          new Promise<{ code: string; message: string }>((done, fail) => {
            const m = document.querySelector('demucs-mixer')!;
            m.addEventListener('demucs-error', (e) => done({ code: e.detail.code, message: e.detail.message }));
            m.addEventListener('demucs-ready', () => fail(new Error('the model loaded under a policy that forbids compiling WebAssembly')));
            setTimeout(() => fail(new Error('no error within 60 s: a silent hang')), 60_000);
          }),
      );
      assert.ok(Date.now() - started < 60_000);
      assert.equal(failure.code, 'BACKEND', failure.message);
      assert.ok(logs.some((l) => /wasm-unsafe-eval|script-src/.test(l)), logs.join('\n'));
    } finally {
      await browser.close();
      await server.close();
    }
  });
});

describe('the demo page in the dev server (npm start), real model in WASM', () => {
  test('goes ready on the default model, cross-origin isolated, threaded', async () => {
    const { createLogger, createServer } = await import('vite');
    const logger = createLogger('warn');
    const problems: string[] = [];
    const error = logger.error.bind(logger);
    logger.error = (message, options) => {
      problems.push(message);
      error(message, options);
    };
    const server = await createServer({ root: ROOT, customLogger: logger, server: { port: 0, host: '127.0.0.1' } });
    await server.listen();
    const browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, protocolTimeout: 600_000 });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(server.resolvedUrls!.local[0]!);
      const ready = await modelReady(page);
      assert.equal(ready.backend, 'wasm');
      assert.ok(ready.threads >= 2, `${ready.threads} threads`);
      assert.equal(await page.evaluate(() => crossOriginIsolated), true);
      assert.deepEqual(errors, []);
      assert.deepEqual(problems, [], 'the dev server reports no error (a failed dependency scan, say)');
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
