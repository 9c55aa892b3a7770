/**
 * ringbuf.js as live mode uses it (Float32 SPSC rings over SharedArrayBuffer): wrap-around under
 * seeded random capacities and read/write sizes, canaries around every copy, and a real
 * two-thread run.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { RingBuffer } from 'ringbuf.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor((s / 2 ** 32) * n);
  };
}

describe('ring buffers (ringbuf.js)', () => {
  test('wrap-around with seeded random capacities and sizes keeps every sample in order', () => {
    const CANARY = -12345;
    for (let seed = 1; seed <= 20; seed++) {
      const rand = rng(seed);
      const capacity = 16 + rand(5000);
      const ring = new RingBuffer(RingBuffer.getStorageForCapacity(capacity, Float32Array), Float32Array);
      let written = 0;
      let read = 0;
      for (let step = 0; step < 2000; step++) {
        const size = 1 + rand(Math.min(capacity, 700));
        const block = new Float32Array(size + 2).fill(CANARY);
        if (rand(2) === 0) {
          for (let i = 0; i < size; i++) block[i + 1] = written + i;
          const pushed = ring.push(block.subarray(1, size + 1), size);
          assert.equal(pushed, Math.min(size, capacity - (written - read)));
          written += pushed;
        } else {
          const popped = ring.pop(block, size, 1);
          assert.equal(popped, Math.min(size, written - read));
          for (let i = 0; i < popped; i++) assert.equal(block[i + 1], read + i, `seed ${seed}: sample ${read + i}`);
          assert.equal(block[0], CANARY, 'nothing written before the block');
          assert.equal(block[popped + 1], CANARY, 'nothing written after the block');
          read += popped;
        }
        assert.equal(ring.availableRead(), written - read);
        assert.equal(ring.availableWrite(), capacity - (written - read));
      }
    }
  });

  test('two threads: a producer and a consumer move 2 million samples without loss or reordering', async () => {
    const capacity = 4096;
    const sab = RingBuffer.getStorageForCapacity(capacity, Float32Array);
    const total = 2_000_000;
    const producer = new Worker(
      `
      const { workerData } = require('node:worker_threads');
      import('ringbuf.js').then(({ RingBuffer }) => {
        const ring = new RingBuffer(workerData.sab, Float32Array);
        let s = 7, next = 0;
        const block = new Float32Array(1000);
        while (next < workerData.total) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          const size = Math.min(1 + (s % 1000), workerData.total - next);
          for (let i = 0; i < size; i++) block[i] = next + i;
          next += ring.push(block, size);
        }
      });
      `,
      { eval: true, workerData: { sab, total } },
    );
    const ring = new RingBuffer(sab, Float32Array);
    const block = new Float32Array(777);
    let expected = 0;
    const deadline = Date.now() + 60_000;
    while (expected < total && Date.now() < deadline) {
      const n = ring.pop(block, block.length);
      for (let i = 0; i < n; i++) {
        if (block[i] !== expected + i) assert.fail(`sample ${expected + i} came as ${block[i]}`);
      }
      expected += n;
      if (n === 0) await new Promise((r) => setImmediate(r));
    }
    await producer.terminate();
    assert.equal(expected, total);
  });
});
