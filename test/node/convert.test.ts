/**
 * The converter against Demucs itself: small HTDemucs checkpoints saved by Demucs' own code
 * (tools/make-checkpoint-fixtures.py, Debian's python3-torch) with the outputs of its forward
 * pass; each converted and run in onnxruntime-node must give those outputs within 1e-5. Then the
 * checkpoint reader's error matrix and the options refused by name.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { readCheckpoint, type Checkpoint } from '../../src/convert/checkpoint.ts';
import { convertCheckpoint, type ConvertOptions } from '../../src/convert/convert.ts';
import { isDemucsError } from '../../src/core/errors.ts';
import { maxAbsDiff, sdr } from '../../src/core/metrics.ts';
import { ROOT } from './helpers.ts';

const DIR = join(ROOT, 'test/fixtures/checkpoints');

interface Shapes {
  readonly mix: number[];
  readonly spec: number[];
  readonly outSpec: number[];
  readonly outWave: number[];
}
interface Index {
  readonly demucsCommit: string;
  readonly fixtures: Record<string, { checkpoint: string; kwargs: Record<string, unknown>; parameters: number; shapes: Shapes }>;
  readonly shorter: { fixture: string; segment: number; prefix: string; shapes: Shapes };
}

const index = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as Index;
const floats = (file: string) => {
  const bytes = readFileSync(join(DIR, file));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
};
const load = (file: string): Checkpoint => readCheckpoint(readFileSync(join(DIR, file)), file);

/** Runs a converted network on a fixture case; returns the max |Δ| of both outputs against Demucs'. */
async function differences(onnx: Uint8Array, prefix: string, shapes: Shapes): Promise<{ spec: number; wave: number }> {
  const session = await ort.InferenceSession.create(onnx);
  try {
    const out = await session.run({
      mix: new ort.Tensor('float32', floats(`${prefix}.mix.f32`), shapes.mix),
      spec: new ort.Tensor('float32', floats(`${prefix}.spec.f32`), shapes.spec),
    });
    assert.deepEqual(out['spec_stems']!.dims, shapes.outSpec);
    assert.deepEqual(out['wave_stems']!.dims, shapes.outWave);
    return {
      spec: maxAbsDiff(out['spec_stems']!.data as Float32Array, floats(`${prefix}.out-spec.f32`)),
      wave: maxAbsDiff(out['wave_stems']!.data as Float32Array, floats(`${prefix}.out-wave.f32`)),
    };
  } finally {
    await session.release();
  }
}

/** The CHECKPOINT (or other) error a conversion fails with. */
function failure(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    assert.ok(isDemucsError(error), `not a DemucsError: ${error}`);
    return { code: error.code, message: error.message };
  }
  assert.fail('no error');
}

const FP16: ConvertOptions = { precision: 'fp16' };

