/**
 * Every kind of converted model in the browser: a 3.9 s six-stem network in the mixer (strips,
 * karaoke, isolate, exports) and live, a bag manifest run one member at a time, and a manifest
 * that contradicts its model's shapes.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import { MixerError } from '../../components/demucs-mixer.ts';
import { mixerAssets } from '../../components/clients/assets.ts';
import type { DemucsProgressEvent } from '../../components/events.ts';
import { SeparationClient } from '../../components/clients/separation-client.ts';
import { geometryOf } from '../../src/core/geometry.ts';
import { latencyPreset, statedLatency } from '../../src/core/live.ts';
import { SIX_STEMS } from '../../src/core/stems.ts';
import { encodeWav } from '../../src/core/wav.ts';
import type { ModelProgress, SeparationProgressMessage } from '../../src/worker/protocol.ts';
import { deepEqual, equal, near, ok } from './assert.ts';
import { maxAbsDiff, MODELS, readWav, sleep, stereoSignal, wavFile } from './helpers.ts';
import { testMixer } from './mixer-helpers.ts';

const bytesToBase64 = (parts: Uint8Array[]) => {
  let s = '';
  for (const p of parts) for (let i = 0; i < p.length; i += 0x8000) s += String.fromCharCode(...p.subarray(i, i + 0x8000));
  return btoa(s);
};
const base64ToFloats = (b64: string) => new Float32Array(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer);

/** The CLI's left channel of each stem for a model and a track (shifts 0). */
async function cliStems(model: string, left: Float32Array, right: Float32Array, stems: readonly string[]): Promise<Float32Array[]> {
  const wav = bytesToBase64(encodeWav(left, right, 'f32'));
  // The mixer's stems add up to the song by default (consistent); the CLI's with --consistent.
  const cli = (await executeServerCommand('cli-separate', { wav, args: ['--model', model, '--shifts', '0', '--consistent'], stems })) as { stems?: Record<string, string>; error?: string };
  ok(cli.stems, `CLI failed: ${cli.error}`);
  return stems.map((s) => base64ToFloats(cli.stems![s]!).filter((_, i) => i % 2 === 0));
}

