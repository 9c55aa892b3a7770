/** Reading an ONNX model's protobuf for the passes that rewrite one (half-storage.ts, int8-products.ts). */
import onnxProto from 'onnx-proto';
import { DemucsError } from '../core/errors.ts';
import { halvesToFloats } from './half.ts';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;
type Tensor = onnxProto.onnx.ITensorProto;

/** The model and its graph; MODEL_LOAD naming `label` when the bytes are not an ONNX model with one. */
export function decodeModel(model: Uint8Array, label: string): { decoded: onnxProto.onnx.ModelProto; graph: onnxProto.onnx.IGraphProto } {
  let decoded: onnxProto.onnx.ModelProto;
  try {
    decoded = onnx.ModelProto.decode(model);
  } catch (error) {
    throw new DemucsError('MODEL_LOAD', `${label} is not an ONNX model: ${(error as Error).message}`);
  }
  const graph = decoded.graph;
  if (!graph) throw new DemucsError('MODEL_LOAD', `${label} holds no graph`);
  return { decoded, graph };
}

/**
 * A tensor's values as floats: FLOAT (raw or in float_data), and FLOAT16 too when `halves` (its
 * values widened exactly); null for other types or external data.
 */
export function floatValues(t: Tensor, halves = false): Float32Array | null {
  if ((t.externalData?.length ?? 0) > 0) return null;
  const raw = t.rawData && t.rawData.length > 0 ? Uint8Array.from(t.rawData) : null;
  if (t.dataType === T.FLOAT) return raw ? new Float32Array(raw.buffer) : t.floatData?.length ? Float32Array.from(t.floatData) : null;
  if (halves && t.dataType === T.FLOAT16) return raw ? halvesToFloats(new Uint16Array(raw.buffer)) : t.int32Data?.length ? halvesToFloats(Uint16Array.from(t.int32Data)) : null;
  return null;
}
