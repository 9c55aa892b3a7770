/**
 * The waveform overview of stems: per stem, the largest |sample| of either channel in each of
 * `columns` equal columns of the track, grown region by region as separation goes.
 */

/** Columns of a stem's overview. */
export const PEAK_COLUMNS = 600;
/** Every how many samples a region is looked at (an overview, not a meter). */
const STEP = 16;

/**
 * Raises `peaks[s]` (PEAK_COLUMNS each) with stem s of a region: `channels[s] = [left, right]`
 * for track samples [start, start + length) of a track of `trackLength` samples.
 */
export function addPeaks(peaks: readonly Float32Array[], trackLength: number, start: number, channels: readonly (readonly Float32Array[])[]): void {
  channels.forEach(([left, right], s) => {
    const column = peaks[s]!;
    const columns = column.length;
    for (let i = 0; i < left!.length; i += STEP) {
      const c = Math.min(columns - 1, Math.floor(((start + i) / trackLength) * columns));
      const v = Math.max(Math.abs(left![i]!), Math.abs(right![i]!));
      if (v > column[c]!) column[c] = v;
    }
  });
}
