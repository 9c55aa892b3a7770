/**
 * Live mode on the audio thread (AudioWorkletGlobalScope only: no DOM, no window), one
 * processor, `demucs-live`: its input is the live source, its outputs one stereo pair per stem.
 *
 * Each render quantum it takes its input into the input ring for the streaming worker (and
 * notifies it), and plays the stems for the input it took `latency` frames earlier, reading the
 * stem rings: stem frame j is input frame j, and both are counted in this processor's own
 * quanta. Nothing reads the context's `currentFrame`: Chromium leaves it stale in any quantum
 * whose start finds the main thread holding the audio graph's lock (connecting or making
 * nodes), and two processors that counted from it put the stems up to 7853 samples off the
 * stated latency (README, "Live mode").
 *
 * When the input ring is full (the worker stalled), a quantum's input is lost and counted; as
 * many frames of silence are then written before anything newer, as soon as there is room, so
 * that stem frame j stays input frame j and the stems come out at the stated latency again once
 * the worker has caught up. Where a stem region has not arrived in time the processor plays the
 * equally delayed dry input (split evenly over the stems, so that the sum is the mix), with a
 * one-quantum cross-fade each way. Every span played dry while its stems were due is counted
 * once, from the first input's time on, and its quanta too: the counters are what is heard.
 *
 * Nothing in process() allocates, blocks, logs or posts: every buffer is made in the
 * constructor; ring reads and writes are ringbuf.js's wait-free copies.
 */
import { RingBuffer } from 'ringbuf.js';
import { RENDER_QUANTUM } from '../src/core/constants.ts';
import { CONTROL, MODE } from '../src/core/live-shared.ts';

declare function registerProcessor(name: string, ctor: new (options: { processorOptions: unknown }) => AudioWorkletProcessorLike): void;
declare class AudioWorkletProcessor {
  readonly port: unknown;
}
interface AudioWorkletProcessorLike {
  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean;
}

/** Stands for a missing input without allocating in process(). */
const NO_INPUT: Float32Array[] = [];

/** Silence written in place of lost frames, at most this many floats per push. */
const FILL = new Float32Array(2 * 8192);
/** Pushes of silence per render quantum at most (the audio thread does little else). */
const FILLS_PER_QUANTUM = 4;

/** The input side: each quantum's input into the ring, or counted as lost and owed as silence. */
class InputCapture {
  readonly #control: Int32Array;
  readonly #ring: RingBuffer;
  readonly #frame = new Float32Array(2 * RENDER_QUANTUM);
  /** Frames lost and not yet written as silence. */
  #owed = 0;

  constructor(control: Int32Array, ring: RingBuffer) {
    this.#control = control;
    this.#ring = ring;
  }

