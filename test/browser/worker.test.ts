import { executeServerCommand } from '@web/test-runner-commands';
import { mixerAssets } from '../../components/clients/assets.ts';
import { SeparationClient } from '../../components/clients/separation-client.ts';
import { encodeWav } from '../../src/core/wav.ts';
import { loadModelBytes } from '../../src/worker/model-bytes.ts';
import type { ModelProgress, RegionMessage } from '../../src/worker/protocol.ts';
import { deepEqual, equal, ok } from './assert.ts';
import { maxAbsDiff, MODELS, stereoSignal, until } from './helpers.ts';

const STEMS = ['drums', 'bass', 'other', 'vocals'];

/** Separates in the worker and joins the regions: stems[s] = [left, right]. */
async function separateInWorker(client: SeparationClient, left: Float32Array, right: Float32Array, options: { shifts?: number; shiftOffsets?: number[] }) {
  const N = left.length;
  const out = STEMS.map(() => [new Float32Array(N), new Float32Array(N)]);
  const regions: RegionMessage[] = [];
  const done = await client.separate(left, right, options, (region) => {
    regions.push(region);
    region.channels.forEach((ch, s) => ch.forEach((x, c) => out[s]![c]!.set(x, region.start)));
  });
  ok(done.ok, done.ok ? '' : done.message);
  return { out, regions };
}

const base64ToFloats = (b64: string) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
};
const bytesToBase64 = (parts: Uint8Array[]) => {
  let s = '';
  for (const p of parts) for (let i = 0; i < p.length; i += 0x8000) s += String.fromCharCode(...p.subarray(i, i + 0x8000));
  return btoa(s);
};

describe('inference worker', function () {
  this.timeout(600000);

  it('results on a tiny model equal the CLI’s on the same input (both branches, a shift)', async () => {
    const N = 300000;
    const [left, right] = stereoSignal(N, 21);
    const wav = bytesToBase64(encodeWav(left, right, 'f32'));
    const cli = (await executeServerCommand('cli-separate', {
      wav,
      args: ['--model', 'test/fixtures/models/mixed4.onnx', '--shift-offsets', '1234'],
      stems: STEMS,
    })) as { stems?: Record<string, string>; error?: string };
    ok(cli.stems, `CLI failed: ${cli.error}`);
    const client = new SeparationClient(mixerAssets(null));
    try {
      const info = await client.loadModel(new URL(`${MODELS}/mixed4.onnx`, location.href).href, { backends: ['wasm'] }, () => undefined);
      ok(info.ok && info.backend === 'wasm');
      const { out, regions } = await separateInWorker(client, left, right, { shiftOffsets: [1234] });
      ok(regions.length >= 2, 'more than one region');
      STEMS.forEach((stem, s) => {
        const interleaved = base64ToFloats(cli.stems![stem]!);
        const l = interleaved.filter((_, i) => i % 2 === 0);
        const r = interleaved.filter((_, i) => i % 2 === 1);
        const d = Math.max(maxAbsDiff(out[s]![0]!, l), maxAbsDiff(out[s]![1]!, r));
        ok(d < 1e-5, `${stem}: max |Δ| ${d}`);
      });
    } finally {
      await client.dispose();
    }
  });

  it('the WebGPU code path (SwiftShader here) gives what WASM gives', async () => {
    const N = 50000;
    const [left, right] = stereoSignal(N, 5);
    const results: Float32Array[][][] = [];
    for (const backend of ['webgpu', 'wasm'] as const) {
      const client = new SeparationClient(mixerAssets(null));
      try {
        const info = await client.loadModel(new URL(`${MODELS}/mixed4.onnx`, location.href).href, { backends: [backend], skipWarmup: true }, () => undefined);
        ok(info.ok, info.ok ? '' : info.message);
        equal(info.backend, backend);
        results.push((await separateInWorker(client, left.slice(), right.slice(), { shifts: 0 })).out);
      } finally {
        await client.dispose();
      }
    }
    STEMS.forEach((stem, s) => {
      const d = Math.max(maxAbsDiff(results[0]![s]![0]!, results[1]![s]![0]!), maxAbsDiff(results[0]![s]![1]!, results[1]![s]![1]!));
      ok(d < 1e-5, `${stem}: webgpu vs wasm max |Δ| ${d}`);
    });
  });

  it('model bytes: progress, Cache API reuse, and a failing cache degrades to no cache', async () => {
    const url = new URL(`${MODELS}/wave4.onnx?cache-test=${Date.now()}`, location.href).href;
    const seen: ModelProgress['status'][] = [];
    const first = await loadModelBytes(url, undefined, (p) => seen.push(p.status));
    equal(first.cached, false);
    ok(seen.includes('download'));
    equal((await loadModelBytes(url, undefined, () => undefined)).cached, false, 'cached only once stored (after the model opened)');
    await first.store();
    const second = await loadModelBytes(url, undefined, () => undefined);
    equal(second.cached, true);
    deepEqual(Array.from(second.bytes), Array.from(first.bytes));
    const open = caches.open;
    caches.open = () => Promise.reject(new Error('quota'));
    try {
      const third = await loadModelBytes(url, undefined, () => undefined);
      equal(third.cached, false);
      equal(third.bytes.length, first.bytes.length);
    } finally {
      caches.open = open;
    }
  });

  it('a model download cut short: MODEL_DOWNLOAD naming it, nothing cached, the retry loads', async () => {
    // The test server cuts the first request for this URL halfway, then serves it whole.
    const url = new URL(`/interrupted/${Date.now()}/wave4.onnx`, location.href).href;
    const client = new SeparationClient(mixerAssets(null));
    try {
      const first = await client.loadModel(url, { backends: ['wasm'] }, () => undefined);
      ok(!first.ok && first.code === 'MODEL_DOWNLOAD' && /interrupted|stopped after/.test(first.message), JSON.stringify(first));
      const cache = await caches.open('demucs-mixer-models-v1');
      equal((await cache.keys()).filter((r) => r.url.startsWith(url)).length, 0, 'nothing cached');
      const retry = await client.loadModel(url, { backends: ['wasm'] }, () => undefined);
      ok(retry.ok, retry.ok ? '' : retry.message);
      equal(retry.ok && retry.cached, false);
      equal((await cache.keys()).filter((r) => r.url.startsWith(url)).length, 1, 'the whole model cached after it opened');
    } finally {
      await client.dispose();
    }
  });

  it('releases the page\'s callbacks (comlink proxies) when the call that got them ends', async () => {
    const client = new SeparationClient(mixerAssets(null));
    try {
      const before = SeparationClient.openCallbacks;
      const info = await client.loadModel(new URL(`${MODELS}/wave4.onnx`, location.href).href, { backends: ['wasm'] }, () => undefined);
      ok(info.ok, info.ok ? '' : info.message);
      const [left, right] = stereoSignal(50000, 3);
      await separateInWorker(client, left, right, { shifts: 0 });
      await until(() => SeparationClient.openCallbacks === before, `all callbacks released (${SeparationClient.openCallbacks - before} open)`, 5000);
    } finally {
      await client.dispose();
    }
  });
});
