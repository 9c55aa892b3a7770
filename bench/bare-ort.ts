/**
 * Bare onnxruntime-node on the same work as a CLI run: the network inputs of every chunk of
 * `file` (shifts 0, overlap 0.25) are prepared first, then only the session.run calls are
 * timed, back to back, from a fresh session (the first run is cold, as in the pipeline), with
 * the CLI's session options. Prints JSON. Used by bench/cli.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FOUR_STEMS } from '../src/core/stems.ts';
import { chunkInput, planSeparation } from '../src/core/separator.ts';
import { Spectrogram } from '../src/core/spectrogram.ts';
import { openTrack } from '../src/cli/input.ts';
import { loadOrtModel } from '../src/cli/ort-model.ts';

const [modelPath, file] = process.argv.slice(2) as [string, string];
const spool = mkdtempSync(join(tmpdir(), 'bare-ort-'));
const track = await openTrack(file, join(spool, 'track.f32'));
const model = await loadOrtModel(modelPath);
const bag = { stems: FOUR_STEMS, members: [{ model, weights: [1, 1, 1, 1] }] };
const plan = planSeparation(bag, track.length, { shifts: 0 });
const spectrogram = await Spectrogram.create();
const inputs = [];
for (const chunk of plan.passes[0]!.chunks) inputs.push(await chunkInput(track, chunk, spectrogram));
// No warm-up: the pipeline's first run is cold too.
const each: number[] = [];
for (const { mix, spec } of inputs) {
  const before = model.runMilliseconds;
  await model.run(mix, spec);
  each.push(Math.round(model.runMilliseconds - before));
}
console.log(JSON.stringify({ milliseconds: model.runMilliseconds, runs: inputs.length, each }));
await model.dispose();
track.close();
rmSync(spool, { recursive: true, force: true });
