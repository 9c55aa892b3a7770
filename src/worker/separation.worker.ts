/**
 * The inference worker: model delivery, one ONNX Runtime session, and the src/core procedure
 * chunk by chunk, posting each finished region of stems (transferred) as soon as it is done.
 */
import * as Comlink from 'comlink';
import { CHANNELS, SEGMENT } from '../core/constants.ts';
import { describeError, isDemucsError } from '../core/errors.ts';
import { SPEC_SIZE } from '../core/spectrogram.ts';
import type { Bag } from '../core/model.ts';
import { memorySource, planSeparation, separate } from '../core/separator.ts';
import { defaultStemNames, type StemName } from '../core/stems.ts';
import { ModelBytesError, loadModelBytes } from './model-bytes.ts';
import { configureWasm, locateRuntime, openSession, probeBackends, type WebModel } from './ort-web-model.ts';
import type { ModelInfo, ModelProgress, RegionMessage, SeparationDone, SeparationRequest, SeparationWorkerApi, WorkerFailure } from './protocol.ts';

const failure = (error: unknown, fallback: WorkerFailure['code']): WorkerFailure => ({
  ok: false,
  code: isDemucsError(error) || error instanceof ModelBytesError ? error.code : fallback,
  message: describeError(error),
});

let model: WebModel | null = null;
let stems: readonly StemName[] = [];
let abort = { aborted: false };

const api: SeparationWorkerApi = {
  async loadModel(source, options, onProgress): Promise<ModelInfo | WorkerFailure> {
    const label = typeof source === 'string' ? `model ${source}` : 'the model';
    const progress = (p: ModelProgress) => void onProgress(p);
    await model?.release();
    model = null;
    let bytes: Uint8Array;
    let cached: boolean;
    try {
      ({ bytes, cached } = await loadModelBytes(source, options.sha256, progress));
    } catch (error) {
      return failure(error, 'MODEL_DOWNLOAD');
    }
    locateRuntime(options.runtime);
    const threads = configureWasm();
    const { usable, notes } = await probeBackends(options.backends ?? ['webgpu', 'wasm']);
    const fallbacks = [...notes];
    for (const backend of usable) {
      progress({ status: 'session', backend });
      let candidate: WebModel;
      try {
        candidate = await openSession(bytes, backend, label);
      } catch (error) {
        if (isDemucsError(error)) return failure(error, 'MODEL_CONTRACT');
        fallbacks.push(`${backend}: ${describeError(error).split('\n')[0]}`);
        continue;
      }
      try {
        if (!options.skipWarmup || candidate.stemCount === 0) {
          progress({ status: 'warmup', backend });
          await warmUp(candidate);
        }
        const names = options.stems ?? defaultStemNames(candidate.stemCount);
        if (!names || names.length !== candidate.stemCount) {
          await candidate.release();
          return { ok: false, code: 'MANIFEST', message: `${label} has ${candidate.stemCount} stems: pass their names (stems option)` };
        }
        model = candidate;
        stems = names;
        progress({ status: 'ready', backend });
        return { ok: true, backend, stems, threads, fallbacks, cached };
      } catch (error) {
        await candidate.release();
        if (isDemucsError(error)) return failure(error, 'MODEL_RUN');
        fallbacks.push(`${backend}: ${describeError(error).split('\n')[0]}`);
      }
    }
    const why = fallbacks.length ? ` (${fallbacks.join('; ')})` : '';
    const code = fallbacks.some((f) => /protobuf|parse|load model|invalid|failed to load/i.test(f)) ? 'MODEL_LOAD' : 'BACKEND';
    return { ok: false, code, message: `${label} could not be opened on any backend${why}` };
  },

  async separate(request: SeparationRequest, onRegion: (region: RegionMessage) => void): Promise<SeparationDone | WorkerFailure> {
    if (!model) return { ok: false, code: 'MODEL_LOAD', message: 'no model is loaded' };
    const started = performance.now();
    abort = { aborted: false };
    const signal = abort;
    try {
      const source = memorySource(request.left, request.right);
      const bag: Bag = { stems, members: [{ model, weights: stems.map(() => 1) }] };
      const options = {
        ...(request.shifts !== undefined ? { shifts: request.shifts } : {}),
        ...(request.overlap !== undefined ? { overlap: request.overlap } : {}),
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        ...(request.shiftOffsets ? { shiftOffsets: request.shiftOffsets } : {}),
        ...(request.stems ? { stems: request.stems } : {}),
        signal,
      };
      const plan = planSeparation(bag, source.length, options);
      const runsBefore = model.runs;
      const msBefore = model.runMilliseconds;
      for await (const region of separate(bag, source, { ...options, shiftOffsets: plan.shiftOffsets })) {
        const message: RegionMessage = {
          start: region.start,
          length: region.length,
          stems: plan.stems,
          channels: region.channels,
          runsDone: model.runs - runsBefore,
          runsTotal: plan.runsTotal,
          runMilliseconds: model.runMilliseconds - msBefore,
        };
        await onRegion(Comlink.transfer(message, region.channels.flat().map((c) => c.buffer as ArrayBuffer)));
      }
      return { ok: true, stems: plan.stems, runs: model.runs - runsBefore, runMilliseconds: model.runMilliseconds - msBefore, totalMilliseconds: performance.now() - started };
    } catch (error) {
      return failure(error, 'MODEL_RUN');
    }
  },

  cancel() {
    abort.aborted = true;
  },

  async dispose() {
    abort.aborted = true;
    await model?.release();
    model = null;
  },
};

/** One run on silence: compiles kernels and sizes buffers before the model is reported ready. */
async function warmUp(m: WebModel): Promise<void> {
  await m.run(new Float32Array(CHANNELS * SEGMENT), new Float32Array(SPEC_SIZE));
}

Comlink.expose(api);
