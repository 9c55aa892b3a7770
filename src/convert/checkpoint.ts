/**
 * Demucs checkpoints as Demucs saves them: a `torch.save` zip archive (fflate) whose
 * `data.pkl` (pickleparser) holds `{klass, args, kwargs, state, training_args}`, the state's
 * tensors pointing at the archive's `data/<key>` storages. Also a plain state dict (a trainer's
 * own run), for which the kwargs come from elsewhere. Environment-free: it reads bytes.
 *
 * Anything else is refused in one line naming what it is: another Demucs class, a diffq-quantized
 * state, an archive that is truncated or corrupt, a pickle that is not a model.
 */
import { unzipSync, type Unzipped } from 'fflate';
import { Parser } from 'pickleparser';
import { DemucsError, isDemucsError } from '../core/errors.ts';
import { halfToFloat } from './half.ts';

/** Element types of the tensors a checkpoint can hold. */
export type DType = 'float16' | 'float32' | 'float64' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

const STORAGE_DTYPES: Record<string, DType> = {
  HalfStorage: 'float16',
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

const BYTES: Record<DType, number> = { float16: 2, float32: 4, float64: 8, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 };

/** A tensor of the state: its element type, shape and little-endian contiguous bytes. */
export interface StateTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Row-major, contiguous, little-endian (as torch writes them on every common machine). */
  readonly bytes: Uint8Array;
}

export interface Checkpoint {
  /** Python class of the model, e.g. `demucs.htdemucs.HTDemucs` (null for a plain state dict). */
  readonly klass: string | null;
  readonly kwargs: Record<string, unknown>;
  readonly state: ReadonlyMap<string, StateTensor>;
}

/** A Python object the checkpoint names but that we do not rebuild (a class, a dtype, ...). */
class PythonName {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A rational number as Demucs may store its segment (`fractions.Fraction`). */
export class Fraction {
  constructor(
    readonly numerator: number,
    readonly denominator: number,
  ) {}
  valueOf(): number {
    return this.numerator / this.denominator;
  }
}

interface StorageRef {
  readonly dtype: DType;
  readonly key: string;
}

const fail = (label: string, message: string): never => {
  throw new DemucsError('CHECKPOINT', `${label}: ${message}`);
};

/** Reads a checkpoint's bytes. `label` names it in errors (its file name). */
export function readCheckpoint(bytes: Uint8Array, label: string): Checkpoint {
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    const legacy = bytes[0] === 0x80; // a bare pickle: torch's legacy (pre-1.6) format
    fail(label, legacy ? 'a legacy (pre-zip) torch file; re-save it with torch ≥ 1.6 (torch.save)' : 'not a PyTorch checkpoint (no zip archive)');
  }
  let files: Unzipped;
  try {
    files = unzipSync(bytes);
  } catch (error) {
    return fail(label, `the archive is truncated or corrupt (${(error as Error).message})`);
  }
  const pickleName = Object.keys(files).find((name) => name.endsWith('/data.pkl') || name === 'data.pkl');
  if (!pickleName) return fail(label, 'a zip archive without data.pkl: not a torch.save checkpoint');
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  const root = unpickle(files[pickleName]!, label);
  const storage = (ref: StorageRef): Uint8Array => {
    const data = files[`${prefix}data/${ref.key}`];
    if (!data) return fail(label, `tensor storage data/${ref.key} is missing from the archive`);
    return data;
  };
  if (root instanceof Map && root.has('state') && (root.has('klass') || root.has('kwargs'))) {
    return { klass: pythonName(root.get('klass'))?.qualified ?? null, kwargs: toRecord(root.get('kwargs'), label), state: readState(root.get('state'), storage, label) };
  }
  if (root instanceof Map && [...root.values()].some((v) => v instanceof PendingTensor)) {
    return { klass: null, kwargs: {}, state: readState(root, storage, label) };
  }
  return fail(label, `holds ${describePython(root)}, not a Demucs model (a dict with klass, kwargs and state)`);
}

