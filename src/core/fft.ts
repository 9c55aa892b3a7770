import type { PffftModule } from '@echogarden/pffft-wasm';

/**
 * A real FFT of one size on PFFFT (compiled to WebAssembly, SIMD build with a scalar fallback),
 * working in place on buffers inside the module's memory, so a frame costs no copies or
 * allocations. Unnormalised both ways: inverse(forward(x)) = size · x.
 */
export interface RealFft {
  readonly size: number;
  /** Write the transform's input here. */
  readonly input: Float32Array;
  /** The result: after forward(), the ordered half spectrum [DC, Nyquist, re1, im1, …, re(N/2-1), im(N/2-1)]
   * (e^{-2πikn/N}); after inverse() (input in that layout), the signal × size. */
  readonly output: Float32Array;
  forward(): void;
  inverse(): void;
  dispose(): void;
}

const PFFFT_REAL = 0;
const PFFFT_FORWARD = 0;
const PFFFT_BACKWARD = 1;

/** URLs of PFFFT's two WASM files, for a host that serves them elsewhere than beside PFFFT's module. */
export interface PffftLocation {
  readonly simd: string;
  readonly scalar: string;
}

let pffftUrls: PffftLocation | null = null;

/** Makes every later transform load PFFFT's WASM from these URLs. */
export function locatePffft(urls: PffftLocation): void {
  pffftUrls = urls;
}

/** Loads PFFFT: WASM SIMD where the engine has it (all current browsers and Node ≥ 16), else scalar. */
async function loadModule(): Promise<PffftModule> {
  const at = (url: string | undefined) => (url ? { locateFile: () => url } : {});
  try {
    return await (await import('@echogarden/pffft-wasm/simd')).default(at(pffftUrls?.simd));
  } catch {
    return await (await import('@echogarden/pffft-wasm')).default(at(pffftUrls?.scalar));
  }
}

export async function createRealFft(size: number): Promise<RealFft> {
  const m = await loadModule();
  const setup = m._pffft_new_setup(size, PFFFT_REAL);
  if (!setup) throw new Error(`PFFFT cannot do a real transform of size ${size}`);
  const bytes = 4 * size;
  const input = m._pffft_aligned_malloc(bytes);
  const output = m._pffft_aligned_malloc(bytes);
  const work = m._pffft_aligned_malloc(bytes);
  // Views taken after the last allocation: the module's memory does not grow afterwards.
  const view = (pointer: number) => new Float32Array(m.HEAPF32.buffer, pointer, size);
  return {
    size,
    input: view(input),
    output: view(output),
    forward: () => m._pffft_transform_ordered(setup, input, output, work, PFFFT_FORWARD),
    inverse: () => m._pffft_transform_ordered(setup, input, output, work, PFFFT_BACKWARD),
    dispose: () => {
      for (const p of [input, output, work]) m._pffft_aligned_free(p);
      m._pffft_destroy_setup(setup);
    },
  };
}
