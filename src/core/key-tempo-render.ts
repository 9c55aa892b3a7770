/**
 * Key and tempo rendered offline, as the mixer plays them (src/core/key-tempo.ts): the track
 * read at `speed` (linear interpolation between frames, as an AudioBufferSourceNode plays at a
 * playbackRate) into a pitch shifter that runs a render quantum at a time (the same stretch
 * processor the page plays through), its latency taken off the start and flushed at the end.
 * The result is read in order, a piece at a time, so memory does not grow with the song.
 */
import { RENDER_QUANTUM } from './constants.ts';
import type { FrameReader } from './export-render.ts';
import { heardFrames } from './key-tempo.ts';

/** A pitch shifter that turns each render quantum of stereo input into one of output. */
export interface QuantumShifter {
  /** Frames from an input frame to its output. */
  readonly latency: number;
  process(input: readonly [Float32Array, Float32Array], output: readonly [Float32Array, Float32Array]): void;
  /** Lets its resources go. */
  close(): void;
}

/** Frames of the song read at a time. */
const READ = 1 << 15;

/**
 * The heard track: `read` (the song's `length` frames) at `speed`, through `shifter`. Returns
 * its reader (pieces in order from frame 0) and its length in frames.
 */
export function keyTempoReader(read: FrameReader, length: number, speed: number, shifter: QuantumShifter): { read: FrameReader; length: number } {
  // The song's frames read so far and kept: [start, start + frames[0].length).
  let song: [Float32Array, Float32Array] = [new Float32Array(0), new Float32Array(0)];
  let start = 0;
  const input: [Float32Array, Float32Array] = [new Float32Array(RENDER_QUANTUM), new Float32Array(RENDER_QUANTUM)];
  const output: [Float32Array, Float32Array] = [new Float32Array(RENDER_QUANTUM), new Float32Array(RENDER_QUANTUM)];
  /** Varispeed frames fed to the shifter, output frames dropped (its latency), heard frames handed out. */
  let fed = 0;
  let dropped = 0;
  let next = 0;
  /** Output of the last quantum not handed out yet: output[c][carry, RENDER_QUANTUM). */
  let carry = RENDER_QUANTUM;

  /** Keeps the song's frames from `from` on, and reads until frame `to` (or the end) is there. */
  const need = async (from: number, to: number) => {
    const keep = Math.max(0, Math.min(from - start, song[0].length));
    let end = start + song[0].length;
    const pieces: [Float32Array, Float32Array][] = [];
    while (end <= to && end < length) {
      const n = Math.min(READ, length - end);
      pieces.push(await read(end, n));
      end += n;
    }
    if (keep === 0 && pieces.length === 0) return;
    song = [0, 1].map((c) => {
      const joined = new Float32Array(end - start - keep);
      joined.set(song[c]!.subarray(keep));
      let at = song[c]!.length - keep;
      for (const piece of pieces) {
        joined.set(piece[c]!, at);
        at += piece[c]!.length;
      }
      return joined;
    }) as [Float32Array, Float32Array];
    start += keep;
  };
  const frame = (c: 0 | 1, k: number) => (k < length ? song[c][k - start]! : 0);

  /** One quantum through the varispeed and the shifter, into `output`. */
  const quantum = async () => {
    const first = fed * speed;
    await need(Math.floor(first), Math.floor((fed + RENDER_QUANTUM - 1) * speed) + 1);
    for (let i = 0; i < RENDER_QUANTUM; i++) {
      const at = (fed + i) * speed;
      const k = Math.floor(at);
      const f = at - k;
      for (const c of [0, 1] as const) {
        const a = frame(c, k);
        input[c][i] = at >= length ? 0 : a + f * (frame(c, k + 1) - a);
      }
    }
    fed += RENDER_QUANTUM;
    shifter.process(input, output);
    // Its first `latency` frames out are the shifter filling up.
    carry = Math.min(RENDER_QUANTUM, Math.max(0, shifter.latency - dropped));
    dropped += carry;
  };

  const readHeard: FrameReader = async (from, n) => {
    if (from !== next) throw new Error(`a key and tempo render is read in order: frame ${from} asked, ${next} next`);
    const out: [Float32Array, Float32Array] = [new Float32Array(n), new Float32Array(n)];
    for (let at = 0; at < n; ) {
      if (carry === RENDER_QUANTUM) await quantum();
      const take = Math.min(n - at, RENDER_QUANTUM - carry);
      for (const c of [0, 1] as const) out[c].set(output[c].subarray(carry, carry + take), at);
      carry += take;
      at += take;
    }
    next += n;
    return out;
  };
  return { read: readHeard, length: heardFrames(length, speed) };
}
