/**
 * Key and tempo's arithmetic (src/core/key-tempo.ts) and the offline render around a pitch
 * shifter (src/core/key-tempo-render.ts), with a stand-in shifter: a pure delay, so that what
 * comes out is the varispeed itself.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RENDER_QUANTUM } from '../../src/core/constants.ts';
import { isDemucsError } from '../../src/core/errors.ts';
import type { FrameReader } from '../../src/core/export-render.ts';
import { keyTempoReader, type QuantumShifter } from '../../src/core/key-tempo-render.ts';
import { checkKey, checkTempo, heardFrames, isNeutral, pitchShift } from '../../src/core/key-tempo.ts';

/** A shifter that only delays by `latency` frames. */
function delay(latency: number): QuantumShifter & { closed: boolean } {
  const line = [new Float32Array(latency + RENDER_QUANTUM), new Float32Array(latency + RENDER_QUANTUM)];
  return {
    latency,
    closed: false,
    process(input, output) {
      for (const c of [0, 1] as const) {
        line[c]!.copyWithin(0, RENDER_QUANTUM);
        line[c]!.set(input[c], latency);
        output[c].set(line[c]!.subarray(0, RENDER_QUANTUM));
      }
    },
    close() {
      this.closed = true;
    },
  };
}

describe('key and tempo', () => {
  test('the shift after the varispeed: the key, less the pitch the speed moved; formants back with it when kept', () => {
    assert.deepEqual(pitchShift(3, 1, false), { semitones: 3, formantSemitones: 0, formantCompensation: false });
    const slow = pitchShift(0, 0.75, false);
    assert.ok(Math.abs(slow.semitones - 4.98045) < 1e-4, `75 %: +${slow.semitones} st`);
    const kept = pitchShift(2, 0.75, true);
    assert.ok(Math.abs(kept.semitones - 6.98045) < 1e-4 && Math.abs(kept.formantSemitones - 4.98045) < 1e-4 && kept.formantCompensation);
    assert.ok(isNeutral(pitchShift(0, 1, true)));
    assert.ok(!isNeutral(pitchShift(0.01, 1, false)));
    assert.equal(heardFrames(60 * 44100, 0.75), 80 * 44100);
  });

  test('out of range: BAD_ARGUMENT naming the range', () => {
    assert.equal(checkKey(-12), -12);
    assert.equal(checkTempo(150), 150);
    for (const bad of [() => checkKey(12.5), () => checkKey(Number.NaN), () => checkTempo(49), () => checkTempo(Infinity)]) {
      assert.throws(bad, (e: unknown) => isDemucsError(e) && e.code === 'BAD_ARGUMENT' && /key must be|tempo must be/.test(e.message));
    }
  });

  for (const speed of [0.75, 1.5, 1]) {
    test(`the offline render at ${speed * 100} %: the song read at that speed (linear interpolation), the shifter's latency taken off, ${Math.round(10000 / speed)} frames for 10 000, read in pieces`, async () => {
      const length = 10_000;
      const ramp = [Float32Array.from({ length }, (_, i) => i / length), Float32Array.from({ length }, (_, i) => -i / length)];
      let reads = 0;
      const read: FrameReader = async (from, n) => {
        reads++;
        return [ramp[0]!.slice(from, from + n), ramp[1]!.slice(from, from + n)];
      };
      const shifter = delay(300);
      const track = keyTempoReader(read, length, speed, shifter);
      assert.equal(track.length, Math.round(length / speed));
      const out: Float32Array[] = [new Float32Array(track.length), new Float32Array(track.length)];
      for (let from = 0; from < track.length; from += 777) {
        const piece = await track.read(from, Math.min(777, track.length - from));
        out[0]!.set(piece[0], from);
        out[1]!.set(piece[1], from);
      }
      // Frame k heard is the song at k·speed: on a ramp, (k·speed)/length (up to the last frame).
      for (let k = 0; k < track.length; k++) {
        const at = k * speed;
        if (at > length - 1) break;
        assert.ok(Math.abs(out[0]![k]! - at / length) < 1e-6, `frame ${k}: ${out[0]![k]} for ${at / length}`);
        assert.ok(Math.abs(out[1]![k]! + at / length) < 1e-6);
      }
      assert.ok(reads >= 1);
      await assert.rejects(async () => track.read(0, 10), /read in order/);
    });
  }
});