/** A tensor whose bytes are still in the archive. */
class PendingTensor {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

function unpickle(data: Uint8Array, label: string): unknown {
  const names = {
    resolve(module: string, name: string) {
      const qualified = `${module}.${name}`;
      if (qualified === 'torch._utils._rebuild_tensor_v2' || qualified === 'torch._utils._rebuild_tensor') {
        return (storage: StorageRef, offset: number, shape: number[], stride: number[]) => new PendingTensor(storage, offset, [...shape], [...stride]);
      }
      if (qualified === 'torch._utils._rebuild_parameter') return (tensor: PendingTensor) => tensor;
      if (qualified === 'collections.OrderedDict') return (items?: [unknown, unknown][]) => new Map(items ?? []);
      if (qualified === 'fractions.Fraction') {
        return (a: number | string, b?: number) => {
          if (typeof a === 'string') {
            const [n, d] = a.split('/');
            return new Fraction(Number(n), Number(d ?? 1));
          }
          return new Fraction(a, b ?? 1);
        };
      }
      // Anything else is kept as a name: a model class, a storage type, a dtype.
      const reference = new PythonName(module, name);
      return Object.assign((..._args: unknown[]) => reference, { reference });
    },
  };
  const persistent = {
    resolve(pid: unknown) {
      // ('storage', <storage type>, key, location, numel)
      if (!Array.isArray(pid) || pid[0] !== 'storage') return fail(label, `unknown persistent reference ${String(pid)}`);
      const type = pythonName(pid[1]);
      const dtype = type ? STORAGE_DTYPES[type.name] : undefined;
      if (!dtype) return fail(label, `tensor storage of an unknown type (${type?.qualified ?? String(pid[1])})`);
      return { dtype, key: String(pid[2]) } satisfies StorageRef;
    },
  };
  try {
    return new Parser({ nameResolver: names, persistentResolver: persistent, unpicklingTypeOfDictionary: 'Map' }).parse(data);
  } catch (error) {
    if (isDemucsError(error)) throw error;
    return fail(label, `data.pkl is corrupt (${(error as Error).message})`);
  }
}

/** The PythonName behind a resolved global (a function carrying `reference`), if it is one. */
function pythonName(value: unknown): PythonName | null {
  if (value instanceof PythonName) return value;
  const reference = (value as { reference?: unknown } | null)?.reference;
  return reference instanceof PythonName ? reference : null;
}

function describePython(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (Array.isArray(value)) return `a list or tuple of ${value.length}`;
  if (value instanceof Map) return `a dict with keys ${[...value.keys()].slice(0, 5).map(String).join(', ')}`;
  const name = pythonName(value);
  if (name) return name.qualified;
  return `a ${typeof value}`;
}

function toRecord(value: unknown, label: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!(value instanceof Map)) return fail(label, `kwargs are ${describePython(value)}, not a dict`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of value) out[String(k)] = plain(v);
  return out;
}

/** kwargs values as plain data: dicts to records, names to their qualified name. */
function plain(value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), plain(v)]));
  if (Array.isArray(value)) return value.map(plain);
  const name = pythonName(value);
  if (name) return name.qualified;
  return value;
}

function readState(value: unknown, storage: (ref: StorageRef) => Uint8Array, label: string): Map<string, StateTensor> {
  if (!(value instanceof Map)) return fail(label, `its state is ${describePython(value)}, not a dict of tensors`);
  if (value.get('__quantized')) {
    return fail(label, 'holds a diffq-quantized state (__quantized): convert the unquantized checkpoint, or restore it with diffq first');
  }
  const state = new Map<string, StateTensor>();
  for (const [key, tensor] of value) {
    if (!(tensor instanceof PendingTensor)) return fail(label, `state entry ${String(key)} is ${describePython(tensor)}, not a tensor`);
    state.set(String(key), materialise(tensor, storage(tensor.storage), `${label}: ${String(key)}`));
  }
  return state;
}

/** The tensor's bytes, row-major and contiguous (gathered through its strides if need be). */
function materialise(t: PendingTensor, data: Uint8Array, label: string): StateTensor {
  const size = BYTES[t.storage.dtype];
  const count = t.shape.reduce((a, b) => a * b, 1);
  let contiguous = true;
  for (let d = t.shape.length - 1, expected = 1; d >= 0; d--) {
    if (t.shape[d]! > 1 && t.stride[d] !== expected) contiguous = false;
    expected *= t.shape[d]!;
  }
  if (contiguous) {
    const start = t.offset * size;
    const end = start + count * size;
    if (end > data.length) throw new DemucsError('CHECKPOINT', `${label}: its storage holds ${data.length / size} values, not ${t.offset + count}`);
    return { dtype: t.storage.dtype, shape: t.shape, bytes: data.subarray(start, end) };
  }
  const out = new Uint8Array(count * size);
  const index = new Array<number>(t.shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    let at = t.offset;
    for (let d = 0; d < index.length; d++) at += index[d]! * t.stride[d]!;
    if ((at + 1) * size > data.length) throw new DemucsError('CHECKPOINT', `${label}: a stride points outside its storage`);
    out.set(data.subarray(at * size, (at + 1) * size), i * size);
    for (let d = index.length - 1; d >= 0; d--) {
      if (++index[d]! < t.shape[d]!) break;
      index[d] = 0;
    }
  }
  return { dtype: t.storage.dtype, shape: t.shape, bytes: out };
}

/** The tensor's values as float32 (fp16 and bf16 widened exactly). */
export function tensorFloats(t: StateTensor): Float32Array {
  const n = t.bytes.length / BYTES[t.dtype];
  const view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  const out = new Float32Array(n);
  switch (t.dtype) {
    case 'float32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    case 'float64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    case 'float16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      return out;
    case 'bfloat16':
      for (let i = 0; i < n; i++) out[i] = new Float32Array(new Uint32Array([view.getUint16(2 * i, true) << 16]).buffer)[0]!;
      return out;
    default:
      throw new DemucsError('CHECKPOINT', `a ${t.dtype} tensor is not a weight`);
  }
}
