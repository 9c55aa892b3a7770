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

export function deepEqual(actual: unknown, expected: unknown, message = ''): void {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new Error(`${message ? `${message}: ` : ''}expected ${b}, got ${a}`);
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
