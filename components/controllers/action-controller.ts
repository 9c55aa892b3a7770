/**
 * What the mixer does with its parts' actions (`demucs-part-action`, heard on its shadow root):
 * each is a call of the element's public API, so a click does exactly what the same call from a
 * page does.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { StemName } from '../../src/core/stems.ts';
import type { LiveOptions } from '../audio/live-input.ts';
import { PART_ACTION, type PartAction, type PartActionEvent } from '../parts/mixer-part.ts';

/** The public methods the actions call (DemucsMixer has them all). */
export interface MixerCommands {
  karaokeAmount: number;
  load(file: File): Promise<void>;
  play(): Promise<void>;
  pause(): void;
  seek(seconds: number): void;
  setLoop(start: number, end: number): void;
  toggleLoop(): void;
  clearLoop(): void;
  karaoke(): void;
  setGain(stem: StemName, db: number): void;
  setPan(stem: StemName, pan: number): void;
  setMute(stem: StemName, mute: boolean): void;
  setSolo(stem: StemName, solo: boolean): void;
  isolate(stem: StemName): void;
  setMasterGain(db: number): void;
  resetMix(): void;
  exportStems(): Promise<Record<StemName, Blob>>;
  exportMix(): Promise<Blob>;
  startLive(options: LiveOptions): Promise<void>;
  stopLive(): Promise<void>;
}

/** What an action needs besides the commands: the help popover, and the song's name for exported files. */
export interface ActionContext {
  showHelp(open: boolean): void;
  readonly label: string;
}

/** The host: the commands, and the root its parts render into. */
export type ActionHost = ReactiveControllerHost & MixerCommands & { readonly renderRoot: HTMLElement | DocumentFragment };

export class ActionController implements ReactiveController {
  readonly #host: ActionHost;
  readonly #context: ActionContext;
  readonly #onAction = (e: PartActionEvent) => {
    e.stopPropagation();
    carryOut(this.#host, e.detail, this.#context);
  };

  constructor(host: ActionHost, context: ActionContext) {
    this.#host = host;
    this.#context = context;
    host.addController(this);
  }

  hostConnected(): void {
    this.#host.renderRoot.addEventListener(PART_ACTION, this.#onAction as EventListener);
  }

  hostDisconnected(): void {
    this.#host.renderRoot.removeEventListener(PART_ACTION, this.#onAction as EventListener);
  }
}

/**
 * Carries out one action. Failures a call reports itself (a `demucs-error` and the status line)
 * are not thrown again here: a click has no caller to catch them.
 */
export function carryOut(mixer: MixerCommands, action: PartAction, context: ActionContext): void {
  const quietly = (promise: Promise<unknown>) => void promise.catch(() => undefined);
  switch (action.type) {
    case 'load': return quietly(mixer.load(action.file));
    case 'play': return quietly(mixer.play());
    case 'pause': return mixer.pause();
    case 'seek': return mixer.seek(action.seconds);
    case 'set-loop': return mixer.setLoop(action.start, action.end);
    case 'toggle-loop': return mixer.toggleLoop();
    case 'clear-loop': return mixer.clearLoop();
    case 'karaoke': return mixer.karaoke();
    case 'karaoke-amount': return void (mixer.karaokeAmount = action.amount);
    case 'vocals-only': return action.on ? mixer.isolate('vocals') : mixer.setSolo('vocals', false);
    case 'help': return context.showHelp(action.open);
    case 'gain': return mixer.setGain(action.stem, action.db);
    case 'pan': return mixer.setPan(action.stem, action.pan);
    case 'mute': return mixer.setMute(action.stem, action.on);
    case 'solo': return mixer.setSolo(action.stem, action.on);
    case 'isolate': return mixer.isolate(action.stem);
    case 'master-gain': return mixer.setMasterGain(action.db);
    case 'reset-mix': return mixer.resetMix();
    case 'export': return quietly(download(mixer, action.what, context.label));
    case 'live-start': return quietly(mixer.startLive({ source: action.source, latency: action.latency }));
    case 'live-stop': return quietly(mixer.stopLive());
  }
}

/** Exports the stems or the mix and hands them to the browser as downloads named after the song. */
async function download(mixer: MixerCommands, what: 'stems' | 'mix', label: string): Promise<void> {
  const base = label.replace(/\.[^.]*$/, '') || 'song';
  const files: [string, Blob][] =
    what === 'mix' ? [[`${base}-mix.wav`, await mixer.exportMix()]] : Object.entries(await mixer.exportStems()).map(([stem, blob]) => [`${base}-${stem}.wav`, blob]);
  for (const [name, blob] of files) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }
}
