// Signalsmith Stretch's Web Audio release ships no types. Its default export makes the node on
// the page; in an AudioWorkletGlobalScope, importing it registers the processor.
declare module 'signalsmith-stretch' {
  const createStretchNode: ((context: BaseAudioContext, options?: AudioWorkletNodeOptions) => Promise<AudioWorkletNode>) & { moduleUrl?: string };
  export default createStretchNode;
}
