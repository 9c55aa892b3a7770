/**
 * The key and tempo stretch outside an audio context (an export, in the store's worker): the
 * very processor the page plays through (Signalsmith Stretch's AudioWorkletProcessor, its WASM
 * inside), loaded here with the few globals of an AudioWorkletGlobalScope it reads, and run a
 * render quantum at a time. Spoken to over its port as the page speaks to it (stretch-port.ts).
 */
import { CHANNELS, SAMPLE_RATE } from '../core/constants.ts';
import type { QuantumShifter } from '../core/key-tempo-render.ts';
import type { PitchShift } from '../core/key-tempo.ts';
import { stretchPort } from './stretch-port.ts';

interface Processor {
  readonly port: MessagePort;
  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean;
}
type ProcessorClass = new (options: AudioWorkletNodeOptions) => Processor;

let loaded: Promise<ProcessorClass> | null = null;

/** The processor's class, registered by the package when it is imported into this scope. */
function processorClass(): Promise<ProcessorClass> {
  loaded ??= (async () => {
    let registered: ProcessorClass | null = null;
    const scope = globalThis as Record<string, unknown>;
    scope.sampleRate = SAMPLE_RATE;
    scope.currentTime = 0;
    scope.AudioWorkletProcessor = class {
      readonly port: MessagePort;
      constructor() {
        const channel = new MessageChannel();
        this.port = channel.port1;
        (this as { peer?: MessagePort }).peer = channel.port2;
      }
    };
    scope.registerProcessor = (_name: string, processor: ProcessorClass) => (registered = processor);
    await import('signalsmith-stretch');
    if (!registered) throw new Error('the stretch processor did not register');
    return registered;
  })();
  return loaded;
}

/** A stereo shifter with `shift`, ready (its WASM compiled, the shift applied). */
export async function offlineShifter(shift: PitchShift): Promise<QuantumShifter> {
  const Processor = await processorClass();
  const processor = new Processor({ numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [CHANNELS] });
  const port = (processor as unknown as { peer: MessagePort }).peer;
  const { ready, call } = stretchPort(port);
  await ready;
  const latency = Math.round(((await call('latency')) as number) * SAMPLE_RATE);
  await call('schedule', { active: true, ...shift });
  const inputs: Float32Array[][] = [[]];
  const outputs: Float32Array[][] = [[]];
  return {
    latency,
    process(input, output) {
      inputs[0] = input as unknown as Float32Array[];
      outputs[0] = output as unknown as Float32Array[];
      processor.process(inputs, outputs);
    },
    close() {
      port.close();
      processor.port.close();
    },
  };
}
