/**
 * The mixer's audio graph and progressive playback. Each stem plays through its own GainNode
 * (fader × mute/solo), its pan and an AnalyserNode (meter) into `destination` (the mixer's
 * master). Separated regions arrive over time; playback starts as soon as there
 * is one, and never runs past what is separated: it waits there and resumes by itself.
 *
 * At a tempo other than the song's, every source plays at that speed (`setSpeed`): the stems
 * stay in step, and positions stay in the song's frames. What follows the player may delay
 * what is heard (`outputDelay`, the key and tempo stretch): the playhead is what is heard.
 *
 * With a `reader` (the stems on disk, stem-store.worker.ts) only a window around the playhead is
 * kept in memory: regions outside it are dropped as they arrive, and the stretch ahead of the
 * playhead is read back from disk as it plays (or after a seek), so memory does not grow with
 * the song. Without one, every region is kept.
 */
import { CHANNELS, SAMPLE_RATE } from '../../src/core/constants.ts';
import type { StemName } from '../../src/core/stems.ts';
import { StemChannels } from './stem-channels.ts';
import { StemRegions, type Region } from './stem-regions.ts';

export type PlayState = 'stopped' | 'playing' | 'waiting';

/** How often the playhead is checked against the separated part (ms). */
const WATCH_MS = 40;
/** With a reader: seconds kept ahead of the playhead, and behind it. */
const AHEAD = 20 * SAMPLE_RATE;
const BEHIND = 2 * SAMPLE_RATE;
/** Frames read back from disk at a time. */
const FETCH = 8 * SAMPLE_RATE;
/**
 * Seconds ahead playback starts, and a change of speed is made: every source is scheduled
 * before its time comes even when the main thread is slow (a source scheduled late starts
 * where the playhead has got to, not where it was asked to).
 */
const START_LEAD = 0.05;
/** The longest loop (s): a loop plays from buffers of its own (stems × 2 channels × its length in memory). */
export const MAX_LOOP_SECONDS = 60;

/** A loop region in frames, [start, end). */
export interface FrameLoop {
  readonly start: number;
  readonly end: number;
}

/** Stems read back from where they are kept: channels[s] = [left, right] for [from, from + length). */
export interface StemReader {
  read(from: number, length: number): Promise<Float32Array[][]>;
}

export class StemPlayer {
  readonly context: BaseAudioContext;
  readonly stems: readonly StemName[];
  /** Track length in samples. */
  readonly length: number;
  /** Each stem's fader, pan and meter (stem-channels.ts). */
  readonly channels: StemChannels;
  readonly stemGains: GainNode[];
  readonly stemPans: StereoPannerNode[];
  readonly analysers: AnalyserNode[];
  readonly #regions = new StemRegions();
  readonly #reader: StemReader | null;
  #fetching = false;
  #available = 0;
  #state: PlayState = 'stopped';
  /** Playhead (samples) at #t0 (context time) while playing; the playhead itself otherwise. */
  #origin = 0;
  #t0 = 0;
  #sources: AudioBufferSourceNode[] = [];
  #watch: ReturnType<typeof setInterval> | null = null;
  #loop: FrameLoop | null = null;
  /** The loop's own buffers (one stereo AudioBuffer per stem), once read; and whether its sources play. */
  #loopBuffers: AudioBuffer[] | null = null;
  #looping = false;
  /** Song frames per context frame (the tempo). */
  #speed = 1;
  /** Seconds from the player's output to what is heard (the stretch after it). */
  outputDelay = 0;
  onStateChange: ((state: PlayState) => void) | null = null;

  constructor(context: BaseAudioContext, stems: readonly StemName[], length: number, destination: AudioNode | null = context.destination, reader: StemReader | null = null) {
    this.context = context;
    this.#reader = reader;
    this.stems = stems;
    this.length = length;
    this.channels = new StemChannels(context, stems.length, destination);
    ({ gains: this.stemGains, pans: this.stemPans, analysers: this.analysers } = this.channels);
  }

  /** Samples separated so far, contiguous from the start. */
  get available(): number {
    return this.#available;
  }

  get state(): PlayState {
    return this.#state;
  }

