/**
 * Writes the tiny fixture models of test/fixtures/models: same contract as htdemucs, outputs
 * a test can predict. Run: npm run fixtures:models
 *
 *   stem s, spectrogram branch: a[s] × input spectrogram
 *   stem s, waveform branch:    (b[s] + c[s] · i / T) × input mix   (i: sample in the segment of T)
 *
 * so a model is a table of (a, b, c) per stem. Models that break the contract are here too.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHANNELS, FREQ_BINS, SEGMENT, SPEC_CHANNELS } from '../src/core/constants.ts';
import { geometryOf, HTDEMUCS_GEOMETRY, type Geometry } from '../src/core/geometry.ts';
import { GraphBuilder, type Shape } from './onnx-builder.ts';

export interface StemGains {
  readonly a: readonly number[];
  readonly b: readonly number[];
  readonly c?: readonly number[];
}

const MIX: Shape = [1, CHANNELS, SEGMENT];
const SPEC: Shape = [1, SPEC_CHANNELS, FREQ_BINS, HTDEMUCS_GEOMETRY.frames];
/** The sizes a model declares along its window: samples and frames, or their symbolic names. */
interface Window {
  readonly samples: number | string;
  readonly frames: number | string;
}
const windowOf = (g: Geometry): Window => ({ samples: g.segment, frames: g.frames });
/** Symbolic, as `convert --segment any` declares them: the model runs any window. */
const ANY_WINDOW: Window = { samples: 'samples', frames: 'frames' };
const specOut = (s: number | string, w = windowOf(HTDEMUCS_GEOMETRY)): Shape => [1, s, SPEC_CHANNELS, FREQ_BINS, w.frames];
const waveOut = (s: number | string, w = windowOf(HTDEMUCS_GEOMETRY)): Shape => [1, s, CHANNELS, w.samples];

/** The (a, b, c) model for a window (default 7.8 s); `shapes` overrides the declared output shapes. */
export function gainModel(g: StemGains, shapes?: { spec: Shape; wave: Shape }, window: Window = windowOf(HTDEMUCS_GEOMETRY)): Uint8Array {
  const T = window.samples;
  const S = g.a.length;
  const m = new GraphBuilder();
  const specIn = m.node('Unsqueeze', ['spec', m.ints([1])]);
  m.node('Mul', [specIn, m.floats(g.a, [1, S, 1, 1, 1])], 'stems_spec');
  const mixIn = m.node('Unsqueeze', ['mix', m.ints([1])]);
  let gain = m.floats(g.b, [1, S, 1, 1]);
  if (g.c && g.c.some((x) => x !== 0)) {
    if (typeof T !== 'number') throw new Error('a ramp needs a fixed window');
    const ramp = m.node('Div', [m.node('Range', [m.floats([0], []), m.floats([T], []), m.floats([1], [])]), m.floats([T], [])]);
    gain = m.node('Add', [gain, m.node('Mul', [m.floats(g.c, [1, S, 1, 1]), ramp])]);
  }
  m.node('Mul', [mixIn, gain], 'stems_wave');
  return m.build(
    [
      ['mix', [1, CHANNELS, T]],
      ['spec', [1, SPEC_CHANNELS, FREQ_BINS, window.frames]],
    ],
    [
      ['stems_spec', shapes ? shapes.spec : specOut(S, window)],
      ['stems_wave', shapes ? shapes.wave : waveOut(S, window)],
    ],
  );
}

/** A one-stem model whose mix (1 s) does not fit its spectrogram (336 frames, for 7.8 s). */
function wrongSegmentModel(): Uint8Array {
  const m = new GraphBuilder();
  m.node('Unsqueeze', ['mix', m.ints([1])], 'stems_wave');
  m.node('Unsqueeze', ['spec', m.ints([1])], 'stems_spec');
  return m.build(
    [
      ['mix', [1, CHANNELS, 44100]],
      ['spec', SPEC],
    ],
    [
      ['stems_spec', specOut(1)],
      ['stems_wave', [1, 1, CHANNELS, 44100]],
    ],
  );
}

/** A model whose two outputs carry different stem counts (4 spectrogram stems, 2 waveform stems). */
function stemsDisagreeModel(): Uint8Array {
  const m = new GraphBuilder();
  m.node('Mul', [m.node('Unsqueeze', ['spec', m.ints([1])]), m.floats([1, 1, 1, 1], [1, 4, 1, 1, 1])], 'stems_spec');
  m.node('Mul', [m.node('Unsqueeze', ['mix', m.ints([1])]), m.floats([1, 1], [1, 2, 1, 1])], 'stems_wave');
  return m.build(
    [
      ['mix', MIX],
      ['spec', SPEC],
    ],
    [
      ['stems_spec', specOut(4)],
      ['stems_wave', waveOut(2)],
    ],
  );
}

