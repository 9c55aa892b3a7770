/**
 * A tiny ONNX writer for test fixtures: graphs built from a few elementwise nodes, encoded
 * with the onnx-proto message classes. Enough to make models that honour (or break) our
 * contract with outputs a test can predict.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

export type Shape = readonly (number | string)[] | null;

export class GraphBuilder {
  readonly #nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  readonly #initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  #count = 0;

  /** A float32 constant of the given shape. */
  floats(values: readonly number[], dims: readonly number[]): string {
    const name = `c${this.#count++}`;
    this.#initializers.push(onnx.TensorProto.create({ name, dataType: FLOAT, dims: [...dims], floatData: [...values] }));
    return name;
  }

  /** An int64 constant (axes, shapes). */
  ints(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = `c${this.#count++}`;
    this.#initializers.push(onnx.TensorProto.create({ name, dataType: INT64, dims: [...dims], int64Data: [...values] }));
    return name;
  }

  /** Adds a node; returns its (first) output name. */
  node(op: string, inputs: readonly string[], output?: string, attributes: Record<string, number> = {}): string {
    const out = output ?? `t${this.#count++}`;
    const attribute = Object.entries(attributes).map(([name, i]) =>
      onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i }),
    );
    this.#nodes.push(onnx.NodeProto.create({ opType: op, input: [...inputs], output: [out], attribute }));
    return out;
  }

  /** Encodes a model with the given graph inputs and outputs (null shape: undeclared). */
  build(inputs: readonly [string, Shape][], outputs: readonly [string, Shape][]): Uint8Array {
    const value = ([name, shape]: [string, Shape]) =>
      onnx.ValueInfoProto.create({
        name,
        type: onnx.TypeProto.create({
          tensorType: onnx.TypeProto.Tensor.create({
            elemType: FLOAT,
            ...(shape
              ? {
                  shape: onnx.TensorShapeProto.create({
                    dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
                  }),
                }
              : {}),
          }),
        }),
      });
    const graph = onnx.GraphProto.create({
      name: 'fixture',
      node: this.#nodes,
      initializer: this.#initializers,
      input: inputs.map(value),
      output: outputs.map(value),
    });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'demucs-mixer test fixtures',
      opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 17 })],
      graph,
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
