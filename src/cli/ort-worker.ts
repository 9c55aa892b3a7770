/**
 * The worker thread that owns the onnxruntime-node session, so that the main thread can turn
 * one segment's outputs into stems while the next segment runs (see separator.ts). Exposed
 * with comlink; results are unions, since comlink carries only an error's name and message.
 */
import { parentPort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import * as ort from 'onnxruntime-node';
import { CHANNELS, FREQ_BINS, SPEC_CHANNELS } from '../core/constants.ts';
import { checkContract, checkOutputDims, type Declared, type ValueInfo } from '../core/contract.ts';
import { geometryOf } from '../core/geometry.ts';
import { describeError, isDemucsError, type DemucsErrorCode } from '../core/errors.ts';
import { sessionOptions, type SessionOptions } from './session-options.ts';

export type Failure = { readonly ok: false; readonly code: DemucsErrorCode; readonly message: string };
/** `threads`: the session's intra-op threads. */
export type Loaded = { readonly ok: true; readonly declared: Declared; readonly threads: number };
export type Ran = { readonly ok: true; readonly spec: Float32Array; readonly wave: Float32Array; readonly stemCount: number; readonly milliseconds: number };

const fail = (error: unknown, fallback: DemucsErrorCode): Failure => ({
  ok: false,
  code: isDemucsError(error) ? error.code : fallback,
  message: describeError(error),
});

let session: ort.InferenceSession | null = null;
let label = 'model';

const api = {
  async load(path: string, options: SessionOptions): Promise<Loaded | Failure> {
    label = `model ${path}`;
    const created = sessionOptions(options);
    try {
      session = await ort.InferenceSession.create(path, created);
    } catch (error) {
      const message = describeError(error);
      const missing = /no such file|not exist|doesn't exist|ENOENT/i.test(message);
      return { ok: false, code: 'MODEL_LOAD', message: `${label} ${missing ? 'does not exist' : `is not a loadable ONNX model: ${message.split('\n')[0]!.slice(0, 300)}`}` };
    }
    try {
      const declared = checkContract(session.inputMetadata as ValueInfo[], session.outputMetadata as ValueInfo[], label);
      return { ok: true, declared, threads: created.intraOpNumThreads ?? 1 };
    } catch (error) {
      return fail(error, 'MODEL_CONTRACT');
    }
  },

  /** One run; the segment is the mix's length (the caller's geometry, checked against the model's). */
  async run(mix: Float32Array, spec: Float32Array): Promise<Ran | Failure> {
    if (!session) return { ok: false, code: 'MODEL_RUN', message: `${label} is not loaded` };
    try {
      const geometry = geometryOf(mix.length / CHANNELS);
      const [mixName, specName] = session.inputNames as [string, string];
      const [specOutName, waveOutName] = session.outputNames as [string, string];
      const start = performance.now();
      const result = await session.run({
        [mixName]: new ort.Tensor('float32', mix, [1, CHANNELS, geometry.segment]),
        [specName]: new ort.Tensor('float32', spec, [1, SPEC_CHANNELS, FREQ_BINS, geometry.frames]),
      });
      const milliseconds = performance.now() - start;
      const specOut = result[specOutName]!;
      const waveOut = result[waveOutName]!;
      const stemCount = checkOutputDims(specOut.dims, waveOut.dims, geometry, label);
      if (specOut.type !== 'float32' || waveOut.type !== 'float32') {
        return { ok: false, code: 'MODEL_CONTRACT', message: `${label} returned ${specOut.type}/${waveOut.type} outputs, not float32` };
      }
      const specData = specOut.data as Float32Array;
      const waveData = waveOut.data as Float32Array;
      return Comlink.transfer({ ok: true, spec: specData, wave: waveData, stemCount, milliseconds }, [specData.buffer, waveData.buffer]);
    } catch (error) {
      return fail(error, 'MODEL_RUN');
    }
  },

  async release(): Promise<void> {
    await session?.release();
    session = null;
  },
};

export type OrtWorkerApi = typeof api;

Comlink.expose(api, nodeEndpoint(parentPort));
