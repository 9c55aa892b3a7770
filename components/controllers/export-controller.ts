/**
 * The element's exports: which mixes of the stems make each file (export-request.ts) and where
 * the file is written: into an OPFS file by the store's worker when the stems are on disk (a
 * Blob backed by it comes back), else from the page's memory (WAV summed here, the encoded
 * formats by the store's worker pulling each piece).
 */
import { describeError } from '../../src/core/errors.ts';
import { NI_STEMS } from '../../src/core/ni-stems-layout.ts';
import { isNeutral } from '../../src/core/key-tempo.ts';
import { isWavFormat, type ExportRequest, type KeyTempoRender, type OutputFormat } from '../../src/core/output-formats.ts';
import type { StemName } from '../../src/core/stems.ts';
import { pieceReader, wavInMemory } from '../audio/mix-export.ts';
import type { StemPlayer } from '../audio/stem-player.ts';
import { mixRequest, niStemsRequest, stemRequest, type ExportOptions } from './export-request.ts';
import type { MixerShared } from './mixer-host.ts';
import type { SongController } from './song-controller.ts';

export class ExportController {
  readonly #shared: MixerShared;
  readonly #song: SongController;
  readonly #liveActive: () => boolean;
  /** The key and tempo heard (null: the song's own). */
  readonly #keyTempo: () => KeyTempoRender | null;

  constructor(shared: MixerShared, song: SongController, liveActive: () => boolean, keyTempo: () => KeyTempoRender | null) {
    this.#shared = shared;
    this.#song = song;
    this.#liveActive = liveActive;
    this.#keyTempo = keyTempo;
  }

  async stems(format: OutputFormat, options: ExportOptions): Promise<Record<StemName, Blob>> {
    if (format === 'stem') {
      const file = await this.niStems(options);
      return Object.fromEntries(NI_STEMS.map((stem) => [stem, file])) as Record<StemName, Blob>;
    }
    const stems = this.#shared.mix.stems;
    this.#exportable();
    const out = {} as Record<StemName, Blob>;
    for (const [s, stem] of stems.entries()) {
      const progress = options.onProgress && ((f: number) => options.onProgress!((s + f) / stems.length));
      out[stem] = await this.#write(this.#heard(stemRequest(format, stems.length, s, options), options), stem, progress);
    }
    return out;
  }

  mix(format: OutputFormat, options: ExportOptions): Promise<Blob> {
    if (format === 'stem') return this.niStems({ mix: 'heard', ...options });
    this.#exportable();
    return this.#write(this.#heard(mixRequest(format, this.#shared.mix.heardMixes(), options), options), 'mix', options.onProgress);
  }

  async niStems(options: ExportOptions): Promise<Blob> {
    this.#exportable();
    let request;
    try {
      request = niStemsRequest(this.#shared.mix.stems, this.#shared.mix.heardMixes(), options);
    } catch (error) {
      throw this.#shared.fail('EXPORT', (error as Error).message);
    }
    return this.#write(this.#heard(request, options), 'stems', options.onProgress);
  }

  /** The request at the key and tempo heard, when the options ask and they are not the song's. */
  #heard(request: ExportRequest, options: ExportOptions): ExportRequest {
    const keyTempo = options.withKeyAndTempo ? this.#keyTempo() : null;
    return keyTempo && !(keyTempo.speed === 1 && isNeutral(keyTempo.shift)) ? { ...request, keyTempo } : request;
  }

  /** The file of `request` over what is separated. */
  async #write(request: ExportRequest, name: string, onProgress?: (fraction: number) => void): Promise<Blob> {
    const { player, length } = this.#exportable();
    const files = this.#song.files;
    if (!files) {
      if (request.format !== 'stem' && isWavFormat(request.format) && !request.keyTempo) return wavInMemory(player, request.mixes, length, request.format);
      const store = this.#song.store();
      if (!store) throw this.#shared.fail('EXPORT', `a ${request.format} export needs the browser's file storage (OPFS), which this browser lacks: export as WAV`);
      try {
        return await store.exportFromPage(request, length, pieceReader(player, request), onProgress);
      } catch (error) {
        throw this.#shared.fail('EXPORT', `the ${request.format} export failed: ${describeError(error)}`);
      }
    }
    const file = await files.exportFile(request, length, name, onProgress);
    if (file instanceof Blob) return file;
    throw this.#shared.fail(file.code === 'STORAGE_FULL' ? 'STORAGE_FULL' : 'EXPORT', file.message);
  }

  /** The player and how much of it exports: all of it, or what a separation that stopped early left. */
  #exportable(): { player: StemPlayer; length: number } {
    if (this.#liveActive()) throw this.#shared.fail('EXPORT', 'live mode has nothing to export: stop it and load a song');
    const player = this.#shared.mix.player;
    if (!player || !this.#song.duration) throw this.#shared.fail('EXPORT', 'nothing to export: no song is loaded');
    if (player.available < player.length && this.#song.busy) throw this.#shared.fail('EXPORT', 'separation is not complete yet');
    if (player.available === 0) throw this.#shared.fail('EXPORT', 'nothing was separated');
    return { player, length: player.available };
  }
}