  /** The playhead in the song's frames: what is heard now. */
  get position(): number {
    return this.#at(this.context.currentTime - this.outputDelay);
  }

  /** Song frames played per frame of the context (1: the song's tempo). */
  get speed(): number {
    return this.#speed;
  }

  /** The song frame the sources play at context time `time`. */
  #at(time: number): number {
    if (this.#state !== 'playing') return this.#origin;
    // Sources start slightly after #t0 was set: before that, the playhead is at the origin.
    const played = Math.max(0, time - this.#t0) * SAMPLE_RATE * this.#speed;
    const loop = this.#loop;
    if (this.#looping && loop) return loop.start + ((this.#origin - loop.start + played) % (loop.end - loop.start));
    return Math.min(this.length, this.#origin + played);
  }

  /** Where the sources play now (ahead of what is heard by the output delay). */
  get #playing(): number {
    return this.#at(this.context.currentTime);
  }

  /**
   * Plays at `speed` song frames per frame (the pitch moves with it; the stretch after the
   * player moves it back). Playing, every source changes speed at the same frame, without a gap
   * or a repeat. Returns the context time the change is heard from (before the output delay).
   */
  setSpeed(speed: number): number {
    const now = this.context.currentTime;
    if (speed === this.#speed) return now;
    if (this.#state !== 'playing') {
      this.#speed = speed;
      return now;
    }
    // A frame boundary ahead: the old sources stop there, the new ones start there.
    const at = Math.ceil((now + START_LEAD) * SAMPLE_RATE) / SAMPLE_RATE;
    const from = this.#at(at);
    this.#stopSources(at);
    this.#origin = from;
    this.#t0 = at;
    this.#speed = speed;
    if (this.#loop) this.#startLoop();
    else for (const region of this.#regions.all) this.#schedule(region);
    return at;
  }

  /** The loop region (frames), null without one. */
  get loop(): FrameLoop | null {
    return this.#loop;
  }

  /**
   * Loops [start, end) frames, sample-accurately (each stem's loop is one AudioBuffer played
   * with loop = true: no seam between passes), or stops looping (null). Playing, the playhead
   * goes on from where it is (into the loop's start when it is outside the loop); the loop
   * plays once it is separated.
   */
  setLoop(loop: FrameLoop | null): void {
    const same = loop && this.#loop && loop.start === this.#loop.start && loop.end === this.#loop.end;
    if (same || (!loop && !this.#loop)) return;
    if (loop && !(loop.start >= 0 && loop.end <= this.length && loop.end > loop.start && loop.end - loop.start <= MAX_LOOP_SECONDS * SAMPLE_RATE)) {
      throw new RangeError(`a loop is 1 frame to ${MAX_LOOP_SECONDS} s within the song`);
    }
    const at = this.position;
    const was = this.#state;
    this.#stopSources();
    this.#loop = loop ? { start: Math.round(loop.start), end: Math.round(loop.end) } : null;
    this.#loopBuffers = null;
    this.#looping = false;
    this.#origin = Math.min(Math.floor(at), this.length);
    if (was === 'stopped') return;
    this.#state = 'stopped';
    this.#start();
  }

  /** Whether playback can start at the origin now: the loop read into memory, or the origin's region there. */
  #ready(): boolean {
    return this.#loop ? this.#loopBuffers !== null : this.#covered(this.#origin);
  }

  /** Reads the loop's stems (from disk, or the regions in memory) into buffers of their own, then starts. */
  #loadLoop(loop: FrameLoop): void {
    const length = loop.end - loop.start;
    const done = (channels: Float32Array[][]) => {
      if (this.#loop !== loop) return;
      this.#loopBuffers = channels.map(([left, right]) => {
        const buffer = new AudioBuffer({ numberOfChannels: CHANNELS, length, sampleRate: SAMPLE_RATE });
        buffer.copyToChannel(left! as Float32Array<ArrayBuffer>, 0);
        buffer.copyToChannel(right! as Float32Array<ArrayBuffer>, 1);
        return buffer;
      });
      if (this.#state === 'waiting') this.#start();
    };
    if (this.#reader) void this.#reader.read(loop.start, length).then(done, () => undefined);
    else done(this.stems.map((_, s) => [this.#regions.read(s, 0, loop.start, length), this.#regions.read(s, 1, loop.start, length)]));
  }

  /** Adds a separated region: channels[s] = [left, right] of stem s (contiguous with the last, in order). */
  addRegion(start: number, channels: readonly Float32Array[][]): void {
    const length = channels[0]![0]!.length;
    this.#available = Math.max(this.#available, start + length);
    if (!this.#reader || this.#inWindow(start, length)) this.#keep(start, channels);
    if (this.#state === 'waiting' && (this.#loop ? this.#available >= this.#loop.end : this.#covered(this.#origin))) this.#start();
  }

  /**
   * Frames [0, frames) are separated and on disk (a stored separation reopened): with a reader,
   * they play from there as if their regions had come.
   */
  markSeparated(frames: number): void {
    if (!this.#reader) return;
    this.#available = Math.max(this.#available, Math.min(this.length, frames));
    if (this.#state === 'waiting') this.#start();
  }

  /**
   * Only frames [0, frames) are to play, those on disk (the rest could not be kept): regions
   * in memory that reach past them go; what of them is on disk is read back as it plays.
   */
  limit(frames: number): void {
    if (frames >= this.#available) return;
    this.#available = frames;
    this.#regions.dropPast(frames);
    if (this.#state === 'playing') {
      const origin = this.position;
      this.seek(origin);
    }
  }

  /** Regions kept in memory, and their frames (with a reader, a window around the playhead). */
  get kept(): { regions: number; frames: number } {
    return this.#regions.kept;
  }

  #keep(start: number, channels: readonly Float32Array[][]): void {
    const region = this.#regions.keep(start, channels);
    if (region && this.#state === 'playing' && !this.#looping) this.#schedule(region);
  }

  /** Whether [start, start + length) overlaps the window kept around the playhead. */
  #inWindow(start: number, length: number): boolean {
    const at = this.#playing;
    return start < at + AHEAD && start + length > at - BEHIND;
  }

  /** Whether the sample at `at` can play now (in memory), or is the end of the track. */
  #covered(at: number): boolean {
    return at >= this.length || this.#regions.coveredUntil(at) > at;
  }

  /** With a reader: drops what is behind the window and reads back the next stretch ahead. */
  #refill(): void {
    if (!this.#reader) return;
    const at = this.#playing;
    this.#regions.keepWithin(at - BEHIND, at + 2 * AHEAD);
    if (this.#fetching) return;
    const from = this.#regions.coveredUntil(at);
    const to = Math.min(this.#available, at + AHEAD, from + FETCH);
    if (to <= from) return;
    this.#fetching = true;
    void this.#reader
      .read(from, to - from)
      .then((channels) => {
        this.#fetching = false;
        // Still wanted (no seek elsewhere meanwhile) and not already there.
        if (this.#inWindow(from, to - from) && this.#regions.coveredUntil(from) === from) this.#keep(from, channels);
        if (this.#state === 'waiting' && this.#ready()) this.#start();
        else this.#refill();
      })
      .catch(() => {
        this.#fetching = false;
      });
  }

  /** A stem's samples [from, from + length) of one channel, from the regions in memory (zeros where none). */
  read(stem: number, channel: number, from: number, length: number): Float32Array {
    return this.#regions.read(stem, channel, from, length);
  }

  setGains(linear: readonly number[]): void {
    this.channels.setGains(linear);
  }

  /** Pans, −1 (left) … 1 (right). */
  setPans(pans: readonly number[]): void {
    this.channels.setPans(pans);
  }

  play(): void {
    if (this.#state !== 'stopped') return;
    if (this.#origin >= this.length && !this.#loop) this.#origin = 0;
    this.#start();
  }

  pause(): void {
    if (this.#state === 'stopped') return;
    this.#origin = this.position;
    this.#stopSources();
    this.#setState('stopped');
  }

  seek(samples: number): void {
    const target = Math.max(0, Math.min(this.length, Math.round(samples)));
    const was = this.#state;
    this.#stopSources();
    this.#origin = target;
    if (was === 'stopped') return;
    this.#state = 'stopped';
    this.#start();
  }

  dispose(): void {
    this.#stopSources();
    this.#state = 'stopped';
    this.channels.disconnect();
  }

  #start(): void {
    const loop = this.#loop;
    if (loop) {
      if (this.#origin < loop.start || this.#origin >= loop.end) this.#origin = loop.start;
      // Not separated yet: wait (addRegion starts it); separated: read it into its buffers.
      if (this.#available < loop.end || !this.#loopBuffers) {
        this.#setState('waiting');
        if (this.#available >= loop.end) this.#loadLoop(loop);
        return;
      }
      this.#t0 = this.context.currentTime + START_LEAD;
      this.#setState('playing');
      this.#startLoop();
      return;
    }
    if ((this.#origin >= this.#available && this.#available < this.length) || !this.#covered(this.#origin)) {
      // Not separated yet, or separated but on disk: wait until it is in memory.
      this.#setState('waiting');
      this.#ensureWatch();
      this.#refill();
      return;
    }
    this.#t0 = this.context.currentTime + START_LEAD;
    this.#setState('playing');
    for (const region of this.#regions.all) this.#schedule(region);
    this.#ensureWatch();
  }

  /** The loop's sources, from #origin at #t0: one looping buffer per stem. */
  #startLoop(): void {
    const loop = this.#loop!;
    this.#looping = true;
    this.#loopBuffers!.forEach((buffer, s) => {
      const source = this.#source(buffer, s);
      source.loop = true;
      source.start(this.#t0, (this.#origin - loop.start) / SAMPLE_RATE);
    });
  }

  #schedule(region: Region): void {
    const end = region.start + region.length;
    if (end <= this.#origin) return;
    const offset = Math.max(0, this.#origin - region.start);
    const when = this.#t0 + (region.start + offset - this.#origin) / SAMPLE_RATE / this.#speed;
    const now = this.context.currentTime;
    // A region that arrives late (its time has come) starts where the playhead is now.
    const late = Math.max(0, now - when);
    if (offset / SAMPLE_RATE + late * this.#speed >= region.length / SAMPLE_RATE) return;
    region.buffers.forEach((buffer, s) => this.#source(buffer, s).start(when + late, offset / SAMPLE_RATE + late * this.#speed));
  }

  /** A source of stem `s` at the player's speed, into its fader; it leaves the list when it ends. */
  #source(buffer: AudioBuffer, s: number): AudioBufferSourceNode {
    const source = new AudioBufferSourceNode(this.context, { buffer, playbackRate: this.#speed });
    source.connect(this.stemGains[s]!);
    source.onended = () => {
      source.disconnect();
      const i = this.#sources.indexOf(source);
      if (i >= 0) this.#sources.splice(i, 1);
    };
    this.#sources.push(source);
    return source;
  }

  #ensureWatch(): void {
    if (this.#watch !== null) return;
    this.#watch = setInterval(() => {
      if (this.#state === 'playing' && !this.#looping) {
        const position = this.#playing;
        if (this.position >= this.length) {
          this.#stopSources();
          this.#origin = this.length;
          this.#setState('stopped');
        } else if (position >= this.#available || !this.#covered(Math.floor(position))) {
          // Caught up with the separation (or with what is read back): hold here until more comes.
          this.#stopSources();
          this.#origin = Math.min(Math.floor(position), this.#available);
          this.#setState('waiting');
          this.#refill();
        } else this.#refill();
      }
      if (this.#state === 'stopped' && this.#watch !== null) {
        clearInterval(this.#watch);
        this.#watch = null;
      }
    }, WATCH_MS);
  }

  /** Stops every source now, or at context time `at` (they leave the list as they end). */
  #stopSources(at?: number): void {
    this.#looping = false;
    for (const source of this.#sources) {
      try {
        source.stop(at);
      } catch {
        // never started
      }
      if (at === undefined) source.disconnect();
    }
    if (at === undefined) this.#sources = [];
  }

  #setState(state: PlayState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.onStateChange?.(state);
  }
}
