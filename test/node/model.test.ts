import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CHANNELS, SEGMENT } from '../../src/core/constants.ts';
import { checkContract, checkOutputDims } from '../../src/core/contract.ts';
import { isDemucsError } from '../../src/core/errors.ts';
import { parseManifest } from '../../src/core/manifest.ts';
import { HTDEMUCS_GEOMETRY } from '../../src/core/geometry.ts';

const SPEC_SIZE = HTDEMUCS_GEOMETRY.specSize;
import { loadBag } from '../../src/cli/load-model.ts';
import { loadOrtModel } from '../../src/cli/ort-model.ts';
import { MODELS, tempDir } from './helpers.ts';

const hasCode = (code: string, pattern?: RegExp) => (e: unknown) => isDemucsError(e) && e.code === code && (!pattern || pattern.test(e.message));

describe('model contract', () => {
  const tensor = (name: string, shape: (number | string)[]) => ({ name, isTensor: true, type: 'float32', shape });
  const good = {
    inputs: [tensor('mix', [1, 2, 343980]), tensor('spec', [1, 4, 2048, 336])],
    outputs: [tensor('o0', [1, 6, 4, 2048, 336]), tensor('o1', [1, 6, 2, 343980])],
  };

  test('the htdemucs shapes pass and give S and the segment', () => {
    assert.deepEqual(checkContract(good.inputs, good.outputs), { stems: 6, segment: 343980 });
    const symbolic = [tensor('o0', [1, 'S', 4, 2048, 336]), tensor('o1', [1, 'S', 2, 343980])];
    assert.deepEqual(checkContract(good.inputs, symbolic), { stems: null, segment: 343980 });
    // A shorter window (convert --segment 3.9): 171990 samples, ceil(171990 / 1024) = 168 frames.
    const short = {
      inputs: [tensor('mix', [1, 2, 171990]), tensor('spec', [1, 4, 2048, 168])],
      outputs: [tensor('o0', [1, 4, 4, 2048, 168]), tensor('o1', [1, 4, 2, 171990])],
    };
    assert.deepEqual(checkContract(short.inputs, short.outputs), { stems: 4, segment: 171990 });
    const dynamic = [tensor('mix', [1, 2, 'T']), tensor('spec', [1, 4, 2048, 'F'])];
    assert.deepEqual(checkContract(dynamic, [tensor('o0', [1, 4, 4, 2048, 'F']), tensor('o1', [1, 4, 2, 'T'])]), { stems: 4, segment: null });
  });

  test('each mismatch is named', () => {
    const bad = (inputs: typeof good.inputs, outputs: typeof good.outputs, pattern: RegExp) =>
      assert.throws(() => checkContract(inputs, outputs, 'model x'), hasCode('MODEL_CONTRACT', pattern));
    bad(good.inputs.slice(0, 1), good.outputs, /1 inputs, not 2/);
    bad(good.inputs, good.outputs.slice(0, 1), /1 outputs, not 2/);
    bad([tensor('mix', [1, 2, 44100]), good.inputs[1]!], good.outputs, /disagree on the segment length \(44100 vs 343980 samples\)/);
    bad([good.inputs[0]!, tensor('spec', [1, 4, 2048, 168])], good.outputs, /disagree on the frame count \(168 vs 336\)/);
    bad([tensor('mix', [1, 2, 44100]), good.inputs[1]!], [good.outputs[0]!, tensor('o1', [1, 6, 2, 44100])], /336 spectrogram frames for a segment of 44100 samples/);
    bad([good.inputs[0]!, tensor('spec', [1, 4, 2049, 336])], good.outputs, /input 1 .*dimension 2 is 2049, not 2048/);
    bad(good.inputs, [tensor('o0', [1, 4, 4, 2048, 336]), tensor('o1', [1, 2, 2, 343980])], /disagree on the stem count \(4 vs 2\)/);
    bad(good.inputs, [tensor('o0', [1, 4, 2048, 336]), good.outputs[1]!], /not rank 5/);
    bad([{ ...good.inputs[0]!, type: 'float16' }, good.inputs[1]!], good.outputs, /float16, not float32/);
    assert.throws(() => checkOutputDims([1, 4, 4, 2048, 336], [1, 4, 2, 1000], HTDEMUCS_GEOMETRY), hasCode('MODEL_CONTRACT'));
    assert.equal(checkOutputDims([1, 4, 4, 2048, 336], [1, 4, 2, 343980], HTDEMUCS_GEOMETRY), 4);
  });

  test('fixture models that break the contract fail to load with the reason', async () => {
    await assert.rejects(loadOrtModel(join(MODELS, 'wrong-segment.onnx')), hasCode('MODEL_CONTRACT', /wrong-segment.onnx.*336 spectrogram frames for a segment of 44100 samples/));
    await assert.rejects(loadOrtModel(join(MODELS, 'one-output.onnx')), hasCode('MODEL_CONTRACT', /1 outputs, not 2/));
    await assert.rejects(loadOrtModel(join(MODELS, 'stems-disagree.onnx')), hasCode('MODEL_CONTRACT', /stem count/));
    await assert.rejects(loadOrtModel(join(MODELS, 'not-a-model.onnx')), hasCode('MODEL_LOAD', /not a loadable ONNX model/));
    await assert.rejects(loadOrtModel(join(MODELS, 'missing.onnx')), hasCode('MODEL_LOAD', /does not exist/));
  });

  test('a fixture model runs and returns its predictable outputs', async () => {
    const model = await loadOrtModel(join(MODELS, 'mixed4.onnx'));
    try {
      assert.equal(model.stemCount, 4);
      const mix = Float32Array.from({ length: CHANNELS * SEGMENT }, (_, i) => Math.sin(i));
      const spec = Float32Array.from({ length: SPEC_SIZE }, (_, i) => Math.cos(i));
      const out = await model.run(mix.slice(), spec.slice()); // run() takes ownership of its inputs
      // mixed4: a = [0.5, 0, 1, -0.5], b = [0.25, 1, 0, 0.5], c = [0.5, -1, 0.25, 0].
      assert.ok(Math.abs(out.spec[2 * SPEC_SIZE + 123]! - spec[123]!) < 1e-7);
      assert.ok(Math.abs(out.spec[3 * SPEC_SIZE + 9]! + 0.5 * spec[9]!) < 1e-7);
      const i = 200000;
      const expect = (0.25 + 0.5 * (i / SEGMENT)) * mix[SEGMENT + i]!;
      assert.ok(Math.abs(out.wave[SEGMENT + i]! - expect) < 1e-6);
      assert.equal(model.runs, 1);
      out.dispose?.();
    } finally {
      await model.dispose();
    }
  });
});

