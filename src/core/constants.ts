/**
 * Every domain number of the Demucs v4 (htdemucs) procedure, in one place.
 * Values follow shared/docs/HTDEMUCS.md; names say what they are for.
 */

/** Sample rate every htdemucs model runs at (Hz). */
export const SAMPLE_RATE = 44100;

/** Audio channels the network takes and returns. */
export const CHANNELS = 2;

/** Training segment, 7.8 s: the longest input the transformer accepts (samples). */
export const SEGMENT = 343980;

/** FFT size of the spectrogram branch. */
export const N_FFT = 4096;

/** Hop between spectrogram frames (samples). */
export const HOP = 1024;

/** Frequency bins the network sees: the Nyquist bin (N_FFT / 2) is dropped. */
export const FREQ_BINS = N_FFT / 2;

/** Spectrogram frames the network sees for one segment: ceil(SEGMENT / HOP) = 336. */
export const FRAMES = Math.ceil(SEGMENT / HOP);

/** Complex-as-channels spectrogram channels: [L.re, L.im, R.re, R.im]. */
export const SPEC_CHANNELS = 2 * CHANNELS;

/** Reflect padding before the STFT, left: 3 * HOP / 2 (1536). */
export const SPEC_PAD_LEFT = (3 * HOP) / 2;

/** Reflect padding before the STFT, right: pads the chunk to a whole number of hops (1620). */
export const SPEC_PAD_RIGHT = SPEC_PAD_LEFT + FRAMES * HOP - SEGMENT;

/** Length of the reflect-padded chunk the STFT runs over. */
export const SPEC_PADDED_LENGTH = SEGMENT + SPEC_PAD_LEFT + SPEC_PAD_RIGHT;

/** Leading frames of the centred STFT that the network never sees. */
export const SPEC_FRAME_OFFSET = 2;

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
