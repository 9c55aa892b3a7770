import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { DemucsError } from '../core/errors.ts';
import { resolveGeometry, type Geometry } from '../core/geometry.ts';
import type { SegmentModel, SegmentOutput } from '../core/model.ts';
import type { OrtWorkerApi } from './ort-worker.ts';
import type { SessionOptions } from './session-options.ts';

export type OrtModelOptions = SessionOptions;

/** A SegmentModel on onnxruntime-node in a worker thread; also keeps the time spent in session.run. */
export interface OrtSegmentModel extends SegmentModel {
  readonly path: string;
  /** Milliseconds spent inside session.run, summed over all runs. */
  readonly runMilliseconds: number;
  readonly runs: number;
  /** The session's intra-op threads. */
  readonly threads: number;
  dispose(): Promise<void>;
}

/**
 * Opens a model in its own worker thread and checks it against the contract. `run` transfers
 * its inputs to the worker and the outputs back (no copies); runs queue in order.
 */
export async function loadOrtModel(path: string, options: OrtModelOptions = {}, manifestSegment?: number): Promise<OrtSegmentModel> {
  const worker = new Worker(new URL('./ort-worker.js', import.meta.url));
  const remote = Comlink.wrap<OrtWorkerApi>(nodeEndpoint(worker));
  const close = async () => {
    remote[Comlink.releaseProxy]();
    await worker.terminate();
  };
  const loaded = await remote.load(path, options);
  if (!loaded.ok) {
    await close();
    throw new DemucsError(loaded.code, loaded.message);
  }
  let stemCount = loaded.declared.stems;
  let geometry: Geometry;
  try {
    geometry = resolveGeometry(loaded.declared.segment, manifestSegment, `model ${path}`);
  } catch (error) {
    await close();
    throw error;
  }
  let runMilliseconds = 0;
  let runs = 0;
  return {
    path,
    threads: loaded.threads,
    get stemCount() {
      return stemCount ?? 0;
    },
    geometry,
    get runMilliseconds() {
      return runMilliseconds;
    },
    get runs() {
      return runs;
    },
    async run(mix: Float32Array, spec: Float32Array): Promise<SegmentOutput> {
      const result = await remote.run(Comlink.transfer(mix, [mix.buffer]), Comlink.transfer(spec, [spec.buffer]));
      if (!result.ok) throw new DemucsError(result.code, result.message);
      if (stemCount !== null && result.stemCount !== stemCount) {
        throw new DemucsError('MODEL_CONTRACT', `model ${path} declared ${stemCount} stems but returned ${result.stemCount}`);
      }
      stemCount = result.stemCount;
      runMilliseconds += result.milliseconds;
      runs++;
      return { spec: result.spec, wave: result.wave };
    },
    async dispose() {
      await remote.release();
      await close();
    },
  };
}
