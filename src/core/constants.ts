/**
 * Every domain number of the Demucs v4 (htdemucs) procedure, in one place.
 * Values follow shared/docs/HTDEMUCS.md; names say what they are for.
 */

/** Sample rate every htdemucs model runs at (Hz). */
export const SAMPLE_RATE = 44100;

/** Audio channels the network takes and returns. */
export const CHANNELS = 2;

/**
 * The released models' training segment, 7.8 s (samples): the default when a model does not
 * say (a model's own segment is in its Geometry, geometry.ts).
 */
export const SEGMENT = 343980;

/**
 * Live mode's shorter window, 3.9 s (samples, int(3.9 · 44100)): a run costs about half the 7.8 s
 * one's, so live mode holds about half the latency, for 2–3 dB less SDR (README, "Live mode").
 * The window of `convert --segment 3.9`, and the one a model that runs any window
 * (`--segment any`) runs live.
 */
export const LIVE_SEGMENT = 171990;

/** Complex-as-channels spectrogram channels: [L.re, L.im, R.re, R.im]. */
export const SPEC_CHANNELS = 2 * CHANNELS;

/** FFT size of the spectrogram branch. */
export const N_FFT = 4096;

/** Hop between spectrogram frames (samples). */
export const HOP = 1024;

/** Frequency bins the network sees: the Nyquist bin (N_FFT / 2) is dropped. */
export const FREQ_BINS = N_FFT / 2;

/** Largest random time shift of the shift trick (0.5 s, samples). */
export const MAX_SHIFT = 22050;

/** Overlap between consecutive segments, as the Demucs CLI. */
export const DEFAULT_OVERLAP = 0.25;

/** Random shifts, as the Demucs CLI (0 = none). */
export const DEFAULT_SHIFTS = 1;

/** Added to the standard deviation before dividing by it (api.py). */
export const NORM_EPSILON = 1e-8;

/** Samples per Web Audio render quantum. */
export const RENDER_QUANTUM = 128;

/** Key: semitones up or down from the song's (fractions are cents). */
export const KEY_MIN = -12;
export const KEY_MAX = 12;

/** Tempo: percent of the song's (the pitch unchanged). */
export const TEMPO_MIN = 50;
export const TEMPO_MAX = 150;
