/** Browser test helpers around the element: a mixer on WASM without shifts, and a recording of a node's output. */
import { DemucsMixer } from '../../components/demucs-mixer.ts';
import { ok } from './assert.ts';

/** A <demucs-mixer> in the page: WASM, no shifts, `model` set when given (it then loads). */
export async function testMixer(model?: string): Promise<DemucsMixer> {
  ok(customElements.get('demucs-mixer') === DemucsMixer, 'the element is defined');
  const el = document.createElement('demucs-mixer');
  el.backends = ['wasm'];
  el.shifts = 0;
  if (model) el.model = model;
  document.body.append(el);
  await el.updateComplete;
  return el;
}

/**
 * Takes every mixer out of the page, live mode stopped first: a test that failed halfway leaves
 * no live session running into the next one (each would then fail for the first one's reason).
 */
export async function removeMixers(): Promise<void> {
  for (const el of Array.from(document.querySelectorAll('demucs-mixer'))) {
    await el.stopLive().catch(() => undefined);
    el.remove();
  }
}

/** Records channel 0 of `node` from now on; `stop()` ends the recording and returns it. */
export async function recordOutput(node: AudioNode): Promise<{ stop(): Float32Array }> {
  const context = node.context as AudioContext;
  await context.audioWorklet.addModule('/test/browser/recorder.processor.js');
  const recorder = new AudioWorkletNode(context, 'test-recorder', { numberOfInputs: 2, numberOfOutputs: 0 });
  node.connect(recorder, 0, 0);
  const blocks: Float32Array[] = [];
  await new Promise<void>((ready) => {
    recorder.port.onmessage = (e: MessageEvent<[Float32Array, Float32Array] | 'ready'>) => (e.data === 'ready' ? ready() : blocks.push(e.data[0]));
  });
  return {
    stop() {
      node.disconnect(recorder);
      recorder.port.onmessage = null;
      const out = new Float32Array(blocks.length * 128);
      blocks.forEach((b, i) => out.set(b, i * 128));
      return out;
    },
  };
}