describe('converted models in the browser', function () {
  this.timeout(300000);

  it('a 3.9 s six-stem model in the mixer: six strips, karaoke, isolate, six exports equal to the CLI', async () => {
    const N = 400000; // three of its 3.9 s chunks
    const [left, right] = stereoSignal(N, 33);
    const el = await testMixer(`${MODELS}/short6.onnx`);
    try {
      await el.load(wavFile(left.slice(), right.slice()));
      deepEqual(el.stems, SIX_STEMS);
      await el.updateComplete;
      equal(el.shadowRoot!.querySelectorAll('[part="stem"]').length, 6, 'six strips');
      for (const stem of ['guitar', 'piano']) {
        const swatch = el.shadowRoot!.querySelector<HTMLElement>(`[part="stem"] [aria-label="Isolate ${stem}"]`);
        ok(swatch, `a strip for ${stem}`);
      }
      el.karaoke(true);
      deepEqual(el.stems.map((s) => el.stemNode(s)!.gain.value), [1, 1, 1, 0, 1, 1]);
      el.karaoke(false);
      el.isolate('guitar');
      deepEqual(el.stems.map((s) => el.stemNode(s)!.gain.value), [0, 0, 0, 0, 1, 0]);
      el.setSolo('guitar', false);
      const exported = await el.exportStems('f32');
      deepEqual(Object.keys(exported), [...SIX_STEMS]);
      const cli = await cliStems('test/fixtures/models/short6.onnx', left, right, SIX_STEMS);
      for (const [s, stem] of SIX_STEMS.entries()) {
        const got = (await readWav(exported[stem]!)).left;
        equal(got.length, N);
        const d = maxAbsDiff(got, cli[s]!);
        ok(d < 1e-5, `${stem}: max |Δ| ${d}`);
      }
    } finally {
      el.remove();
    }
  });

  it('a bag manifest: members fetched and checked one by one, run one at a time, equal to the CLI; progress names them', async () => {
    const N = 60000;
    const [left, right] = stereoSignal(N, 7);
    const client = new SeparationClient(mixerAssets(null));
    try {
      const loading: ModelProgress[] = [];
      const info = await client.loadModel(new URL(`${MODELS}/bag.json`, location.href).href, { backends: ['wasm'] }, (p) => loading.push(p));
      ok(info.ok, info.ok ? '' : info.message);
      equal(info.members, 3);
      deepEqual(
        loading.filter((p) => p.status === 'member').map((p) => (p.status === 'member' ? `${p.index + 1}/${p.count} ${p.label}` : '')),
        ['1/3 model bag-a.onnx', '2/3 model bag-b.onnx', '3/3 model bag-c.onnx'],
      );
      const progress: SeparationProgressMessage[] = [];
      const out = [0, 1, 2, 3].map(() => new Float32Array(N));
      const done = await client.separate(left.slice(), right.slice(), { shifts: 0, consistent: true }, (r) => r.channels.forEach((ch, s) => out[s]!.set(ch[0]!, r.start)), (p) => progress.push(p));
      ok(done.ok, done.ok ? '' : done.message);
      equal(done.runs, 3, 'one run per member for a one-chunk track');
      deepEqual(progress.filter((p) => p.member.stage === 'loading').map((p) => p.member.index), [0, 1, 2]);
      const last = progress.at(-1)!;
      equal(last.runsDone, last.runsTotal);
      const cli = await cliStems('test/fixtures/models/bag.json', left, right, ['drums', 'bass', 'other', 'vocals']);
      for (let s = 0; s < 4; s++) ok(maxAbsDiff(out[s]!, cli[s]!) < 1e-5, `stem ${s}: ${maxAbsDiff(out[s]!, cli[s]!)}`);
    } finally {
      await client.dispose();
    }
  });

  it('a bag on WebGPU (SwiftShader here): members stay loaded between songs; in WASM each song opens them again', async () => {
    const [left, right] = stereoSignal(30000, 9);
    for (const backend of ['webgpu', 'wasm'] as const) {
      const client = new SeparationClient(mixerAssets(null));
      try {
        const info = await client.loadModel(new URL(`${MODELS}/bag.json`, location.href).href, { backends: [backend] }, () => undefined);
        ok(info.ok && info.backend === backend, info.ok ? info.backend : info.message);
        for (let song = 0; song < 2; song++) {
          const done = await client.separate(left.slice(), right.slice(), { shifts: 0 }, () => undefined);
          ok(done.ok, done.ok ? '' : done.message);
        }
        equal(await client.memberSessions(), backend === 'webgpu' ? 3 : 6, `${backend}: sessions for three members, two songs`);
      } finally {
        await client.dispose();
      }
    }
  });

  it('the mixer with a bag: demucs-progress names the member; stems equal the CLI', async () => {
    const N = 60000;
    const [left, right] = stereoSignal(N, 8);
    const el = await testMixer(`${MODELS}/bag.json`);
    const members = new Set<string>();
    el.addEventListener('demucs-progress', (e) => {
      const m = (e as DemucsProgressEvent).detail.member;
      if (m) members.add(`${m.index + 1}/${m.count}`);
    });
    try {
      await el.load(wavFile(left.slice(), right.slice()));
      deepEqual([...members], ['1/3', '2/3', '3/3']);
      const exported = await el.exportStems('f32');
      const cli = await cliStems('test/fixtures/models/bag.json', left, right, ['vocals']);
      ok(maxAbsDiff((await readWav(exported['vocals']!)).left, cli[0]!) < 1e-5);
    } finally {
      el.remove();
    }
  });

  it('a manifest that contradicts its model\'s shapes is refused by name', async () => {
    const client = new SeparationClient(mixerAssets(null));
    try {
      const info = await client.loadModel(new URL(`${MODELS}/short4-says-7.8s.json`, location.href).href, { backends: ['wasm'] }, () => undefined);
      ok(!info.ok);
      if (!info.ok) {
        equal(info.code, 'MODEL_CONTRACT');
        ok(/short4\.onnx takes segments of 171990 samples but its manifest says 343980/.test(info.message), info.message);
      }
    } finally {
      await client.dispose();
    }
  });

  it('live mode with a bag: refused by name (a run would need every member)', async () => {
    const el = await testMixer(`${MODELS}/bag.json`);
    const context = el.output.context as AudioContext;
    const source = new ConstantSourceNode(context);
    try {
      let error: unknown = null;
      await el.startLive({ source }).catch((e: unknown) => (error = e));
      ok(error instanceof MixerError && error.code === 'MANIFEST' && /not a bag/.test(error.message), String(error));
      equal(el.liveState, 'error');
    } finally {
      await el.stopLive();
      el.remove();
    }
  });

  it('live mode with the 3.9 s six-stem model: six stems playing, presets scaled to the window', async () => {
    const el = await testMixer(`${MODELS}/short6.onnx`);
    const context = el.output.context as AudioContext;
    const buffer = new AudioBuffer({ numberOfChannels: 2, length: 6 * 44100, sampleRate: 44100 });
    for (let c = 0; c < 2; c++) buffer.getChannelData(c).set(Float32Array.from({ length: 6 * 44100 }, (_, i) => 0.2 * Math.sin((2 * Math.PI * 330 * i) / 44100)));
    const source = new AudioBufferSourceNode(context, { buffer });
    try {
      await el.startLive({ source, latency: 'balanced', autoLatency: false });
      source.start();
      deepEqual(el.stems, SIX_STEMS);
      const stated = statedLatency(latencyPreset('balanced', geometryOf(171990)));
      near(el.latency, stated / 44100, 1e-9, 'the balanced preset at half the window');
      ok(el.latency < 1.4, `latency ${el.latency} s`);
      await sleep(4000);
      equal(el.liveState, 'running');
      ok(el.realtimeFactor > 0, 'runs happened');
      equal(el.xruns, 0);
    } finally {
      await el.stopLive();
      el.remove();
    }
  });
});
