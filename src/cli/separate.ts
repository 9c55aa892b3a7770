import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { SAMPLE_RATE } from '../core/constants.ts';
import { DemucsError, describeError, isDemucsError, type DemucsErrorCode } from '../core/errors.ts';
import { planSeparation, separate, type SeparateOptions } from '../core/separator.ts';
import type { SeparateArgs } from './args.ts';
import { openTrack } from './input.ts';
import { defaultModelPath, loadBag, type LoadedBag } from './load-model.ts';
import { openNiStemsFile, openStemFile, type StemFile } from './stem-files.ts';
import { maxWavFrames } from '../core/wav.ts';
import { NI_STEMS, niStemGroups } from '../core/ni-stems-layout.ts';
import type { NiStemsWriter } from '../core/ni-stems.ts';
import { EXTENSION, isWavFormat, NI_STEMS_EXTENSION } from '../core/output-formats.ts';
import type { StemRegion, TrackSource } from '../core/track.ts';

export interface InputReport {
  readonly input: string;
  readonly ok: boolean;
  readonly outDir?: string;
  /** Each stem's file (with --format stem, the one .stem.mp4 for all). */
  readonly stems?: Record<string, string>;
  readonly seconds?: number;
  readonly format?: string;
  readonly inputSampleRate?: number;
  readonly inputChannels?: number;
  readonly shiftOffsets?: readonly number[];
  /** Wall time of the whole pipeline for this input (decode to last file written). */
  readonly wallSeconds?: number;
  /** Time inside session.run for this input, and the number of runs. */
  readonly ortSeconds?: number;
  readonly ortRuns?: number;
  readonly clippedSamples?: number;
  readonly error?: { readonly code: DemucsErrorCode; readonly message: string };
}

export interface RunReport {
  readonly model: string;
  readonly stems: readonly string[];
  readonly runtime: string;
  /** ONNX Runtime intra-op threads of each session. */
  readonly threads: number;
  readonly inputs: InputReport[];
  readonly modelLoadSeconds: number;
}


/** Separates every input; one input's failure does not stop the others. */
export async function runSeparate(args: SeparateArgs, log: (line: string) => void): Promise<RunReport> {
  const modelPath = args.model ?? defaultModelPath();
  const loadStart = performance.now();
  const loaded = await loadBag(modelPath, args.stems, { ...(args.threads ? { threads: args.threads } : {}) });
  const modelLoadSeconds = (performance.now() - loadStart) / 1000;
  const spoolDir = mkdtempSync(join(tmpdir(), 'demucs-mixer-'));
  const reports: InputReport[] = [];
  const used = new Map<string, string>();
  try {
    for (const input of args.inputs) {
      try {
        const report = await separateOne(input, args, loaded, spoolDir, used);
        reports.push(report);
        if (!args.json) log(`${input}: ${Object.keys(report.stems ?? {}).length} stems → ${report.outDir}`);
      } catch (error) {
        const code: DemucsErrorCode = isDemucsError(error) ? error.code : 'IO';
        const message = describeError(error);
        reports.push({ input, ok: false, error: { code, message } });
        process.stderr.write(`demucs-mixer: ${input}: ${message}\n`);
      }
    }
  } finally {
    rmSync(spoolDir, { recursive: true, force: true });
    await loaded.dispose();
  }
  return {
    model: modelPath,
    stems: args.stems ?? loaded.bag.stems,
    runtime: 'onnxruntime-node (CPU)',
    threads: loaded.models[0]?.threads ?? 0,
    inputs: reports,
    modelLoadSeconds,
  };
}