/** A model with a single output. */
function oneOutputModel(): Uint8Array {
  const m = new GraphBuilder();
  m.node('Mul', [m.node('Unsqueeze', ['mix', m.ints([1])]), m.floats([1, 1, 1, 1], [1, 4, 1, 1])], 'stems_wave');
  return m.build(
    [
      ['mix', MIX],
      ['spec', SPEC],
    ],
    [['stems_wave', waveOut(4)]],
  );
}

export const FIXTURES: Record<string, StemGains> = {
  /** Waveform branch only: stems are exact multiples of the normalised mix. */
  'wave4': { a: [0, 0, 0, 0], b: [1, 0.5, -0.25, 2] },
  /** Both branches, and a ramp over the segment so that chunking and shifts show. */
  'mixed4': { a: [0.5, 0, 1, -0.5], b: [0.25, 1, 0, 0.5], c: [0.5, -1, 0.25, 0] },
  /** Six stems (the htdemucs_6s names by default). */
  'six': { a: [0, 0, 0, 0, 0, 0], b: [1, 2, 3, 4, 5, 6] },
  /** Three stems: names only from a manifest. */
  'three': { a: [0, 0, 0], b: [1, -1, 0.5] },
  /** Bag members: each stem comes from a different specialist in the bag test. */
  'bag-a': { a: [0, 0, 0, 0], b: [1, 1, 1, 1] },
  'bag-b': { a: [0, 0, 0, 0], b: [-1, -1, -1, -1] },
  'bag-c': { a: [0, 0, 0, 0], b: [3, 3, 3, 3] },
};

/** Models of a shorter window (3.9 s, as `convert --segment 3.9` writes for live mode). */
export const SHORT_SEGMENT = 171990;
export const SHORT_FIXTURES: Record<string, StemGains> = {
  'short4': FIXTURES['mixed4']!,
  'short6': { a: [0.5, 0, 0, 0, 0, 0.25], b: [1, 2, 3, 4, 5, 6], c: [0, 0, 0, 0, 0, 0.5] },
};

export function writeFixtures(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, gains] of Object.entries(FIXTURES)) writeFileSync(join(dir, `${name}.onnx`), gainModel(gains));
  for (const [name, gains] of Object.entries(SHORT_FIXTURES)) {
    writeFileSync(join(dir, `${name}.onnx`), gainModel(gains, undefined, windowOf(geometryOf(SHORT_SEGMENT))));
  }
  // Any window (convert --segment any): files run it at 7.8 s, live mode at 3.9 s.
  writeFileSync(join(dir, 'any4.onnx'), gainModel(FIXTURES['wave4']!, undefined, ANY_WINDOW));
  writeFileSync(join(dir, 'three.json'), `${JSON.stringify({ stems: ['low', 'high', 'noise'] })}\n`);
  // A manifest that contradicts its model's shapes (short4 takes 3.9 s, not 7.8 s).
  writeFileSync(join(dir, 'short4-says-7.8s.json'), `${JSON.stringify({ model: 'short4.onnx', stems: ['drums', 'bass', 'other', 'vocals'], segment: SEGMENT })}\n`);
  // Contract breakers.
  writeFileSync(join(dir, 'wrong-segment.onnx'), wrongSegmentModel());
  writeFileSync(join(dir, 'one-output.onnx'), oneOutputModel());
  writeFileSync(join(dir, 'stems-disagree.onnx'), stemsDisagreeModel());
  writeFileSync(join(dir, 'not-a-model.onnx'), 'this is not an ONNX model\n');
  writeFileSync(
    join(dir, 'bag.json'),
    `${JSON.stringify(
      {
        stems: ['drums', 'bass', 'other', 'vocals'],
        models: [
          { path: 'bag-a.onnx', weights: [1, 0, 0, 1] },
          { path: 'bag-b.onnx', weights: [0, 1, 0, 1] },
          { path: 'bag-c.onnx', weights: [0, 0, 1, 0] },
        ],
      },
      null,
      2,
    )}\n`,
  );
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const dir = process.argv[2] ?? 'test/fixtures/models';
  writeFixtures(dir);
  console.log(`fixture models written to ${dir}`);
}
