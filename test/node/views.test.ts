/** The timeline's views of a stem: its spectrogram columns (a pure tone peaks at its bin) and its fine peaks at any zoom. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SAMPLE_RATE } from '../../src/core/constants.ts';
import { createRealFft } from '../../src/core/fft.ts';
import { createJsRealFft, type ForwardFft } from '../../src/core/js-fft.ts';
import { addFinePeaks, finePeaksFor, PEAK_HOP, peakColumns } from '../../src/core/peaks.ts';
import { addSpectrum, binFrequency, SPECTRUM_BINS, SPECTRUM_FFT, spectrumHop, StemSpectrum } from '../../src/core/spectrum.ts';

const tone = (length: number, hz: number, amplitude: number) => Float32Array.from({ length }, (_, n) => amplitude * Math.sin((2 * Math.PI * hz * n) / SAMPLE_RATE));
const peakBin = (column: Uint8Array) => column.indexOf(Math.max(...column));
/** The byte scale's dB (0 = −90 dB, 255 = 0 dBFS). */
const toDb = (byte: number) => (byte / 255) * 90 - 90;

describe('spectrogram of a stem (the timeline view)', () => {
  // The page's FFT (fft.js); checked against PFFFT, the engine's.
  const fft: ForwardFft = createJsRealFft(SPECTRUM_FFT);

  test('the page\'s FFT (fft.js) gives PFFFT\'s half spectrum, in its layout', async () => {
    const pffft = await createRealFft(SPECTRUM_FFT);
    let seed = 3;
    for (let n = 0; n < SPECTRUM_FFT; n++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      pffft.input[n] = fft.input[n] = seed / 2 ** 32 - 0.5;
    }
    pffft.forward();
    fft.forward();
    let worst = 0;
    let scale = 0;
    for (let k = 0; k < SPECTRUM_FFT; k++) {
      worst = Math.max(worst, Math.abs(fft.output[k]! - pffft.output[k]!));
      scale = Math.max(scale, Math.abs(pffft.output[k]!));
    }
    assert.ok(worst < 1e-5 * scale, `largest difference ${worst} of ${scale}`);
    pffft.dispose();
  });

  for (const hz of [220, 1000, 5000, 15000]) {
    test(`a ${hz} Hz tone peaks at its bin in every column, at its level`, () => {
      const length = SAMPLE_RATE;
      const spectrum = new StemSpectrum(length);
      const x = tone(length, hz, 0.5);
      addSpectrum(spectrum, fft, 0, x, x);
      const want = Math.floor((hz / (SAMPLE_RATE / 2)) * SPECTRUM_BINS);
      let columns = 0;
      for (let c = 0; c < spectrum.columns; c++) {
        if (!spectrum.filled[c]) continue;
        columns++;
        const column = spectrum.column(c);
        assert.equal(peakBin(column), want, `column ${c}: ${binFrequency(peakBin(column)).toFixed(0)} Hz`);
        assert.ok(Math.abs(toDb(column[want]!) - 20 * Math.log10(0.5)) < 1.5, `level ${toDb(column[want]!).toFixed(1)} dB`);
        // Far from the tone (a tenth of the spectrum away) the window's leakage is ≥ 60 dB down.
        const far = want > SPECTRUM_BINS / 2 ? want - 26 : want + 26;
        assert.ok(toDb(column[far]!) < -60, `leakage at bin ${far}: ${toDb(column[far]!).toFixed(1)} dB`);
      }
      assert.equal(columns, Math.floor((length - SPECTRUM_FFT) / spectrum.hop) + 1, 'every column whose frame fits is filled');
    });
  }

  test('a column is computed once, from regions joined at any point (the same bytes as one piece)', () => {
    const length = 3 * SAMPLE_RATE;
    const x = tone(length, 440, 0.3);
    const whole = new StemSpectrum(length);
    addSpectrum(whole, fft, 0, x, x);
    const pieces = new StemSpectrum(length);
    const cut = 50_000;
    addSpectrum(pieces, fft, 0, x.subarray(0, cut), x.subarray(0, cut));
    // The next region with the last SPECTRUM_FFT frames before it, as StemViews passes it.
    addSpectrum(pieces, fft, cut - SPECTRUM_FFT, x.subarray(cut - SPECTRUM_FFT), x.subarray(cut - SPECTRUM_FFT));
    assert.deepEqual(pieces.filled, whole.filled);
    assert.deepEqual(pieces.data, whole.data);
  });

  test('long songs take a longer hop: at most 8192 columns', () => {
    assert.equal(spectrumHop(3 * 60 * SAMPLE_RATE), SPECTRUM_FFT);
    const hour = 3600 * SAMPLE_RATE;
    assert.ok(Math.ceil(hour / spectrumHop(hour)) <= 8192);
  });
});

describe('fine peaks (the waveform at any zoom)', () => {
  test('each block holds the largest |sample| of either channel; columns narrower than a block show it', () => {
    const length = 10 * PEAK_HOP;
    const fine = [finePeaksFor(length)];
    const left = new Float32Array(length);
    const right = new Float32Array(length);
    left[3 * PEAK_HOP + 5] = 0.25;
    right[3 * PEAK_HOP + 9] = -0.75;
    left[7 * PEAK_HOP] = 0.5;
    // In two regions split inside block 3.
    addFinePeaks(fine, 0, [[left.subarray(0, 3 * PEAK_HOP + 7), right.subarray(0, 3 * PEAK_HOP + 7)]]);
    addFinePeaks(fine, 3 * PEAK_HOP + 7, [[left.subarray(3 * PEAK_HOP + 7), right.subarray(3 * PEAK_HOP + 7)]]);
    assert.deepEqual(Array.from(fine[0]!), [0, 0, 0, 0.75, 0, 0, 0, 0.5, 0, 0]);
    // One column per 5 blocks, and four columns per block.
    assert.deepEqual(Array.from(peakColumns(fine[0]!, 0, length, 2)), [0.75, 0.5]);
    assert.deepEqual(Array.from(peakColumns(fine[0]!, 3 * PEAK_HOP, 4 * PEAK_HOP, 4)), [0.75, 0.75, 0.75, 0.75]);
  });
});
