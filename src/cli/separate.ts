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
import { WavWriter } from './wav-writer.ts';
import { maxWavFrames } from '../core/wav.ts';

export interface InputReport {
  readonly input: string;
  readonly ok: boolean;
  readonly outDir?: string;
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
  const outDir = resolve(args.outDir, name);
  const earlier = used.get(outDir);
  if (earlier !== undefined) throw new DemucsError('BAD_ARGUMENT', `writes to ${outDir}, as ${earlier} in this run already does`);

  const started = performance.now();
  const ortBefore = loaded.models.reduce((t, m) => t + m.runMilliseconds, 0);
  const runsBefore = loaded.models.reduce((t, m) => t + m.runs, 0);
  const track = await openTrack(input, join(spoolDir, 'track.f32'));
  const writers: WavWriter[] = [];
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
    if (track.length > maxWavFrames(args.format)) {
      const hours = maxWavFrames(args.format) / (SAMPLE_RATE * 3600);
      throw new DemucsError('AUDIO_TOO_LONG', `is too long for a ${args.format} WAV stem (at most ${hours.toFixed(1)} h)`);
    }
    mkdirSync(outDir, { recursive: true });
    const paths: Record<string, string> = {};
    for (const stem of plan.stems) {
      const path = join(outDir, `${stem}.wav`);
      paths[stem] = path;
      writers.push(new WavWriter(path, args.format, track.length));
    }
    const bar = process.stderr.isTTY && !args.json ? progressBar(input, plan.runsTotal) : null;
    try {
      const stream = separate(loaded.bag, track, {
        ...options,
        shiftOffsets: plan.shiftOffsets,
        pipeline: true, // the models run in worker threads: overlap them with this thread's work
        onProgress: (p) => bar?.update(p.runsDone),
      });
      for await (const region of stream) {
        region.channels.forEach(([left, right], s) => writers[s]!.append(left!, right!));
      }
    } finally {
      bar?.stop();
    }
    for (const w of writers) w.finish();
    used.set(outDir, input);
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
      clippedSamples: writers.reduce((n, w) => n + w.clipped, 0),
    };
  } catch (error) {
    for (const w of writers) w.abort();
    throw error;
  } finally {
    track.close();
  }
}


function progressBar(input: string, total: number): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar(
    { format: `${basename(input)} [{bar}] {percentage}% | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return bar;
}
