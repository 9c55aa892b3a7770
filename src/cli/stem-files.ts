import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { FilePathTarget } from 'mediabunny';
import { openEncoded } from '../core/audio-encode.ts';
import type { EncodeSettings } from '../core/output-formats.ts';
import { openNiStems, type NiStemsWriter } from '../core/ni-stems.ts';
import { openLosslessNiStems } from '../core/ni-stems-lossless.ts';
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
  if (!settings.lossless) return partFile(path, await openNiStems(new FilePathTarget(`${path}.part`), settings));
  const fd = openSync(`${path}.part`, 'w');
  const sink = {
    write(bytes: Uint8Array, at: number) {
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, at + done);
    },
  };
  const writer = openLosslessNiStems(sink, settings.bits);
  return partFile(path, {
    get clipped() {
      return writer.clipped;
    },
    append: (mix, stems) => writer.append(mix, stems),
    async finish() {
      try {
        await writer.finish();
      } finally {
        closeSync(fd);
      }
    },
    async abort() {
      try {
        closeSync(fd);
      } catch {
        // closed by finish already
      }
    },
  });
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
