import { resolveStems } from './bag.ts';
import { CHANNELS } from './constants.ts';
import type { StemName } from './stems.ts';
import type { StemRegion, TrackSource } from './track.ts';

/**
 * "Unity is the original": Demucs' stems do not add up to the mix. This spreads the residual
 * mix − Σ stems equally over the stems of each region, so that all stems at unity gain play
 * the original exactly and the mix minus one stem is exactly the other stems. `regions` must
 * carry every stem of the model (the residual needs them all).
 */
export async function* consistentRegions(regions: AsyncIterable<StemRegion>, source: TrackSource): AsyncGenerator<StemRegion> {
  for await (const region of regions) {
    const { start, length, channels } = region;
    const stems = channels.length;
    const mix = [new Float32Array(length), new Float32Array(length)] as const;
    await source.read(start, mix[0], mix[1]);
    for (let c = 0; c < CHANNELS; c++) {
      const m = mix[c]!;
      for (let i = 0; i < length; i++) {
        let sum = 0;
        for (let s = 0; s < stems; s++) sum += channels[s]![c]![i]!;
        const share = (m[i]! - sum) / stems;
        for (let s = 0; s < stems; s++) channels[s]![c]![i]! += share;
      }
    }
    yield region;
  }
}

/**
 * The `requested` stems (all when none), made consistent: `regions` is a separation into every
 * one of `stems` (the residual needs them all), of which the requested ones are kept.
 */
export async function* consistentStems(
  stems: readonly StemName[],
  requested: readonly StemName[] | undefined,
  regions: AsyncIterable<StemRegion>,
  source: TrackSource,
): AsyncGenerator<StemRegion> {
  const index = resolveStems(stems, requested).map((name) => stems.indexOf(name));
  for await (const region of consistentRegions(regions, source)) {
    yield { ...region, channels: index.map((s) => region.channels[s]!) };
  }
}