describe(`converter: Demucs' own checkpoints (demucs ${index.demucsCommit.slice(0, 8)}) → ONNX, run in onnxruntime-node`, () => {
  for (const [name, fixture] of Object.entries(index.fixtures)) {
    test(`${name} (${fixture.parameters} parameters) gives Demucs' network outputs within 1e-5`, async () => {
      const converted = convertCheckpoint(load(fixture.checkpoint), fixture.checkpoint, FP16);
      assert.deepEqual(converted.config.sources, fixture.kwargs['sources']);
      const d = await differences(converted.onnx, name, fixture.shapes);
      console.log(`${name}: max |Δ| spectrogram stems ${d.spec.toExponential(2)}, waveform stems ${d.wave.toExponential(2)}; ${(converted.onnx.length / 1024).toFixed(0)} KB`);
      assert.ok(d.spec < 1e-5 && d.wave < 1e-5, JSON.stringify(d));
    });
  }

  test('an fp32 checkpoint converts to the same network; fp16 storage is half the weights of --precision fp32', async () => {
    const [name, fixture] = Object.entries(index.fixtures)[0]!;
    const fp32 = convertCheckpoint(load(`${name}.fp32.th`), `${name}.fp32.th`, FP16);
    const d = await differences(fp32.onnx, name, fixture.shapes);
    assert.ok(d.spec < 1e-5 && d.wave < 1e-5, JSON.stringify(d));
    const half = convertCheckpoint(load(fixture.checkpoint), fixture.checkpoint, FP16);
    const full = convertCheckpoint(load(fixture.checkpoint), fixture.checkpoint, { precision: 'fp32' });
    const dFull = await differences(full.onnx, name, fixture.shapes);
    assert.ok(dFull.spec < 1e-5 && dFull.wave < 1e-5, 'fp32 storage gives the same outputs');
    const ratio = half.weightBytes / full.weightBytes;
    console.log(`weights: fp16 storage ${half.weightBytes} bytes, fp32 ${full.weightBytes} (${ratio.toFixed(3)}); fp32 checkpoint stored as ${fp32.weightBytes}`);
    assert.ok(ratio < 0.56, `fp16 storage is ${ratio} of fp32`);
    assert.equal(fp32.weightBytes, half.weightBytes, 'fp32 weights that are fp16 values are stored as fp16');
  });

  test('--precision int8: the transformer\'s products in int8, the same contract, Demucs\' outputs within int8\'s precision (≥ 30 dB SDR)', async () => {
    const name = 'd4-six-crossfirst-dconv1';
    const fixture = index.fixtures[name]!;
    const converted = convertCheckpoint(load(fixture.checkpoint), fixture.checkpoint, { precision: 'int8' });
    const ops = onnxProto.onnx.ModelProto.decode(converted.onnx).graph!.node!.map((n) => n.opType);
    assert.ok(ops.filter((o) => o === 'MatMulInteger').length >= 8, 'the in/out projections and feed-forward layers');
    const session = await ort.InferenceSession.create(converted.onnx);
    const out = await session.run({
      mix: new ort.Tensor('float32', floats(`${name}.mix.f32`), fixture.shapes.mix),
      spec: new ort.Tensor('float32', floats(`${name}.spec.f32`), fixture.shapes.spec),
    });
    assert.deepEqual(out['spec_stems']!.dims, fixture.shapes.outSpec);
    assert.deepEqual(out['wave_stems']!.dims, fixture.shapes.outWave);
    const spec = sdr([floats(`${name}.out-spec.f32`)], [out['spec_stems']!.data as Float32Array]);
    const wave = sdr([floats(`${name}.out-wave.f32`)], [out['wave_stems']!.data as Float32Array]);
    console.log(`${name} at int8: SDR against Demucs ${spec.toFixed(1)} dB (spectrogram stems), ${wave.toFixed(1)} dB (waveform stems)`);
    assert.ok(spec >= 30 && wave >= 30, JSON.stringify({ spec, wave }));
    assert.ok(Math.min(spec, wave) < 100, 'something was quantized');
    await session.release();
  });

  test('--segment: a shorter window gives Demucs’ outputs for that segment', async () => {
    const { fixture, segment, prefix, shapes } = index.shorter;
    const converted = convertCheckpoint(load(`${fixture}.th`), `${fixture}.th`, { ...FP16, segment });
    assert.equal(converted.segmentSamples, shapes.mix[2]);
    const d = await differences(converted.onnx, prefix, shapes);
    assert.ok(d.spec < 1e-5 && d.wave < 1e-5, JSON.stringify(d));
    const longer = failure(() => convertCheckpoint(load(`${fixture}.th`), `${fixture}.th`, { ...FP16, segment: 1 }));
    assert.match(longer.message, /at most the trained/);
  });

  test('--segment any: one graph gives Demucs’ outputs at the trained segment and at a shorter one, as the fixed-window models do', async () => {
    const { fixture, segment, prefix, shapes } = index.shorter;
    const any = convertCheckpoint(load(`${fixture}.th`), `${fixture}.th`, { ...FP16, segment: 'any' });
    assert.ok(any.anyWindow);
    assert.equal(any.segmentSamples, index.fixtures[fixture]!.shapes.mix[2], 'files run the trained segment');
    const trained = await differences(any.onnx, fixture, index.fixtures[fixture]!.shapes);
    const shorter = await differences(any.onnx, prefix, shapes);
    console.log(`${fixture}, any window: max |Δ| against Demucs ${JSON.stringify(trained)} (trained segment), ${JSON.stringify(shorter)} (${segment} s)`);
    for (const d of [trained, shorter]) assert.ok(d.spec < 1e-5 && d.wave < 1e-5, JSON.stringify(d));
    // The same as the model converted for that window alone.
    const fixed = convertCheckpoint(load(`${fixture}.th`), `${fixture}.th`, { ...FP16, segment });
    assert.deepEqual(await differences(fixed.onnx, prefix, shapes), shorter);
    // Every configuration builds without writing a window size into the graph.
    for (const [name, f] of Object.entries(index.fixtures)) {
      const d = await differences(convertCheckpoint(load(f.checkpoint), f.checkpoint, { ...FP16, segment: 'any' }).onnx, name, f.shapes);
      assert.ok(d.spec < 1e-5 && d.wave < 1e-5, `${name}: ${JSON.stringify(d)}`);
    }
  });

  test('a plain state dict converts with its kwargs (--config), and says so without them', async () => {
    const kwargs = JSON.parse(readFileSync(join(DIR, 'plain-state.kwargs.json'), 'utf8')) as Record<string, unknown>;
    const name = Object.entries(index.fixtures).find(([, f]) => JSON.stringify(f.kwargs['sources']) === JSON.stringify(kwargs['sources']) && f.kwargs['channels'] === kwargs['channels'] && f.kwargs['depth'] === kwargs['depth'])![0];
    const converted = convertCheckpoint(load('plain-state.th'), 'plain-state.th', { ...FP16, kwargs });
    const d = await differences(converted.onnx, name, index.fixtures[name]!.shapes);
    assert.ok(d.spec < 1e-5 && d.wave < 1e-5, JSON.stringify(d));
    assert.match(failure(() => convertCheckpoint(load('plain-state.th'), 'plain-state.th', FP16)).message, /plain state dict.*--config kwargs\.json/);
  });
});

