// Test helper (AudioWorklet scope): records its two inputs (channel 0 of each), sample-aligned,
// and posts them in blocks of 128. Not product code: it allocates and posts from process().
// Says 'ready' once constructed: under load that can come well after the node was made, and a
// recording that began late missed the start of what it was meant to record.
class Recorder extends AudioWorkletProcessor {
  constructor() {
    super();
    this.port.postMessage('ready');
  }

  process(inputs) {
    const a = inputs[0]?.[0];
    const b = inputs[1]?.[0];
    if (!a && !b) return true; // disconnected: the recording has ended
    this.port.postMessage([a ? a.slice() : new Float32Array(128), b ? b.slice() : new Float32Array(128)]);
    return true;
  }
}
registerProcessor('test-recorder', Recorder);

// Test helper: counts the render quanta whose currentFrame is not one quantum past the last
// (Chromium leaves it unchanged while the main thread holds the audio graph's lock); posts the
// counts when asked.
class FrameProbe extends AudioWorkletProcessor {
  constructor() {
    super();
    this.last = -1;
    this.stale = 0;
    this.quanta = 0;
    this.port.onmessage = () => this.port.postMessage({ stale: this.stale, quanta: this.quanta });
  }

  process() {
    if (this.last >= 0 && currentFrame <= this.last) this.stale++;
    this.last = currentFrame;
    this.quanta++;
    return true;
  }
}
registerProcessor('test-frame-probe', FrameProbe);
