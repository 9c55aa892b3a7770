/**
 * The converter's faster forms of an op against the op itself, in onnxruntime-node: the
 * transposed convolution computed as a Conv over its phases (every kernel/stride pair, 1-D
 * and 2-D, including the ones that fall back to ConvTranspose).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { OnnxGraph } from '../../src/convert/onnx-graph.ts';
import { convTransposeByPhases } from '../../src/convert/graph-forms.ts';
import { maxAbsDiff } from '../../src/core/metrics.ts';

/** Deterministic values in [-1, 1). */
function values(count: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

const cases = [
  { label: 'time, kernel 8 stride 4 (HTDemucs)', input: [1, 6, 37], kernel: [8], stride: 4 },
  { label: 'frequency, kernel 8×1 stride 4 (HTDemucs)', input: [1, 6, 16, 5], kernel: [8, 1], stride: 4 },
  { label: 'time, kernel 4 stride 2 (time_stride layers)', input: [1, 5, 21], kernel: [4], stride: 2 },
  { label: 'three taps: kernel 9 stride 3', input: [1, 3, 11, 4], kernel: [9, 1], stride: 3 },
  { label: 'one tap: kernel 4 stride 4 (a last frequency layer)', input: [1, 4, 2, 3], kernel: [4, 1], stride: 4 },
  { label: 'kernel 6 stride 4: not whole taps, stays a ConvTranspose', input: [1, 4, 9], kernel: [6], stride: 4 },
];

for (const c of cases) {
  test(`ConvTranspose by phases = ConvTranspose: ${c.label}`, async () => {
    const [, cin] = c.input as [number, number];
    const cout = 3;
    const g = new OnnxGraph({ fp16Weights: false });
    const x = g.input('x', c.input);
    const weightShape = [cin, cout, ...c.kernel];
    const w = g.constant(values(weightShape.reduce((a, b) => a * b), 7), weightShape, 'w');
    const b = g.constant(values(cout, 11), [cout], 'b');
    const plain = g.convTranspose(x, w, b, c.kernel.length === 2 ? [c.stride, 1] : [c.stride]);
    const phases = convTransposeByPhases(g, x, w, b, c.stride);
    assert.deepEqual(phases.shape, plain.shape);
    g.output(plain, 'plain');
    g.output(phases, 'phases');
    const session = await ort.InferenceSession.create(g.encode({ producer: 'test' }));
    const input = values(c.input.reduce((p, q) => p * q), 3);
    const out = await session.run({ x: new ort.Tensor('float32', input, c.input) });
    await session.release();
    const expected = out['plain']!.data as Float32Array;
    assert.ok(expected.some((v) => Math.abs(v) > 0.5), 'the reference output is not trivial');
    assert.ok(maxAbsDiff(out['phases']!.data as Float32Array, expected) < 1e-6);
  });
}
