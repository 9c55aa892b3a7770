// Test helper (AudioWorklet scope): records its two inputs (channel 0 of each), sample-aligned,
// and posts them in blocks of 128. Not product code: it allocates and posts from process().
class Recorder extends AudioWorkletProcessor {
  process(inputs) {
    const a = inputs[0]?.[0];
    const b = inputs[1]?.[0];
    if (!a && !b) return true; // disconnected: the recording has ended
    this.port.postMessage([a ? a.slice() : new Float32Array(128), b ? b.slice() : new Float32Array(128)]);
    return true;
  }
}
registerProcessor('test-recorder', Recorder);