  take(left: Float32Array | undefined, right: Float32Array | undefined): void {
    const frame = this.#frame;
    for (let i = 0; i < RENDER_QUANTUM; i++) {
      frame[2 * i] = left ? left[i]! : 0;
      frame[2 * i + 1] = right ? right[i]! : 0;
    }
    const ring = this.#ring;
    for (let k = 0; k < FILLS_PER_QUANTUM && this.#owed > 0; k++) {
      const room = ring.availableWrite();
      const n = Math.min(2 * this.#owed, room - (room % 2), FILL.length);
      if (n <= 0) break;
      ring.push(FILL, n);
      this.#owed -= n / 2;
    }
    if (this.#owed === 0 && ring.availableWrite() >= frame.length) ring.push(frame, frame.length);
    else {
      this.#owed += RENDER_QUANTUM;
      Atomics.add(this.#control, CONTROL.overruns, RENDER_QUANTUM);
    }
  }
}

interface LiveOptions {
  readonly control: SharedArrayBuffer;
  readonly input: SharedArrayBuffer;
  readonly stems: SharedArrayBuffer[];
  readonly filler: SharedArrayBuffer;
  /** Latency in samples (a multiple of 128). */
  readonly latency: number;
}

class LiveProcessor extends AudioWorkletProcessor implements AudioWorkletProcessorLike {
  readonly #control: Int32Array;
  readonly #capture: InputCapture;
  /** Input frames taken so far: this quantum's first is input frame #taken. */
  #taken = 0;
  readonly #rings: RingBuffer[];
  readonly #latency: number;
  /** Dry input delay line, interleaved stereo, latency + one quantum long. */
  readonly #delay: Float32Array;
  #delayAt = 0;
  /** Stem frames consumed so far (the same for every stem ring). */
  #consumed = 0;
  #stems = false;
  /** A dropout is under way (counted when it began). */
  #dropout = false;
  /** Spans of stem frames the worker filled with the dry input, and the one being played past. */
  readonly #filler: RingBuffer;
  readonly #span = new Float64Array(2);
  #fillerStart = 0;
  #fillerEnd = 0;
  readonly #block: Float32Array[];
  readonly #trash = new Float32Array(2 * 4096);
  readonly #dry = new Float32Array(2 * RENDER_QUANTUM);

  constructor({ processorOptions }: { processorOptions: unknown }) {
    super();
    const o = processorOptions as LiveOptions;
    this.#control = new Int32Array(o.control);
    this.#capture = new InputCapture(this.#control, new RingBuffer(o.input, Float32Array));
    this.#rings = o.stems.map((sab) => new RingBuffer(sab, Float32Array));
    this.#filler = new RingBuffer(o.filler, Float64Array);
    this.#latency = o.latency;
    this.#delay = new Float32Array(2 * (o.latency + RENDER_QUANTUM));
    this.#block = o.stems.map(() => new Float32Array(2 * RENDER_QUANTUM));
  }

  /** Frames every stem ring can give right now. */
  #available(): number {
    let min = this.#rings[0]!.availableRead() >> 1;
    for (let s = 1; s < this.#rings.length; s++) min = Math.min(min, this.#rings[s]!.availableRead() >> 1);
    return min;
  }

  /**
   * Whether the stem frames [from, from + RENDER_QUANTUM) are mostly a span the worker filled with
   * the dry input (it skipped ahead): heard as the dry signal. Spans behind `from` are forgotten.
   */
  #filled(from: number): boolean {
    const to = from + RENDER_QUANTUM;
    for (;;) {
      if (this.#fillerEnd <= from) {
        if (this.#filler.availableRead() < 2) return false;
        this.#filler.pop(this.#span, 2);
        this.#fillerStart = this.#span[0]!;
        this.#fillerEnd = this.#span[1]!;
        continue;
      }
      return Math.min(to, this.#fillerEnd) - Math.max(from, this.#fillerStart) >= RENDER_QUANTUM / 2;
    }
  }

  /**
   * Counts what this quantum plays once its stems are due: stems end a dropout; the dry signal
   * (the fallback, or stems the worker filled with it) is a dropout's quantum, a new dropout
   * counted once as it begins; a cross-fade quantum is neither.
   */
  #count(heard: 'stems' | 'dry' | 'fade'): void {
    const control = this.#control;
    if (heard === 'fade') return;
    if (heard === 'stems') {
      this.#dropout = false;
      if (Atomics.load(control, CONTROL.mode) !== MODE.stems) Atomics.store(control, CONTROL.mode, MODE.stems);
      return;
    }
    Atomics.add(control, CONTROL.dryQuanta, 1);
    if (!this.#dropout) {
      this.#dropout = true;
      Atomics.add(control, CONTROL.xruns, 1);
      Atomics.store(control, CONTROL.mode, MODE.dry);
    }
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    if (Atomics.load(this.#control, CONTROL.stop) !== 0) return false; // stopped: done for good
    const input = inputs[0] ?? NO_INPUT;
    const inL = input[0];
    const inR = input[1] ?? inL;
    // Delay line: write this quantum, read the one `latency` frames ago.
    const delay = this.#delay;
    const size = delay.length;
    const lag = 2 * this.#latency;
    for (let i = 0; i < RENDER_QUANTUM; i++) {
      const w = (this.#delayAt + 2 * i) % size;
      const r = (w - lag + size) % size;
      this.#dry[2 * i] = delay[r]!;
      this.#dry[2 * i + 1] = delay[r + 1]!;
      delay[w] = inL ? inL[i]! : 0;
      delay[w + 1] = inR ? inR[i]! : 0;
    }
    this.#delayAt = (this.#delayAt + 2 * RENDER_QUANTUM) % size;

    // The stem frame this quantum plays: that of the input frame taken `latency` frames ago.
    const position = this.#taken - this.#latency;
    this.#capture.take(inL, inR);
    this.#taken += RENDER_QUANTUM;
    Atomics.add(this.#control, CONTROL.quanta, 1);
    Atomics.notify(this.#control, CONTROL.quanta);
    let have = 0;
    if (position >= 0) {
      // Drop stem frames that came too late for their time.
      let behind = position - this.#consumed;
      while (behind > 0) {
        const n = Math.min(behind, this.#available(), this.#trash.length >> 1);
        if (n <= 0) break;
        for (let s = 0; s < this.#rings.length; s++) this.#rings[s]!.pop(this.#trash, 2 * n);
        this.#consumed += n;
        behind -= n;
        Atomics.add(this.#control, CONTROL.late, n);
      }
      if (this.#consumed === position) have = this.#available();
    }
    const now = have >= RENDER_QUANTUM;
    const next = have >= 2 * RENDER_QUANTUM;
    const count = this.#rings.length;
    // Cross-fade direction for this quantum: +1 dry → stems, -1 stems → dry, 0 none.
    let fade = 0;
    if (this.#stems && !next) {
      fade = now ? -1 : 0;
      this.#stems = false;
    } else if (!this.#stems && next) {
      fade = 1;
      this.#stems = true;
    }
    const useStems = now && (this.#stems || fade === -1);
    let filled = false;
    if (useStems) {
      filled = this.#filled(this.#consumed);
      for (let s = 0; s < count; s++) this.#rings[s]!.pop(this.#block[s]!, 2 * RENDER_QUANTUM);
      this.#consumed += RENDER_QUANTUM;
      Atomics.add(this.#control, CONTROL.stemQuanta, 1);
    }
    if (position >= 0) this.#count(!useStems || filled ? 'dry' : fade !== 0 ? 'fade' : 'stems');
    const share = 1 / count;
    for (let s = 0; s < count; s++) {
      const out = outputs[s];
      if (!out) continue;
      const l = out[0];
      const r = out[1];
      const block = this.#block[s]!;
      const dry = this.#dry;
      for (let i = 0; i < RENDER_QUANTUM; i++) {
        const t = (i + 0.5) / RENDER_QUANTUM;
        const w = !useStems ? 0 : fade === 1 ? t : fade === -1 ? 1 - t : 1;
        const vl = w * (useStems ? block[2 * i]! : 0) + (1 - w) * share * dry[2 * i]!;
        const vr = w * (useStems ? block[2 * i + 1]! : 0) + (1 - w) * share * dry[2 * i + 1]!;
        if (l) l[i] = vl;
        if (r) r[i] = vr;
      }
    }
    return true;
  }
}

registerProcessor('demucs-live', LiveProcessor);
