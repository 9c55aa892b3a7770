/**
 * What live mode listens to and how fast it must answer: the input node for a live source (the
 * microphone, a media element, a stream, a file played as if live, or a node of the page), with
 * what must be released when it stops, and the timing for a latency request and a model's window.
 */
import { SAMPLE_RATE } from '../../src/core/constants.ts';
import { DemucsError, describeError } from '../../src/core/errors.ts';
import { HTDEMUCS_GEOMETRY, type Geometry } from '../../src/core/geometry.ts';
import { LATENCY_PRESETS, latencyPreset, type LatencyPreset, type LiveTiming } from '../../src/core/live.ts';
import { decodeBuffer } from './decode-audio.ts';
import type { LiveStall } from '../../src/core/live-shared.ts';
import type { LiveStage } from './live-pipeline.ts';

/**
 * What live mode listens to: the microphone (or line in), a media element, a stream, a file
 * played as if live, or any AudioNode of the mixer's context (`output.context`).
 */
export type LiveSource = 'microphone' | HTMLMediaElement | MediaStream | Blob | AudioNode;

export interface LiveOptions {
  readonly source: LiveSource;
  /** Run the file model even where `live-model` names another (its longer window separates better). */
  readonly fileModel?: boolean;
  /** A preset (default 'balanced'), a latency in seconds, or an explicit timing (samples). */
  readonly latency?: LatencyPreset | number | LiveTiming;
  /**
   * Fit the latency to this device (default true): from a run timed when the model loads, start
   * with the hop (and so the latency) that holds, in one step; should runs later turn slower,
   * restart with a larger hop.
   */
  readonly autoLatency?: boolean;
  /** Test hook: every run takes at least this long, the one timed at load included (a slow model). */
  readonly minRunMilliseconds?: number;
  /** Test hook: runs after the start take at least this long (a device that slows down once live). */
  readonly minRunMillisecondsAfterStart?: number;
  /** Test hook: the worker stalls once, for `milliseconds`, after its run number `afterRuns`. */
  readonly stallForTests?: LiveStall;
  /** Test hook: awaited at each stage of a start (a start or an automatic restart). */
  readonly hold?: (stage: LiveStage) => Promise<void> | void;
}

/** Live timing for a latency given in seconds: 40 % lookahead, 40 % hop, 20 % margin. */
export function timingForLatency(seconds: number, geometry: Geometry = HTDEMUCS_GEOMETRY): LiveTiming {
  const crossfade = 1024;
  // Hop and lookahead (0.8 of the latency) must fit in the model's window with the cross-fade.
  const d = Math.min(Math.max(0.3, seconds) * SAMPLE_RATE, (geometry.segment - crossfade - 2) / 0.8);
  return { hop: Math.round(0.4 * d), lookahead: Math.round(0.4 * d), margin: Math.max(crossfade, Math.round(0.2 * d)), crossfade };
}

/** Live timing for the model's segment: a preset (scaled to the window), a latency in seconds, or a timing. */
export function liveTiming(latency: LiveOptions['latency'], geometry: Geometry): LiveTiming {
  if (latency === undefined) return latencyPreset('balanced', geometry);
  if (typeof latency === 'string') {
    if (!(latency in LATENCY_PRESETS)) throw new DemucsError('BAD_ARGUMENT', `unknown latency preset "${latency}" (low, balanced, quality)`);
    return latencyPreset(latency, geometry);
  }
  if (typeof latency === 'number') return timingForLatency(latency, geometry);
  return latency;
}

/** The input node of live mode, made from a LiveSource, and what stopping it releases. */
export class LiveInput {
  /** Microphone streams opened and not yet stopped (to check that stopping releases them). */
  static openStreams = 0;
  /** One source node per media element: an element can feed only one in its lifetime. */
  readonly #mediaSources = new WeakMap<HTMLMediaElement, MediaElementAudioSourceNode>();
  #made: Made | null = null;

  /**
   * The node for `source` in `context` (a file starts playing when `start()` is called). When
   * `signal` aborts before the input is open, what was opened is released and the call rejects.
   */
  async open(context: AudioContext, source: LiveSource, signal?: AbortSignal): Promise<AudioNode> {
    this.stop();
    const made = await this.#make(context, source);
    if (signal?.aborted) {
      release(made);
      throw signal.reason;
    }
    this.#made = made;
    return made.node;
  }

  /** Starts a file played as if live (other sources are already running). */
  start(): void {
    const made = this.#made;
    if (made?.fromFile && made.node instanceof AudioBufferSourceNode) made.node.start();
  }

  /** Disconnects and stops what this made (a node the page gave stays as it is), releases the microphone. */
  stop(): void {
    if (this.#made) release(this.#made);
    this.#made = null;
  }

  async #make(context: AudioContext, source: LiveSource): Promise<Made> {
    if (source === 'microphone') {
      let stream: MediaStream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 2 },
        });
      } catch (error) {
        throw new DemucsError('AUDIO_CONTEXT', `no microphone: ${describeError(error)}`);
      }
      LiveInput.openStreams++;
      return { node: new MediaStreamAudioSourceNode(context, { mediaStream: stream }), own: true, fromFile: false, stream };
    }
    if (source instanceof MediaStream) return { node: new MediaStreamAudioSourceNode(context, { mediaStream: source }), own: true, fromFile: false };
    if (source instanceof AudioNode) {
      if (source.context !== context) throw new DemucsError('BAD_ARGUMENT', 'the live source node belongs to another AudioContext');
      return { node: source, own: false, fromFile: false };
    }
    if (source instanceof HTMLMediaElement) {
      let node = this.#mediaSources.get(source);
      if (!node) {
        node = new MediaElementAudioSourceNode(context, { mediaElement: source });
        this.#mediaSources.set(source, node);
      }
      return { node, own: true, fromFile: false };
    }
    // Decoded by the live context itself (at 44.1 kHz), played as it comes: no copies.
    const buffer = await decodeBuffer(await source.arrayBuffer(), (source as File).name || 'the file', context);
    return { node: new AudioBufferSourceNode(context, { buffer }), own: true, fromFile: true };
  }
}

/** An opened input: its node, whether this made it, and the microphone stream it holds. */
interface Made {
  readonly node: AudioNode;
  readonly own: boolean;
  readonly fromFile: boolean;
  readonly stream?: MediaStream;
}

function release({ node, own, stream }: Made): void {
  if (own) {
    node.disconnect();
    if (node instanceof AudioBufferSourceNode) {
      try {
        node.stop();
      } catch {
        // not started
      }
    }
  }
  if (stream) {
    stream.getTracks().forEach((t) => t.stop());
    LiveInput.openStreams--;
  }
}
