/**
 * A second output device (a singer's in-ear monitor, a booth) for the stems routed to it. The
 * stems still play from the one player in the mixer's context, so they stay in step: those
 * routed here sum into `input`, go through a key and tempo stage of their own (fed the same
 * timing as the main one) and the master level, and reach the device through a MediaStream
 * into a second AudioContext whose sink is that device (AudioContext.setSinkId).
 *
 * That hop and the two devices' own latencies put the outputs apart: `calibrate()` measures by
 * how much (a −80 dB click through both paths, each mapped to the time it is heard with
 * getOutputTimestamp), and the earlier one is then delayed by as much.
 */
import { SAMPLE_RATE } from '../../src/core/constants.ts';
import { KeyTempoStage } from './key-tempo-stage.ts';

/** The longest offset compensated (s). */
export const MAX_OFFSET = 1;
/** The calibration click's level: far below hearing, far above the silence of a digital path. */
const CLICK = 1e-4;

export class OutputRoute {
  readonly deviceId: string;
  /** Where the routed stems play into (the mixer's context). */
  readonly stage: KeyTempoStage;
  /** The master fader's level for this device. */
  readonly level: GainNode;
  /** The device's context and what plays into its destination (a test records it). */
  readonly context: AudioContext;
  readonly arrival: DelayNode;
  readonly #stream: MediaStreamAudioDestinationNode;
  readonly #source: MediaStreamAudioSourceNode;

  private constructor(deviceId: string, main: AudioContext, context: AudioContext) {
    this.deviceId = deviceId;
    this.context = context;
    this.level = new GainNode(main);
    this.stage = new KeyTempoStage(main, this.level);
    this.#stream = new MediaStreamAudioDestinationNode(main, { channelCount: 2 });
    this.level.connect(this.#stream);
    this.#source = new MediaStreamAudioSourceNode(context, { mediaStream: this.#stream.stream });
    this.arrival = new DelayNode(context, { maxDelayTime: MAX_OFFSET });
    this.#source.connect(this.arrival).connect(context.destination);
  }

  /** A route to `deviceId` (NotFoundError from the browser when it has no such device). */
  static async open(main: AudioContext, deviceId: string): Promise<OutputRoute> {
    const context = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: 'playback' });
    try {
      await (context as AudioContext & { setSinkId(id: string): Promise<void> }).setSinkId(deviceId);
      await context.resume();
    } catch (error) {
      await context.close();
      throw error;
    }
    return new OutputRoute(deviceId, main, context);
  }

  /**
   * Seconds the route is heard after the main output (negative: before), measured with a click
   * rendered into it by the main context: when the main device plays that frame, against when
   * the click arrives here and this device plays it.
   */
  async calibrate(main: AudioContext): Promise<number> {
    const when = main.currentTime + 0.1;
    const click = new AudioBuffer({ numberOfChannels: 1, length: 1, sampleRate: SAMPLE_RATE });
    click.getChannelData(0)[0] = CLICK;
    const probe = new AudioBufferSourceNode(main, { buffer: click });
    probe.connect(this.#stream);
    probe.start(when);
    const arrived = await this.#arrival();
    probe.disconnect();
    return heardAt(this.context, arrived) - heardAt(main, when);
  }

  /** Delays the route by `seconds` (what is heard on the main output comes later). */
  align(seconds: number): void {
    this.arrival.delayTime.value = Math.max(0, Math.min(MAX_OFFSET, seconds));
  }

  async close(): Promise<void> {
    this.stage.dispose();
    this.level.disconnect();
    this.#source.disconnect();
    this.#stream.stream.getTracks().forEach((track) => track.stop());
    await this.context.close().catch(() => undefined);
  }

  /** The device context's time of the first sample that arrives above the silence. */
  async #arrival(): Promise<number> {
    const context = this.context;
    const analyser = new AnalyserNode(context, { fftSize: 2048 });
    this.#source.connect(analyser);
    const frame = new Float32Array(analyser.fftSize);
    try {
      for (const end = performance.now() + 3000; performance.now() < end; ) {
        await new Promise((r) => setTimeout(r, 10));
        const now = context.currentTime;
        analyser.getFloatTimeDomainData(frame);
        const i = frame.findIndex((v) => Math.abs(v) > CLICK / 2);
        if (i >= 0) return now - (frame.length - i) / context.sampleRate;
      }
      throw new Error('the calibration click did not arrive at the second output');
    } finally {
      this.#source.disconnect(analyser);
    }
  }
}

/** When (performance.now() ms, as seconds) the sample a context renders at `time` is heard. */
function heardAt(context: AudioContext, time: number): number {
  const { contextTime = 0, performanceTime = 0 } = context.getOutputTimestamp();
  return performanceTime / 1000 + (time - contextTime);
}
