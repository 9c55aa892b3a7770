/**
 * Each stem's channel of the mixer's graph: its fader (GainNode), its pan (StereoPannerNode:
 * equal power, mixing.ts panMatrix) and its meter (AnalyserNode), into where it plays (the key
 * and tempo stage, or another device's route).
 */
export class StemChannels {
  readonly gains: GainNode[];
  readonly pans: StereoPannerNode[];
  readonly analysers: AnalyserNode[];
  readonly #destination: AudioNode | null;

  constructor(context: BaseAudioContext, count: number, destination: AudioNode | null) {
    this.#destination = destination;
    this.gains = Array.from({ length: count }, () => new GainNode(context));
    this.pans = Array.from({ length: count }, () => new StereoPannerNode(context));
    this.analysers = this.gains.map((gain, s) => {
      const analyser = new AnalyserNode(context, { fftSize: 2048 });
      gain.connect(this.pans[s]!).connect(analyser);
      if (destination) analyser.connect(destination);
      return analyser;
    });
  }

  /** Where stem `s` plays into: `destination` (another device's route), or null: the first one. */
  route(s: number, destination: AudioNode | null): void {
    const analyser = this.analysers[s]!;
    analyser.disconnect();
    const to = destination ?? this.#destination;
    if (to) analyser.connect(to);
  }

  setGains(linear: readonly number[]): void {
    linear.forEach((g, s) => (this.gains[s]!.gain.value = g));
  }

  /** Pans, −1 (left) … 1 (right). */
  setPans(pans: readonly number[]): void {
    pans.forEach((p, s) => (this.pans[s]!.pan.value = p));
  }

  disconnect(): void {
    for (const node of [...this.gains, ...this.pans, ...this.analysers]) node.disconnect();
  }
}
