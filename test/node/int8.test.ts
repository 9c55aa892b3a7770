/**
 * The int8 pass (src/convert/int8-products.ts) on small graphs run in onnxruntime-node: which
 * products it rewrites, what it leaves alone, and how close their outputs stay to float. The real
 * model's stems against fp32 are in reference.test.ts (≥ 40 dB SDR).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { quantizeColumns } from '../../src/convert/int8-emit.ts';
import { int8Products } from '../../src/convert/int8-products.ts';
import { isDemucsError } from '../../src/core/errors.ts';
import { sdr } from '../../src/core/metrics.ts';
import { GraphBuilder } from '../../tools/onnx-builder.ts';

/** Deterministic values in (-1, 1), with a few columns of larger ones (as trained weights have). */
function values(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, (_, i) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 30 - 1) * (i % 37 === 0 ? 4 : 1);
  });
}

/**
 * x [2, 5, 64] → x·A (64×96), x·Bᵀ (B 96×64, through a Transpose), Gemm(x2 [10, 64], Cᵀ + bias),
 * x·D (8 weights: left alone), and attention: softmax(x·kt / 8)·x, kt [2, 64, 5] an input (the scores in int8, the
 * probabilities' product left alone).
 */
function fixture(): Uint8Array {
  const g = new GraphBuilder();
  const scores = g.node('Div', [g.node('MatMul', ['x', 'kt']), g.floats([8], [1])]);
  const attention = g.node('MatMul', [g.node('Softmax', [scores], undefined, { axis: -1 }), 'x'], 'yattn');
  const a = g.node('MatMul', ['x', g.floats(values(64 * 96, 1), [64, 96])], 'ya');
  const b = g.node('MatMul', ['x', g.node('Transpose', [g.floats(values(96 * 64, 2), [96, 64])])], 'yb');
  const c = g.node('Gemm', ['x2', g.floats(values(80 * 64, 3), [80, 64]), g.floats(values(80, 4), [80])], 'yc', { transB: 1 });
  const d = g.node('MatMul', ['x8', g.floats(values(8, 5), [4, 2])], 'yd');
  return g.build(
    [['x', [2, 5, 64]], ['kt', [2, 64, 5]], ['x2', [10, 64]], ['x8', [3, 4]]],
    [[a, [2, 5, 96]], [b, [2, 5, 96]], [c, [10, 80]], [d, [3, 2]], [attention, [2, 5, 64]]],
  );
}

async function run(model: Uint8Array): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(model);
  const feeds = {
    x: new ort.Tensor('float32', Float32Array.from(values(640, 7)), [2, 5, 64]),
    kt: new ort.Tensor('float32', Float32Array.from(values(640, 10)), [2, 64, 5]),
    x2: new ort.Tensor('float32', Float32Array.from(values(640, 8)), [10, 64]),
    x8: new ort.Tensor('float32', Float32Array.from(values(12, 9)), [3, 4]),
  };
  const out = await session.run(feeds);
  return Object.fromEntries(session.outputNames.map((n) => [n, out[n]!.data as Float32Array]));
}

const opsOf = (model: Uint8Array) => onnxProto.onnx.ModelProto.decode(model).graph!.node!.map((n) => n.opType ?? '');
const count = (ops: string[], op: string) => ops.filter((o) => o === op).length;

describe('int8 products', () => {
  test('MatMul and Gemm with constant weights, and attention scores, become MatMulInteger; one activation quantizer per input; the rest stays float', () => {
    const report = int8Products(fixture(), 'fixture');
    const ops = opsOf(report.onnx);
    assert.equal(report.quantized, 4);
    assert.equal(report.weights, 64 * 96 + 96 * 64 + 80 * 64);
    assert.equal(count(ops, 'MatMulInteger'), 4);
    assert.equal(count(ops, 'DynamicQuantizeLinear'), 3, 'x once for its two products and the scores, kt, x2');
    assert.equal(count(ops, 'MatMul'), 2, 'the 8-weight product and probabilities · x stay');
    assert.equal(count(ops, 'Gemm'), 0);
    assert.equal(count(ops, 'Transpose'), 0, 'the weight\'s Transpose is gone');
    const initializers = onnxProto.onnx.ModelProto.decode(report.onnx).graph!.initializer!;
    assert.ok(initializers.every((t) => t.dataType !== onnxProto.onnx.TensorProto.DataType.FLOAT || (t.dims ?? []).reduce((a, b) => Number(a) * Number(b), 1) <= 96), 'no float weight matrix is left behind');
  });

  test('the outputs stay within int8\'s precision of float (≥ 35 dB SDR each), the float product exactly as it was', async () => {
    const float = await run(fixture());
    const int8 = await run(int8Products(fixture(), 'fixture').onnx);
    for (const name of ['ya', 'yb', 'yc', 'yattn']) {
      const d = sdr([float[name]!], [int8[name]!]);
      assert.ok(d >= 35, `${name}: ${d.toFixed(1)} dB`);
      assert.ok(d < 80, `${name}: ${d.toFixed(1)} dB, as if nothing were quantized`);
    }
    assert.deepEqual(int8['yd'], float['yd']);
  });

  test('weights: symmetric per column, the largest |w| at ±127, a zero column at scale 1', () => {
    const m = { values: Float32Array.from([0.5, 0, -2, 0, 0.25, 0]), rows: 3, columns: 2 };
    const { q, scales } = quantizeColumns(m);
    assert.deepEqual([...scales], [Math.fround(2 / 127), 1]);
    assert.deepEqual([...q], [32, 0, -127, 0, 16, 0]);
  });

  test('not an ONNX model: MODEL_LOAD naming it', () => {
    assert.throws(() => int8Products(new Uint8Array([1, 2, 3, 250, 251]), 'junk.onnx'), (e) => isDemucsError(e) && e.code === 'MODEL_LOAD' && /junk\.onnx/.test(e.message));
  });
});
