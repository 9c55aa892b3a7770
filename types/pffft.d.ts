// Types for @echogarden/pffft-wasm (PFFFT compiled to WASM by Emscripten), which ships none.
declare module '@echogarden/pffft-wasm/simd' {
  import type { PffftModule } from '@echogarden/pffft-wasm';
  export default function factory(options?: { wasmBinary?: ArrayBuffer | Uint8Array; locateFile?: (file: string) => string }): Promise<PffftModule>;
}
declare module '@echogarden/pffft-wasm' {
  export interface PffftModule {
    readonly HEAPF32: Float32Array;
    _pffft_new_setup(size: number, kind: number): number;
    _pffft_destroy_setup(setup: number): void;
    _pffft_aligned_malloc(bytes: number): number;
    _pffft_aligned_free(pointer: number): void;
    _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: number): void;
  }
  export default function factory(options?: { wasmBinary?: ArrayBuffer | Uint8Array; locateFile?: (file: string) => string }): Promise<PffftModule>;
}
