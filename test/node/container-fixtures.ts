/**
 * The container fixtures of tools/make-audio-fixtures.sh (all made from tone.wav: 440 Hz left,
 * 660 Hz right, half a second) with the format each host must name, and the measure of a tone
 * in a decoded channel. Shared by the CLI's tests and the worker's (no Node imports here).
 */
export const LOSSLESS: readonly (readonly [file: string, format: string])[] = [
  ['tone-same.flac', 'FLAC'],
  ['tone-alac.m4a', 'M4A (ALAC)'],
  ['tone-flac.mp4', 'MP4 (FLAC)'],
  ['tone-pcm.mov', 'MOV (PCM)'],
  ['tone-flac.mkv', 'Matroska (FLAC)'],
  ['tone.aiff', 'AIFF'],
  ['tone-24.aif', 'AIFF'],
  ['tone-float.aifc', 'AIFF'],
  ['tone.caf', 'CAF'],
];

export const LOSSY: readonly (readonly [file: string, format: string])[] = [
  ['tone.m4a', 'M4A (AAC)'],
  ['clip.mp4', 'MP4 (AAC)'],
  ['tone-mp3.mp4', 'MP4 (MP3)'],
  ['tone.webm', 'WebM (Opus)'],
  ['tone-vorbis.mkv', 'Matroska (Vorbis)'],
];

/** Frames of the tone. */
export const TONE_FRAMES = 22050;

/** The share of a channel's energy at `hz` (phase-free), away from the edges. */
export function toneShare(x: Float32Array, hz: number): number {
  let re = 0;
  let im = 0;
  let e = 0;
  const from = 2205;
  const to = TONE_FRAMES - 2205;
  for (let i = from; i < to; i++) {
    re += x[i]! * Math.cos((2 * Math.PI * hz * i) / 44100);
    im += x[i]! * Math.sin((2 * Math.PI * hz * i) / 44100);
    e += x[i]! ** 2;
  }
  return (2 * (re * re + im * im)) / ((to - from) * e);
}

/** The decoded length a lossy fixture may have: priming trimmed, at most a Vorbis packet's overhang left. */
export const lossyLengthOk = (n: number): boolean => n >= TONE_FRAMES - 64 && n <= TONE_FRAMES + 1100;

/** An M4A whose samples (the second half of its "mdat" box) are overwritten with a pattern; its index intact. */
export function corruptSamples(m4a: Uint8Array): Uint8Array {
  const out = m4a.slice();
  const at = String.fromCharCode(...out).indexOf('mdat') - 4;
  const size = new DataView(out.buffer).getUint32(at);
  for (let k = at + 8 + (size >> 1); k < at + size; k++) out[k] = (k * 151 + 7) & 0xff;
  return out;
}