async function separateOne(input: string, args: SeparateArgs, loaded: LoadedBag, spoolDir: string, used: Map<string, string>): Promise<InputReport> {
  const name = basename(input, extname(input));
  const niStems = args.format === 'stem';
  const outDir = niStems ? resolve(args.outDir) : resolve(args.outDir, name);
  const target = niStems ? join(outDir, `${name}${NI_STEMS_EXTENSION}`) : outDir;
  const earlier = used.get(target);
  if (earlier !== undefined) throw new DemucsError('BAD_ARGUMENT', `writes to ${target}, as ${earlier} in this run already does`);

  const started = performance.now();
  const ortBefore = loaded.models.reduce((t, m) => t + m.runMilliseconds, 0);
  const runsBefore = loaded.models.reduce((t, m) => t + m.runs, 0);
  const track = await openTrack(input, join(spoolDir, 'track.f32'));
  const writers: Writers = { files: [], niStems: null };
  try {
    const options: SeparateOptions = {
      overlap: args.overlap,
      shifts: args.shifts,
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
      ...(args.shiftOffsets ? { shiftOffsets: args.shiftOffsets } : {}),
      ...(args.stems ? { stems: args.stems } : {}),
      ...(args.consistent ? { consistent: true } : {}),
    };
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    const plan = planSeparation(loaded.bag, track.length, { ...options, seed });
    if (isWavFormat(args.format) && track.length > maxWavFrames(args.format)) {
      const hours = maxWavFrames(args.format) / (SAMPLE_RATE * 3600);
      throw new DemucsError('AUDIO_TOO_LONG', `is too long for a ${args.format} WAV stem (at most ${hours.toFixed(1)} h)`);
    }
    const groups = niStems ? niStemGroups(plan.stems) : [];
    if (groups.some((g) => g.length === 0)) {
      throw new DemucsError('BAD_ARGUMENT', `--format stem needs the stems ${NI_STEMS.join(', ')}; this run makes ${plan.stems.join(', ')}`);
    }
    const paths = await openWriters(writers, args, plan.stems, track.length, outDir, target);
    const bar = process.stderr.isTTY && !args.json ? progressBar(input, plan.runsTotal) : null;
    try {
      const stream = separate(loaded.bag, track, {
        ...options,
        shiftOffsets: plan.shiftOffsets,
        pipeline: true, // the models run in worker threads: overlap them with this thread's work
        onProgress: (p) => bar?.update(p.runsDone),
      });
      for await (const region of stream) await write(writers, region, track, groups);
    } finally {
      bar?.stop();
    }
    for (const w of writers.files) await w.finish();
    await writers.niStems?.finish();
    used.set(target, input);
    const ortSeconds = (loaded.models.reduce((t, m) => t + m.runMilliseconds, 0) - ortBefore) / 1000;
    return {
      input,
      ok: true,
      outDir,
      stems: paths,
      seconds: track.length / SAMPLE_RATE,
      format: track.format,
      inputSampleRate: track.inputSampleRate,
      inputChannels: track.inputChannels,
      shiftOffsets: plan.shiftOffsets,
      wallSeconds: (performance.now() - started) / 1000,
      ortSeconds,
      ortRuns: loaded.models.reduce((t, m) => t + m.runs, 0) - runsBefore,
      clippedSamples: writers.files.reduce((n, w) => n + w.clipped, writers.niStems?.clipped ?? 0),
    };
  } catch (error) {
    for (const w of writers.files) await w.abort();
    await writers.niStems?.abort();
    throw error;
  } finally {
    track.close();
  }
}

interface Writers {
  files: StemFile[];
  niStems: NiStemsWriter | null;
}

/** Opens the output files into `writers` (one per stem, or the NI Stems file); returns each stem's path. */
async function openWriters(writers: Writers, args: SeparateArgs, stems: readonly string[], frames: number, outDir: string, target: string): Promise<Record<string, string>> {
  mkdirSync(outDir, { recursive: true });
  const paths: Record<string, string> = {};
  if (args.format === 'stem') {
    for (const stem of NI_STEMS) paths[stem] = target;
    writers.niStems = await openNiStemsFile(target, args.encode);
    return paths;
  }
  for (const stem of stems) {
    const path = join(outDir, `${stem}.${EXTENSION[args.format]}`);
    paths[stem] = path;
    writers.files.push(await openStemFile(path, args.format, frames, args.encode));
  }
  return paths;
}

/** A region into its files: each stem's own, or the NI Stems file's mix (the song) and stems. */
async function write(writers: Writers, region: StemRegion, track: TrackSource, groups: number[][]): Promise<void> {
  if (!writers.niStems) {
    for (const [s, [left, right]] of region.channels.entries()) await writers.files[s]!.append(left!, right!);
    return;
  }
  const mix: [Float32Array, Float32Array] = [new Float32Array(region.length), new Float32Array(region.length)];
  track.read(region.start, mix[0], mix[1]);
  await writers.niStems.append(mix, groups.map((group) => sumStems(region, group)));
}

/** The sum of stems `group` of a region (one stem: itself). */
function sumStems(region: StemRegion, group: number[]): [Float32Array, Float32Array] {
  if (group.length === 1) return region.channels[group[0]!] as [Float32Array, Float32Array];
  return [0, 1].map((c) => {
    const out = new Float32Array(region.length);
    for (const s of group) {
      const x = region.channels[s]![c]!;
      for (let i = 0; i < out.length; i++) out[i] = out[i]! + x[i]!;
    }
    return out;
  }) as [Float32Array, Float32Array];
}

function progressBar(input: string, total: number): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar(
    { format: `${basename(input)} [{bar}] {percentage}% | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return bar;
}
