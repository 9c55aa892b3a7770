/**
 * Live mode's latency/quality curve: the streaming path (src/core/live.ts, the same code the
 * live worker runs) fed a file block by block as fast as it can compute (faster than real
 * time, not waiting for the clock), with the real model on onnxruntime-node, for two window
 * lengths (the npm model's 7.8 s, and the same weights converted with `--segment 3.9`) and
 * several (hop, lookahead) settings, the presets scaled to each window. Prints the stated
 * latency, the compute per run against the hop (real-time factor on this machine), and the SDR
 * of the live stems against the offline full-window result; then what the short window buys.
 *
 *   npm run bench:live -- [file.wav] [--offline DIR]   (default: the reference sample and shifts0/)
 *
 * Without ground-truth stems, "within 0.5 dB of the offline result" is shown as a bound: if the
 * offline stems have SDR s against the truth, the live ones are at worst
 * 20·log10(1 + 10^((s − x)/20)) dB lower, x being the live-vs-offline SDR (s = 9 dB, htdemucs'
 * published figure, in the table); if the two errors are uncorrelated the loss is
 * 10·log10(1 + 10^((s − x)/10)) dB.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SAMPLE_RATE } from '../src/core/constants.ts';
import { convertCheckpoint } from '../src/convert/convert.ts';
import { HTDEMUCS_GEOMETRY, type Geometry } from '../src/core/geometry.ts';
import { latencyPreset, LiveSeparator, statedLatency, type LatencyPreset, type LiveTiming } from '../src/core/live.ts';
import { sdr } from '../src/core/metrics.ts';
import { FOUR_STEMS } from '../src/core/stems.ts';
import { openTrack } from '../src/cli/input.ts';
import { defaultModelPath } from '../src/cli/load-model.ts';
import { loadOrtModel } from '../src/cli/ort-model.ts';
import { checkpointFromExport } from '../src/convert/exported-htdemucs.ts';
import { ROOT } from './measure.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const input = resolve(args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? join(ROOT, '../shared/reference/sample/mixture.wav'));
const offlineDir = resolve(option('--offline', join(ROOT, '../shared/reference/sample/shifts0')));
const OFFLINE_SDR = 9;

function readFloatWav(path: string): [Float32Array, Float32Array] {
  const b = readFileSync(path);
  const data = new Float32Array(b.buffer.slice(b.byteOffset + 44, b.byteOffset + b.length));
  return [data.filter((_, i) => i % 2 === 0), data.filter((_, i) => i % 2 === 1)];
}

/** The presets, scaled to a window, and a wider setting (4 s hop on the full window). */
const settings = (g: Geometry): [string, LiveTiming][] => [
  ...(['low', 'balanced', 'quality'] as LatencyPreset[]).map((name): [string, LiveTiming] => [name === 'balanced' ? 'balanced (default)' : name, latencyPreset(name, g)]),
  ['wide', { hop: Math.round((4 * g.segment) / 7.8), lookahead: Math.round((3 * g.segment) / 7.8), margin: Math.round(g.segment / 7.8), crossfade: 4096 }],
];

/** The npm model's weights converted for a 3.9 s window (made once, kept in .bench/). */
function shortModel(): string {
  const path = join(ROOT, '.bench/htdemucs-3.9s.onnx');
  if (!existsSync(path)) {
    mkdirSync(join(ROOT, '.bench'), { recursive: true });
    writeFileSync(path, convertCheckpoint(checkpointFromExport(readFileSync(defaultModelPath()), 'htdemucs.onnx'), 'htdemucs (npm weights)', { precision: 'fp16', segment: 3.9 }).onnx);
  }
  return path;
}

const spool = mkdtempSync(join(tmpdir(), 'bench-live-'));
const track = await openTrack(input, join(spool, 'track.f32'));
const left = new Float32Array(track.length);
const right = new Float32Array(track.length);
track.read(0, left, right);
track.close();
rmSync(spool, { recursive: true, force: true });
const offline = FOUR_STEMS.map((stem) => readFloatWav(join(offlineDir, `${stem}.wav`)));
console.log(`input ${input} (${(track.length / SAMPLE_RATE).toFixed(1)} s), offline stems ${offlineDir}`);
console.log('window | setting             | latency | hop    | lookahead | s per run | real-time factor | SDR vs offline (drums bass other vocals) | mean | loss: uncorrelated / worst case');
const rows: Record<string, { latency: number; perRun: number; mean: number }> = {};
for (const [window, path] of [['7.8 s', defaultModelPath()], ['3.9 s', shortModel()]] as const) {
  const model = await loadOrtModel(path);
  try {
    for (const [name, timing] of settings(model.geometry)) {
      const live = await LiveSeparator.create(model, 4, timing);
      const out = FOUR_STEMS.map(() => [new Float32Array(track.length), new Float32Array(track.length)]);
      const block = 128;
      let emitted = 0;
      let runs = 0;
      const before = model.runMilliseconds;
      for (let i = 0; i < track.length; i += block) {
        live.push(left.subarray(i, i + block), right.subarray(i, i + block));
        while (live.due) {
          const region = await live.run();
          runs++;
          region.channels.forEach((ch, s) => ch.forEach((x, c) => out[s]![c]!.set(x.subarray(0, Math.max(0, track.length - region.start)), region.start)));
          emitted = region.start + region.length;
        }
      }
      const perRun = (model.runMilliseconds - before) / runs / 1000;
      // Compare where the live stream exists, after its first second (the running statistics settle).
      const from = SAMPLE_RATE;
      const to = Math.min(emitted, track.length);
      const sdrs = FOUR_STEMS.map((_, s) => sdr(offline[s]!.map((x) => x.subarray(from, to)), out[s]!.map((x) => x.subarray(from, to))));
      const mean = sdrs.reduce((a, b) => a + b, 0) / sdrs.length;
      const worst = Math.max(...sdrs.map((x) => 20 * Math.log10(1 + 10 ** ((OFFLINE_SDR - x) / 20))));
      const typical = Math.max(...sdrs.map((x) => 10 * Math.log10(1 + 10 ** ((OFFLINE_SDR - x) / 10))));
      const latency = statedLatency(timing) / SAMPLE_RATE;
      rows[`${window} ${name}`] = { latency, perRun, mean };
      console.log(
        `${window}  | ${name.padEnd(19)} | ${latency.toFixed(2)} s  | ${(timing.hop / SAMPLE_RATE).toFixed(2)} s | ${(timing.lookahead / SAMPLE_RATE).toFixed(2)} s    | ` +
          `${perRun.toFixed(2)}      | ${(perRun / (timing.hop / SAMPLE_RATE)).toFixed(2)}             | ${sdrs.map((x) => x.toFixed(1)).join('  ')} | ${mean.toFixed(1)} | ${typical.toFixed(2)} / ${worst.toFixed(2)} dB`,
      );
    }
  } finally {
    await model.dispose();
  }
}
console.log('\nthe 3.9 s window against the 7.8 s one, same setting: latency ratio | compute per run ratio | mean SDR vs offline (dB)');
for (const name of settings(HTDEMUCS_GEOMETRY).map(([n]) => n)) {
  const full = rows[`7.8 s ${name}`]!;
  const short = rows[`3.9 s ${name}`]!;
  console.log(`${name.padEnd(19)} | ${(short.latency / full.latency).toFixed(2)} | ${(short.perRun / full.perRun).toFixed(2)} | ${short.mean.toFixed(1)} vs ${full.mean.toFixed(1)} (${(short.mean - full.mean).toFixed(1)})`);
}
