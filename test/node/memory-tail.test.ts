/** Audio the storage refused, kept in memory (src/core/memory-tail.ts): reads across pieces, the budget, the device's share. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FRAME_BYTES, MEMORY_BUDGET_BYTES, memoryBudget, MemoryTail } from '../../src/core/memory-tail.ts';

/** Interleaved stereo frames [start, start + frames) of track t: left = frame + 0.25 t, right = −left. */
const frames = (t: number, start: number, count: number) => {
  const out = new Float32Array(2 * count);
  for (let i = 0; i < count; i++) {
    out[2 * i] = start + i + 0.25 * t;
    out[2 * i + 1] = -(start + i + 0.25 * t);
  }
  return out;
};
const piece = (start: number, count: number) => [0, 1, 2].map((t) => frames(t, start, count));

describe('memory tail (stems past a full disk)', () => {
  test('reads what it keeps across pieces, at any offset; leaves the rest of the view alone', () => {
    const tail = new MemoryTail(3, 1000, 1e6);
    for (const [start, count] of [[1000, 100], [1100, 7], [1107, 300]] as const) assert.ok(tail.append(start, piece(start, count)));
    assert.equal(tail.end, 1407);
    assert.equal(tail.bytes, 407 * 3 * FRAME_BYTES);
    for (const [at, count] of [[1000, 407], [990, 30], [1095, 20], [1105, 3], [1400, 20], [1500, 10], [900, 50]] as const) {
      for (const t of [0, 2]) {
        const view = new Float32Array(2 * count).fill(7);
        tail.read(t, view, at);
        for (let i = 0; i < count; i++) {
          const frame = at + i;
          const expected = frame >= 1000 && frame < 1407 ? frame + 0.25 * t : 7;
          assert.equal(view[2 * i], expected, `track ${t}, frame ${frame}, left`);
          assert.equal(view[2 * i + 1], expected === 7 ? 7 : -expected, `track ${t}, frame ${frame}, right`);
        }
      }
    }
  });

  test('refuses frames past its budget, keeping nothing of them; and frames that do not follow', () => {
    const tail = new MemoryTail(3, 0, 250 * 3 * FRAME_BYTES);
    assert.ok(tail.append(0, piece(0, 200)));
    assert.ok(!tail.fits(51));
    assert.equal(tail.append(200, piece(200, 51)), false);
    assert.equal(tail.end, 200);
    assert.ok(tail.append(200, piece(200, 50)));
    assert.equal(tail.bytes, tail.budget);
    assert.throws(() => tail.append(300, piece(300, 1)), /do not follow/);
  });

  test("the budget: 1 GiB, or an eighth of a device's memory below 8 GB; 1 GiB where the browser does not say", () => {
    assert.equal(MEMORY_BUDGET_BYTES, 2 ** 30);
    assert.equal(memoryBudget(undefined), 2 ** 30);
    assert.equal(memoryBudget(8), 2 ** 30);
    assert.equal(memoryBudget(32), 2 ** 30);
    assert.equal(memoryBudget(4), 2 ** 29);
    assert.equal(memoryBudget(0.5), 2 ** 26);
  });
});
