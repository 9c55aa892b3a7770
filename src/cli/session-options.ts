/**
 * onnxruntime-node session options of the CLI (and of `bench:model`, which measures them).
 */
import { availableParallelism } from 'node:os';
import type * as ort from 'onnxruntime-node';

export interface SessionOptions {
  readonly threads?: number;
}

/**
 * Intra-op threads when none are asked for: one per core this process may use. ONNX Runtime's
 * own default ran one thread on the 2-core machine (README, "Speed").
 */
export function defaultThreads(): number {
  return availableParallelism();
}

/**
 * Measured on the 2-core machine (README): the CPU arena and the memory pattern hold hundreds
 * of MB beyond what a run needs; with both off, speed comes from glibc keeping freed memory
 * for reuse (MALLOC_MMAP_MAX_=0 and MALLOC_ARENA_MAX=1, set by bin/demucs-mixer.js).
 *
 * Subnormal floats are read and written as zero: in htdemucs' first attention layers most
 * softmax weights underflow to subnormals, which the CPU multiplies in microcode (the softmax
 * and the product with the values of layer 0 took 550 ms instead of 50; a whole run 3.6 s
 * instead of 3.0). Their share of any output is below 1e-30.
 */
export function sessionOptions(options: SessionOptions = {}, subnormalsAsZero = true): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    enableCpuMemArena: false,
    enableMemPattern: false,
    executionMode: 'sequential',
    interOpNumThreads: 1,
    intraOpNumThreads: options.threads ?? defaultThreads(),
    ...(subnormalsAsZero ? { extra: { session: { set_denormal_as_zero: '1' } } } : {}),
  };
}
