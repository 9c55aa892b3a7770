/** Long test songs on disk, written in pieces (a 60-minute one is 635 MB): noise and two tones. */
import { closeSync, openSync, writeSync } from 'node:fs';
import { encodeFrames, wavHeader } from '../../src/core/wav.ts';

/** A stereo 16-bit WAV of `seconds` at 44.1 kHz; `seed` varies the noise (another song). */
export function writeSong(path: string, seconds: number, seed = 1): void {
  const frames = seconds * 44100;
  const fd = openSync(path, 'w');
  writeSync(fd, wavHeader('wav16', frames));
  let state = seed;
  const block = 1 << 16;
  for (let at = 0; at < frames; at += block) {
    const n = Math.min(block, frames - at);
    const left = new Float32Array(n);
    const right = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      const noise = (state / 2 ** 32 - 0.5) * 0.2;
      left[i] = noise + 0.3 * Math.sin((at + i) * 0.031);
      right[i] = noise + 0.3 * Math.sin((at + i) * 0.017);
    }
    writeSync(fd, encodeFrames(left, right, 'wav16').bytes);
  }
  closeSync(fd);
}
