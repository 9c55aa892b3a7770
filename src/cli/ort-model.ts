import * as ort from 'onnxruntime-node';
import { CHANNELS, FRAMES, FREQ_BINS, SEGMENT, SPEC_CHANNELS } from '../core/constants.ts';
import { checkContract, checkOutputDims } from '../core/contract.ts';
import { DemucsError, describeError } from '../core/errors.ts';
import type { SegmentModel, SegmentOutput } from '../core/model.ts';

export interface OrtModelOptions {
  /** Intra-op threads (default: ORT's choice, one per core). */
  readonly threads?: number;
}

/** A SegmentModel on onnxruntime-node that also keeps the time spent in session.run. */
export interface OrtSegmentModel extends SegmentModel {
  readonly path: string;
  /** Milliseconds spent inside session.run, summed over all runs. */
  readonly runMilliseconds: number;
  readonly runs: number;
  dispose(): Promise<void>;
}

/**
 * Session options, measured on the 2-core machine (see README): the CPU arena and the memory
 * pattern both hold several hundred MB beyond what a run needs. With them off, speed comes
 * from glibc keeping freed memory for reuse (MALLOC_MMAP_MAX_=0, set by bin/demucs-mixer.js).
 */
function sessionOptions(options: OrtModelOptions): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    enableCpuMemArena: false,
    enableMemPattern: false,
    executionMode: 'sequential',
    interOpNumThreads: 1,
    ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
  };
}

export async function loadOrtModel(path: string, options: OrtModelOptions = {}): Promise<OrtSegmentModel> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, sessionOptions(options));
  } catch (error) {
    const message = describeError(error);
    const missing = /no such file|not exist|ENOENT/i.test(message);
    throw new DemucsError('MODEL_LOAD', `model ${path} ${missing ? 'does not exist' : `is not a loadable ONNX model: ${firstLine(message)}`}`, {
      cause: error,
    });
  }
  let stemCount: number | null;
  try {
    stemCount = checkContract(session.inputMetadata, session.outputMetadata, `model ${path}`);
  } catch (error) {
    await session.release();
    throw error;
  }
  const [mixName, specName] = session.inputNames as [string, string];
  const [specOutName, waveOutName] = session.outputNames as [string, string];
  let runMilliseconds = 0;
  let runs = 0;

  const model: OrtSegmentModel = {
    path,
    get stemCount() {
      return stemCount ?? 0;
    },
    get runMilliseconds() {
      return runMilliseconds;
    },
    get runs() {
      return runs;
    },
    async run(mix: Float32Array, spec: Float32Array): Promise<SegmentOutput> {
      const feeds = {
        [mixName]: new ort.Tensor('float32', mix, [1, CHANNELS, SEGMENT]),
        [specName]: new ort.Tensor('float32', spec, [1, SPEC_CHANNELS, FREQ_BINS, FRAMES]),
      };
      const start = performance.now();
      const result = await session.run(feeds);
      runMilliseconds += performance.now() - start;
      runs++;
      const specOut = result[specOutName]!;
      const waveOut = result[waveOutName]!;
      const s = checkOutputDims(specOut.dims, waveOut.dims, `model ${path}`);
      if (stemCount !== null && s !== stemCount) {
        throw new DemucsError('MODEL_CONTRACT', `model ${path} declared ${stemCount} stems but returned ${s}`);
      }
      stemCount = s;
      if (specOut.type !== 'float32' || waveOut.type !== 'float32') {
        throw new DemucsError('MODEL_CONTRACT', `model ${path} returned ${specOut.type}/${waveOut.type} outputs, not float32`);
      }
      return {
        spec: specOut.data as Float32Array,
        wave: waveOut.data as Float32Array,
        dispose() {
          specOut.dispose();
          waveOut.dispose();
        },
      };
    },
    async dispose() {
      await session.release();
    },
  };
  return model;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 300);
}