describe('manifests and bags', () => {
  test('parse errors name the problem', () => {
    const bad = (text: string, pattern: RegExp) => assert.throws(() => parseManifest(text, 'm.json'), hasCode('MANIFEST', pattern));
    bad('{', /not valid JSON/);
    bad('[]', /JSON object/);
    bad('{"stems": []}', /non-empty list/);
    bad('{"stems": ["a", "a"]}', /twice/);
    bad('{"models": [{"path": "x.onnx"}]}', /needs "stems"/);
    bad('{"stems": ["a", "b"], "models": [{"path": "x.onnx", "weights": [1]}]}', /1 entries for 2 stems/);
    bad('{"stems": ["a"], "models": [{"path": "x.onnx", "weights": [-1]}]}', /≥ 0/);
    bad('{"stems": ["a"], "models": [{"weights": [1]}]}', /needs a "path"/);
    assert.deepEqual(parseManifest('{"stems": ["a", "b"], "models": [{"path": "x.onnx"}]}'), {
      stems: ['a', 'b'],
      models: [{ path: 'x.onnx', weights: [1, 1] }],
    });
  });

  test('stem names: 4 and 6 by default, others from the manifest beside the model', async () => {
    const six = await loadBag(join(MODELS, 'six.onnx'), undefined, {});
    assert.deepEqual(six.bag.stems, ['drums', 'bass', 'other', 'vocals', 'guitar', 'piano']);
    await six.dispose();
    const three = await loadBag(join(MODELS, 'three.onnx'), undefined, {});
    assert.deepEqual(three.bag.stems, ['low', 'high', 'noise']);
    await three.dispose();
    await assert.rejects(loadBag(join(MODELS, 'three.onnx'), ['vocals'], {}), hasCode('BAD_ARGUMENT', /unknown stem "vocals"/));
  });

  test('a model with an unusual stem count and no manifest asks for one', async () => {
    const dir = tempDir();
    const { copyFileSync } = await import('node:fs');
    copyFileSync(join(MODELS, 'three.onnx'), join(dir, 'three.onnx'));
    await assert.rejects(loadBag(join(dir, 'three.onnx'), undefined, {}), hasCode('MANIFEST', /has 3 stems: name them/));
    writeFileSync(join(dir, 'three.json'), '{"stems": ["a", "b"]}');
    await assert.rejects(loadBag(join(dir, 'three.onnx'), undefined, {}), hasCode('MANIFEST', /names 2 stems but .* has 3/));
  });

  test('a bag loads only the models the requested stems need', async () => {
    const all = await loadBag(join(MODELS, 'bag.json'), undefined, {});
    assert.equal(all.models.length, 3);
    await all.dispose();
    const other = await loadBag(join(MODELS, 'bag.json'), ['other'], {});
    assert.deepEqual(other.bag.members.map((m) => m.label), ['bag-c.onnx']);
    await other.dispose();
    const vocals = await loadBag(join(MODELS, 'bag.json'), ['vocals'], {});
    assert.deepEqual(vocals.bag.members.map((m) => m.label), ['bag-a.onnx', 'bag-b.onnx']);
    await vocals.dispose();
  });

  test('an unneeded member may even be missing; a needed one may not', async () => {
    const dir = tempDir();
    const manifest = {
      stems: ['drums', 'bass', 'other', 'vocals'],
      models: [
        { path: join(MODELS, 'bag-a.onnx'), weights: [1, 1, 0, 0] },
        { path: 'gone.onnx', weights: [0, 0, 1, 1] },
      ],
    };
    writeFileSync(join(dir, 'bag.json'), JSON.stringify(manifest));
    const some = await loadBag(join(dir, 'bag.json'), ['bass'], {});
    assert.equal(some.models.length, 1);
    await some.dispose();
    await assert.rejects(loadBag(join(dir, 'bag.json'), ['vocals'], {}), hasCode('MODEL_LOAD', /gone.onnx does not exist/));
  });
});
