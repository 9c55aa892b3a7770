/**
 * The checkpoint's state dict as the graph builders read it: each weight taken by its key with
 * the shape its module expects (a missing key or another shape fails naming the key), every
 * key accounted for at the end (an extra key fails too).
 */
import { DemucsError } from '../core/errors.ts';
import { tensorFloats, type StateTensor } from './checkpoint.ts';
import type { OnnxGraph, Shape, Value } from './onnx-graph.ts';

export class Weights {
  readonly #state: ReadonlyMap<string, StateTensor>;
  readonly #graph: OnnxGraph;
  readonly #label: string;
  readonly #used = new Set<string>();

  constructor(state: ReadonlyMap<string, StateTensor>, graph: OnnxGraph, label: string) {
    this.#state = state;
    this.#graph = graph;
    this.#label = label;
  }

  #get(key: string, shape: Shape): StateTensor {
    const tensor = this.#state.get(key);
    if (!tensor) throw new DemucsError('CHECKPOINT', `${this.#label}: missing key ${key} (expected a tensor of shape [${shape.join(', ')}] for these kwargs)`);
    if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
      throw new DemucsError('CHECKPOINT', `${this.#label}: ${key} has shape [${tensor.shape.join(', ')}], but these kwargs need [${shape.join(', ')}]`);
    }
    this.#used.add(key);
    return tensor;
  }

  /** A weight as a graph value (fp16 initializer + Cast when stored in fp16). */
  take(key: string, shape: Shape): Value {
    const tensor = this.#get(key, shape);
    if (tensor.dtype === 'float16') {
      const bits = new Uint16Array(tensor.bytes.length / 2);
      new Uint8Array(bits.buffer).set(tensor.bytes);
      return this.#graph.weight(key, { fp16: bits }, shape);
    }
    return this.#graph.weight(key, { fp32: tensorFloats(tensor) }, shape);
  }

  /** A weight's values (for constants folded at build time). */
  values(key: string, shape: Shape): Float32Array {
    return tensorFloats(this.#get(key, shape));
  }

  /** Accounts for a weight the network holds but never uses (checked, not stored). */
  unused(key: string, shape: Shape): void {
    this.#get(key, shape);
  }

  has(key: string): boolean {
    return this.#state.has(key);
  }

  /** Fails when the checkpoint holds keys no module read. */
  checkAllUsed(): void {
    const extra = [...this.#state.keys()].filter((k) => !this.#used.has(k));
    if (extra.length) {
      const shown = extra.slice(0, 4).join(', ') + (extra.length > 4 ? `, … (${extra.length} in all)` : '');
      throw new DemucsError('CHECKPOINT', `${this.#label}: unexpected key${extra.length > 1 ? 's' : ''} ${shown} (not part of an HTDemucs with these kwargs)`);
    }
  }
}
