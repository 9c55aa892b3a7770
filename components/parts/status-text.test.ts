import { equal } from '../../test/browser/assert.ts';
import { formatElapsed, memoryText, modelStageText, songStageText } from './status-text.ts';

describe('status line words by stage', () => {
  it('the model: downloading (MB of MB), from the cache, verifying, compiling, warming up, ready', () => {
    equal(modelStageText(null), 'no model');
    equal(modelStageText({ status: 'download', loaded: 1.5e6, total: 84.9e6 }), 'model: downloading 1.5 of 84.9 MB');
    equal(modelStageText({ status: 'download', loaded: 3e6, total: null }), 'model: downloading 3.0 MB');
    equal(modelStageText({ status: 'cache', loaded: 42e6, total: 84.9e6 }), 'model: from the cache, 42.0 of 84.9 MB');
    equal(modelStageText({ status: 'verify' }), 'model: verifying its sha256');
    equal(modelStageText({ status: 'session', backend: 'wasm' }), 'model: compiling for wasm');
    equal(modelStageText({ status: 'warmup', backend: 'webgpu' }), 'model: warming up on webgpu');
    equal(modelStageText({ status: 'member', index: 1, count: 4, label: 'b.onnx' }), 'model 2 of 4 (b.onnx): fetching and checking');
    equal(modelStageText({ status: 'ready', backend: 'wasm' }), 'model ready');
  });

  it('the song: separating (percent, time left, resumed), separated in, reopened', () => {
    const song = { fraction: 0.426, busy: true, eta: 12.2, elapsed: 9, restored: 0, duration: 200 };
    equal(songStageText(song), 'separating 42 %, about 13 s left');
    equal(songStageText({ ...song, eta: null }), 'separating 42 %');
    equal(songStageText({ ...song, restored: 80 }), 'separating 42 %, about 13 s left, resumed at 1 min 20 s');
    equal(songStageText({ ...song, busy: false, fraction: 1, elapsed: 75.4 }), 'separated in 1 min 15 s');
    equal(songStageText({ ...song, busy: false, fraction: 1, restored: 200 }), 'reopened from storage: no separation needed');
    equal(songStageText({ ...song, busy: false }), 'separated 42 %');
  });

  it('stems in memory: past what the storage took, or all of them without file storage; with the budget', () => {
    equal(memoryText({ from: 0, bytes: 2.5e6, budget: 2 ** 29, storage: true }), "the browser's storage is full (a private window?): stems past 0 s are kept in memory, 3 of 537 MB");
    equal(memoryText({ from: 125 * 44100, bytes: 800e6, budget: 2 ** 30, storage: true }), "the browser's storage is full (a private window?): stems past 2 min 05 s are kept in memory, 800 of 1074 MB");
    equal(memoryText({ from: 0, bytes: 100e6, budget: 2 ** 30, storage: false }), 'no file storage here (a private window?): the stems are kept in memory, 100 of 1074 MB');
  });

  it('elapsed times', () => {
    equal(formatElapsed(0), '0 s');
    equal(formatElapsed(59.9), '59 s');
    equal(formatElapsed(125), '2 min 05 s');
  });
});
