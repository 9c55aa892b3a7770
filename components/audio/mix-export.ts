/** WAV exports of stems kept in memory (the stems on disk export in the store's worker). */
import type { StereoMix } from '../../src/core/mixing.ts';
import { encodeWav, type WavFormat } from '../../src/core/wav.ts';
import type { StemPlayer } from './stem-player.ts';

/** A WAV file of Σ mixes[s] · stem s over the player's first `length` frames. */
export function mixToWav(player: StemPlayer, mixes: readonly StereoMix[], length: number, format: WavFormat): Blob {
  const left = new Float32Array(length);
  const right = new Float32Array(length);
  mixes.forEach(({ ll, rl, lr, rr }, s) => {
    if (ll === 0 && rl === 0 && lr === 0 && rr === 0) return;
    const l = player.read(s, 0, 0, length);
    const r = player.read(s, 1, 0, length);
    for (let i = 0; i < length; i++) {
      left[i]! += ll * l[i]! + rl * r[i]!;
      right[i]! += lr * l[i]! + rr * r[i]!;
    }
  });
  return new Blob(encodeWav(left, right, format) as BlobPart[], { type: 'audio/wav' });
}
