import type { Geometry } from './geometry.ts';
import type { StemName } from './stems.ts';

/**
 * A network under our ONNX contract, run one segment at a time. Implementations wrap
 * onnxruntime-node, onnxruntime-web, or a test double.
 */
export interface SegmentModel {
  /** Stems S the network emits (output 0's dimension 1). */
  readonly stemCount: number;
  /** The segment the network takes, and the sizes that follow from it. */
  readonly geometry: Geometry;
  /**
   * Runs one segment. `mix` is [1, 2, T], `spec` its CaC spectrogram [1, 4, 2048, F] (T and F
   * from `geometry`). Resolves to output 0 ([1, S, 4, 2048, F]) and output 1 ([1, S, 2, T]).
   * The model may take ownership of `mix` and `spec` (transfer them to a worker): callers
   * pass buffers they no longer need. Several runs may be queued before the first resolves.
   */
  run(mix: Float32Array, spec: Float32Array): Promise<SegmentOutput>;
}

/** A run's outputs; they belong to the caller, who may change them in place. */
export interface SegmentOutput {
  readonly spec: Float32Array;
  readonly wave: Float32Array;
  /** Frees the output buffers early when the runtime allows it. */
  dispose?(): void;
}

/** A bag of networks with the same stems; `weights[k][s]` is model k's say in stem s. */
export interface Bag {
  readonly stems: readonly StemName[];
  readonly members: readonly BagMember[];
}

export interface BagMember {
  readonly model: SegmentModel;
  readonly weights: readonly number[];
  /** For messages: where the model came from. */
  readonly label?: string;
}
