/**
 * The stems a player holds in memory: regions of the song, one stereo AudioBuffer per stem each,
 * in order of their start. What plays is scheduled from them (stem-player.ts); what is not here
 * is waiting to be separated or to be read back from disk.
 */
import { CHANNELS, SAMPLE_RATE } from '../../src/core/constants.ts';

export interface Region {
  readonly start: number;
  readonly length: number;
  /** One stereo AudioBuffer per stem. */
  readonly buffers: AudioBuffer[];
}

export class StemRegions {
  #regions: Region[] = [];

  /** The regions, by start. */
  get all(): readonly Region[] {
    return this.#regions;
  }

  /** Regions kept, and their frames. */
  get kept(): { regions: number; frames: number } {
    return { regions: this.#regions.length, frames: this.#regions.reduce((n, r) => n + r.length, 0) };
  }

  /** Keeps `channels` (channels[s] = [left, right] of stem s) from frame `start`; the region, or null when empty. */
  keep(start: number, channels: readonly Float32Array[][]): Region | null {
    const length = channels[0]![0]!.length;
    if (length === 0) return null;
    const buffers = channels.map(([left, right]) => {
      const buffer = new AudioBuffer({ numberOfChannels: CHANNELS, length, sampleRate: SAMPLE_RATE });
      buffer.copyToChannel(left! as Float32Array<ArrayBuffer>, 0);
      buffer.copyToChannel(right! as Float32Array<ArrayBuffer>, 1);
      return buffer;
    });
    const region = { start, length, buffers };
    this.#regions.push(region);
    this.#regions.sort((a, b) => a.start - b.start);
    return region;
  }

  /** Keeps only the regions that overlap [from, to). */
  keepWithin(from: number, to: number): void {
    this.#regions = this.#regions.filter((r) => r.start + r.length > from && r.start < to);
  }

  /** Drops every region that reaches past frame `end`. */
  dropPast(end: number): void {
    this.#regions = this.#regions.filter((r) => r.start + r.length <= end);
  }

  /** Where the regions stop covering the song from `at` on (`at` itself if not covered). */
  coveredUntil(at: number): number {
    let end = at;
    for (const r of this.#regions) if (r.start <= end && r.start + r.length > end) end = r.start + r.length;
    return end;
  }

  /** A stem's samples [from, from + length) of one channel (zeros where no region is). */
  read(stem: number, channel: number, from: number, length: number): Float32Array {
    const out = new Float32Array(length);
    for (const r of this.#regions) {
      const a = Math.max(from, r.start);
      const b = Math.min(from + length, r.start + r.length);
      if (b > a) out.set(r.buffers[stem]!.getChannelData(channel).subarray(a - r.start, b - r.start), a - from);
    }
    return out;
  }
}
