/** Small assertions for the browser suites (mocha provides describe/it). */
export function ok(value: unknown, message = 'expected a truthy value'): asserts value {
  if (!value) throw new Error(message);
}

export function equal<T>(actual: T, expected: T, message = ''): void {
  if (!Object.is(actual, expected)) throw new Error(`${message ? `${message}: ` : ''}expected ${String(expected)}, got ${String(actual)}`);
}

export function near(actual: number, expected: number, tolerance: number, message = ''): void {
  if (!(Math.abs(actual - expected) <= tolerance)) throw new Error(`${message ? `${message}: ` : ''}expected ${expected} ± ${tolerance}, got ${actual}`);
}

/**
 * Structural equality: primitives by Object.is (NaN equals NaN, −0 differs from 0), arrays and
 * typed arrays element by element, plain objects key by key (a key holding undefined differs
 * from a missing one).
 */
export function deepEqual(actual: unknown, expected: unknown, message = ''): void {
  const where = differs(actual, expected, '');
  if (where !== null) throw new Error(`${message ? `${message}: ` : ''}expected ${show(expected)}, got ${show(actual)}${where ? ` (at ${where})` : ''}`);
}

/** The path where `a` and `b` first differ ('' at the top), or null where they are equal. */
function differs(a: unknown, b: unknown, path: string): string | null {
  if (Object.is(a, b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return path;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return path;
  if (ArrayBuffer.isView(a) || Array.isArray(a)) {
    const x = a as ArrayLike<unknown>;
    const y = b as ArrayLike<unknown>;
    if (x.length !== y.length) return `${path}.length`;
    for (let i = 0; i < x.length; i++) {
      const d = differs(x[i], y[i], `${path}[${i}]`);
      if (d !== null) return d;
    }
    return null;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length || keys.some((k) => !Object.hasOwn(b, k))) return `${path} (keys)`;
  for (const k of keys) {
    const d = differs((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d !== null) return d;
  }
  return null;
}

function show(value: unknown): string {
  if (typeof value === 'number' && Object.is(value, -0)) return '-0';
  if (value === undefined || typeof value === 'number') return String(value);
  try {
    return JSON.stringify(value, (_, v) => (v === undefined ? '<undefined>' : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
  } catch {
    return String(value);
  }
}

export async function rejects(promise: Promise<unknown>, check: (error: unknown) => boolean, message = 'expected a rejection'): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (!check(error)) throw new Error(`${message}: unexpected error ${(error as Error)?.message ?? error}`);
    return;
  }
  throw new Error(message);
}