describe('converter: what it refuses, in one line naming it', () => {
  const cases: [string, RegExp][] = [
    ['bad-hdemucs.th', /bad-hdemucs\.th: holds an HDemucs model \(Demucs v3, hybrid\); only HTDemucs/],
    ['bad-quantized.th', /diffq-quantized state \(__quantized\)/],
    ['bad-missing-key.th', /missing key encoder\.0\.conv\.weight \(expected a tensor of shape \[8, 4, 8, 1\]/],
    ['bad-extra-key.th', /unexpected key encoder\.99\.conv\.weight/],
    ['bad-shape.th', /encoder\.0\.conv\.weight has shape \[9, 5, 9, 2\], but these kwargs need \[8, 4, 8, 1\]/],
    ['bad-not-a-model.th', /holds a list or tuple of 3, not a Demucs model/],
    ['bad-truncated.th', /archive is truncated or corrupt/],
    ['bad-corrupt.th', /data\.pkl is corrupt/],
  ];
  for (const [file, expected] of cases) {
    test(file, () => {
      const error = failure(() => convertCheckpoint(load(file), file, FP16));
      assert.equal(error.code, 'CHECKPOINT');
      assert.match(error.message, expected);
      assert.ok(!error.message.includes('\n'), 'one line');
    });
  }

  test('not a checkpoint at all: bytes that are no zip, a legacy torch pickle', () => {
    assert.match(failure(() => readCheckpoint(new TextEncoder().encode('hello, world'), 'notes.txt')).message, /notes\.txt: not a PyTorch checkpoint/);
    assert.match(failure(() => readCheckpoint(Uint8Array.from([0x80, 2, 0x7d, 0x2e]), 'old.th')).message, /legacy \(pre-zip\) torch file/);
  });

  const refused: [Record<string, unknown>, RegExp][] = [
    [{ t_sparse_self_attn: true }, /t_sparse_self_attn=true: sparse attention is not supported/],
    [{ t_sparse_cross_attn: true }, /t_sparse_cross_attn=true: sparse attention/],
    [{ wiener_iters: 1, end_iters: 1 }, /wiener_iters=1: Wiener filtering iterations are not supported/],
    [{ multi_freqs: [2, 2] }, /multi_freqs=\[2,2\]: multi_freqs \(MultiWrap layers\) is not supported/],
    [{ cac: false }, /cac=false: .*only complex-as-channels/],
    [{ t_emb: 'cape' }, /t_emb="cape": only t_emb="sin"/],
    [{ t_sin_random_shift: 2 }, /t_sin_random_shift=2/],
    [{ flux_capacitor: 1 }, /unknown HTDemucs option flux_capacitor/],
  ];
  for (const [kwargs, expected] of refused) {
    test(`kwargs ${JSON.stringify(kwargs)}`, () => {
      const [, fixture] = Object.entries(index.fixtures)[0]!;
      const error = failure(() => convertCheckpoint(load(fixture.checkpoint), fixture.checkpoint, { ...FP16, kwargs }));
      assert.equal(error.code, 'CHECKPOINT');
      assert.match(error.message, expected);
    });
  }

  test('kwargs that do not fit the weights: a shape error naming the key', () => {
    const [, fixture] = Object.entries(index.fixtures)[0]!;
    const error = failure(() => convertCheckpoint(load(fixture.checkpoint), fixture.checkpoint, { ...FP16, kwargs: { channels: 6 } }));
    assert.match(error.message, /tencoder\.0\.conv\.weight has shape \[4, 2, 8\], but these kwargs need \[6, 2, 8\]/);
  });
});
