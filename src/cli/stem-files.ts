import { renameSync, rmSync } from 'node:fs';
import { FilePathTarget } from 'mediabunny';
import { openEncoded, type EncodeSettings } from '../core/audio-encode.ts';
import { openNiStems, type NiStemsWriter } from '../core/ni-stems.ts';
import { isWavFormat, type OutputFormat } from '../core/output-formats.ts';
import { WavWriter } from './wav-writer.ts';

/**
 * One output file being written region by region, whatever its format: written to
 * `<path>.part` and renamed when complete, so an interrupted run never leaves a file that
 * looks whole.
 */
export interface StemFile {
  readonly clipped: number;
  append(left: Float32Array, right: Float32Array): Promise<void> | void;
  finish(): Promise<void> | void;
  abort(): Promise<void> | void;
}

export async function openStemFile(path: string, format: Exclude<OutputFormat, 'stem'>, frames: number, settings: EncodeSettings): Promise<StemFile> {
  if (isWavFormat(format)) return new WavWriter(path, format, frames);
  return partFile(path, await openEncoded(format, new FilePathTarget(`${path}.part`), settings));
}

export async function openNiStemsFile(path: string, settings: EncodeSettings): Promise<NiStemsWriter> {
  return partFile(path, await openNiStems(new FilePathTarget(`${path}.part`), settings));
}

/** `writer` (into `<path>.part`) renamed to `path` when finished, removed when aborted. */
function partFile<W extends { finish(): Promise<void>; abort(): Promise<void> }>(path: string, writer: W): W {
  const part = `${path}.part`;
  return {
    ...writer,
    get clipped() {
      return (writer as unknown as { clipped: number }).clipped;
    },
    async finish() {
      await writer.finish();
      renameSync(part, path);
    },
    async abort() {
      await writer.abort().catch(() => undefined);
      rmSync(part, { force: true });
    },
  };
}
