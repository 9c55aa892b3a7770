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

/** Frames per block of the fine peaks (the timeline's closest zoom: one block per pixel). */
export const PEAK_HOP = 256;

/** Fine peaks of a stem for a song of `length` frames: one value per PEAK_HOP frames. */
export function finePeaksFor(length: number): Float32Array {
  return new Float32Array(Math.ceil(length / PEAK_HOP));
}

/** Raises `fine[s]` (finePeaksFor) with stem s of a region: `channels[s] = [left, right]` for frames [start, …). */
export function addFinePeaks(fine: readonly Float32Array[], start: number, channels: readonly (readonly Float32Array[])[]): void {
  channels.forEach(([left, right], s) => {
    const blocks = fine[s]!;
    const n = left!.length;
    for (let i = 0; i < n; ) {
      const block = Math.floor((start + i) / PEAK_HOP);
      const end = Math.min(n, (block + 1) * PEAK_HOP - start);
      let v = blocks[block] ?? 0;
      for (; i < end; i++) v = Math.max(v, Math.abs(left![i]!), Math.abs(right![i]!));
      if (block < blocks.length) blocks[block] = v;
    }
  });
}

/**
 * The peak of each of `columns` pixel columns showing frames [from, to) of a stem: the largest
 * fine block under each (the block itself when a column is narrower than a block).
 */
export function peakColumns(fine: Float32Array, from: number, to: number, columns: number): Float32Array {
  const out = new Float32Array(columns);
  const perColumn = (to - from) / columns;
  for (let x = 0; x < columns; x++) {
    const a = Math.floor((from + x * perColumn) / PEAK_HOP);
    const b = Math.max(a + 1, Math.ceil((from + (x + 1) * perColumn) / PEAK_HOP));
    let v = 0;
    for (let k = Math.max(0, a); k < Math.min(b, fine.length); k++) v = Math.max(v, fine[k]!);
    out[x] = v;
  }
  return out;
}
