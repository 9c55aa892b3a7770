/**
 * The mixer's keyboard map (help.ts lists it): Space play/pause, ←/→ seek, Home/End, L loop,
 * +/− zoom, [ ] key, , . tempo, ? help; on a focused strip M, S, I and ↑/↓. Keys a focused control takes itself (a
 * range's arrows, a button's Space, a select's) stay with it.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { KEY_MAX, KEY_MIN, TEMPO_MAX, TEMPO_MIN } from '../../src/core/constants.ts';
import { FADER_MIN_DB } from '../../src/core/mixing.ts';
import type { StemName } from '../../src/core/stems.ts';
import type { PlayState } from '../audio/stem-player.ts';
import type { DemucsStrip } from '../parts/demucs-strip.ts';
import type { Zoomable } from '../parts/demucs-timeline.ts';

/** Seconds ←/→ seek (with Shift: the fine step). */
const SEEK_STEP = 5;
const SEEK_FINE = 1;
/** dB ↑/↓ move a focused strip's fader. */
const GAIN_STEP = 1;
/** Semitones [ / ] move the key (with Shift, { / }: cents). */
const KEY_STEP = 1;
const KEY_FINE = 0.1;
/** Percent , / . move the tempo (with Shift, < / >: the fine step). */
const TEMPO_STEP = 5;
const TEMPO_FINE = 1;

/** The element the keys act on: what they read and the public methods they call. */
export interface KeyboardHost extends ReactiveControllerHost, EventTarget {
  readonly playState: PlayState;
  readonly duration: number;
  readonly currentTime: number;
  key: number;
  tempo: number;
  play(): Promise<void>;
  pause(): void;
  seek(seconds: number): void;
  toggleLoop(): void;
  clearLoop(): void;
  setGain(stem: StemName, db: number): void;
  setMute(stem: StemName, mute: boolean): void;
  setSolo(stem: StemName, solo: boolean): void;
  isolate(stem: StemName): void;
}

/** What the keys reach besides the host's methods: the help popover and the timeline's zoom. */
export interface KeyboardTargets {
  /** Opens (true), closes (false) or toggles (no argument) the shortcuts' help. */
  toggleHelp(open?: boolean): void;
  timeline(): Zoomable | null;
}

export class KeyboardController implements ReactiveController {
  readonly #host: KeyboardHost;
  readonly #targets: KeyboardTargets;
  readonly #onKey = (e: Event) => this.#key(e as KeyboardEvent);

  constructor(host: KeyboardHost, targets: KeyboardTargets) {
    this.#host = host;
    this.#targets = targets;
    host.addController(this);
  }

  hostConnected(): void {
    this.#host.addEventListener('keydown', this.#onKey);
  }

  hostDisconnected(): void {
    this.#host.removeEventListener('keydown', this.#onKey);
  }

  #key(e: KeyboardEvent): void {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.composedPath()[0];
    const element = target instanceof Element ? target : null;
    const tag = element?.tagName;
    const range = tag === 'INPUT' && (element as HTMLInputElement).type === 'range';
    const ownsKeys = tag === 'SELECT' || (tag === 'INPUT' && !range) || tag === 'TEXTAREA';
    if (ownsKeys) return;
    const mixer = this.#host;
    // The strip the key was pressed in, if any (the event's path: no look into a part's DOM).
    const strip = (e.composedPath().find((node) => node instanceof Element && node.localName === 'demucs-strip') as DemucsStrip | undefined) ?? null;
    const handled = (strip && this.#stripKey(e, strip, range)) || this.#mixerKey(e, mixer, range, tag === 'BUTTON');
    if (handled) e.preventDefault();
  }

  /** M, S, I and ↑/↓ (unless a range of the strip takes the arrows) on a focused strip. */
  #stripKey(e: KeyboardEvent, strip: DemucsStrip, range: boolean): boolean {
    const mixer = this.#host;
    const stem = strip.stem;
    const c = strip.controls;
    switch (e.key.toLowerCase()) {
      case 'm':
        mixer.setMute(stem, !c.mute);
        return true;
      case 's':
        mixer.setSolo(stem, !c.solo);
        return true;
      case 'i':
        mixer.isolate(stem);
        return true;
      case 'arrowup':
      case 'arrowdown':
        if (range) return false;
        mixer.setGain(stem, Math.max(FADER_MIN_DB, c.gainDb) + (e.key === 'ArrowUp' ? GAIN_STEP : -GAIN_STEP));
        return true;
    }
    return false;
  }

  #mixerKey(e: KeyboardEvent, mixer: KeyboardHost, range: boolean, button: boolean): boolean {
    switch (e.key) {
      case ' ':
        if (button) return false;
        if (mixer.playState === 'stopped') void mixer.play().catch(() => undefined);
        else mixer.pause();
        return true;
      case 'ArrowLeft':
      case 'ArrowRight': {
        if (range) return false;
        const step = (e.shiftKey ? SEEK_FINE : SEEK_STEP) * (e.key === 'ArrowLeft' ? -1 : 1);
        mixer.seek(Math.max(0, Math.min(mixer.duration, mixer.currentTime + step)));
        return true;
      }
      case 'Home':
      case 'End':
        if (range) return false;
        mixer.seek(e.key === 'Home' ? 0 : mixer.duration);
        return true;
      case 'l':
        mixer.toggleLoop();
        return true;
      case 'L':
        mixer.clearLoop();
        return true;
      case '+':
      case '=':
      case '-':
      case '−': {
        this.#targets.timeline()?.zoomBy(e.key === '+' || e.key === '=' ? 2 : 0.5);
        return true;
      }
      case '[':
      case ']':
      case '{':
      case '}': {
        const step = (e.key === '[' || e.key === ']' ? KEY_STEP : KEY_FINE) * (e.key === '[' || e.key === '{' ? -1 : 1);
        mixer.key = Math.round(Math.max(KEY_MIN, Math.min(KEY_MAX, mixer.key + step)) * 100) / 100;
        return true;
      }
      case ',':
      case '.':
      case '<':
      case '>': {
        const step = (e.key === ',' || e.key === '.' ? TEMPO_STEP : TEMPO_FINE) * (e.key === ',' || e.key === '<' ? -1 : 1);
        mixer.tempo = Math.max(TEMPO_MIN, Math.min(TEMPO_MAX, mixer.tempo + step));
        return true;
      }
      case '?':
        this.#targets.toggleHelp();
        return true;
      case 'Escape':
        this.#targets.toggleHelp(false);
        return true;
    }
    return false;
  }
}
