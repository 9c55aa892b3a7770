/**
 * What the mixer does with its parts' actions (`demucs-part-action`, heard on its shadow root):
 * each is a call of the element's public API, so a click does exactly what the same call from a
 * page does.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { EXTENSION, NI_STEMS_EXTENSION, type OutputFormat } from '../../src/core/output-formats.ts';
import type { StemName } from '../../src/core/stems.ts';
import type { ExportOptions } from './export-request.ts';
import type { LiveOptions } from '../audio/live-input.ts';
import { PART_ACTION, type PartAction, type PartActionEvent } from '../parts/mixer-part.ts';

/** The public methods the actions call (DemucsMixer has them all). */
export interface MixerCommands {
  karaokeAmount: number;
  key: number;
  tempo: number;
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
  setStemOutput(stem: StemName, deviceId: string): Promise<void>;
  setMasterGain(db: number): void;
  resetMix(): void;
  exportStems(format: OutputFormat, options: ExportOptions): Promise<Record<StemName, Blob>>;
  exportMix(format: OutputFormat, options: ExportOptions): Promise<Blob>;
  exportNiStems(options: ExportOptions): Promise<Blob>;
  startLive(options: LiveOptions): Promise<void>;
  stopLive(): Promise<void>;
}

/**
 * What an action needs besides the commands: the help popover, the song's name for exported
 * files, and where an export's progress shows (null: none runs).
 */
export interface ActionContext {
  showHelp(open: boolean): void;
  readonly label: string;
  exportProgress(fraction: number | null): void;
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
    case 'key': return void (mixer.key = action.semitones);
    case 'tempo': return void (mixer.tempo = action.percent);
    case 'gain': return mixer.setGain(action.stem, action.db);
    case 'pan': return mixer.setPan(action.stem, action.pan);
    case 'mute': return mixer.setMute(action.stem, action.on);
    case 'solo': return mixer.setSolo(action.stem, action.on);
    case 'isolate': return mixer.isolate(action.stem);
    case 'output': return quietly(mixer.setStemOutput(action.stem, action.deviceId));
    case 'master-gain': return mixer.setMasterGain(action.db);
    case 'reset-mix': return mixer.resetMix();
    case 'export': return quietly(download(mixer, action, context));
    case 'live-start': return quietly(mixer.startLive({ source: action.source, latency: action.latency, ...(action.fileModel ? { fileModel: true } : {}) }));
    case 'live-stop': return quietly(mixer.stopLive());
  }
}

/**
 * Exports the stems or the mix in the chosen format and hands them to the browser as downloads
 * named after the song (`song-vocals.flac`, `song-mix.mp3`, `song.stem.mp4`), the progress shown.
 */
async function download(mixer: MixerCommands, action: Extract<PartAction, { type: 'export' }>, context: ActionContext): Promise<void> {
  const base = context.label.replace(/\.[^.]*$/, '') || 'song';
  const options: ExportOptions = {
    ...(action.bits ? { bits: action.bits } : {}),
    ...(action.bitrate ? { bitrate: action.bitrate } : {}),
    ...(action.lossless ? { lossless: true } : {}),
    ...(action.withKeyAndTempo ? { withKeyAndTempo: true } : {}),
    onProgress: (fraction) => context.exportProgress(fraction),
  };
  let files: [string, Blob][];
  context.exportProgress(0);
  try {
    if (action.format === 'stem') {
      files = [[`${base}${NI_STEMS_EXTENSION}`, await mixer.exportNiStems({ ...options, mix: action.what === 'mix' ? 'heard' : 'song' })]];
    } else {
      const ext = EXTENSION[action.format];
      files =
        action.what === 'mix'
          ? [[`${base}-mix.${ext}`, await mixer.exportMix(action.format, options)]]
          : Object.entries(await mixer.exportStems(action.format, options)).map(([stem, blob]) => [`${base}-${stem}.${ext}`, blob]);
    }
  } finally {
    context.exportProgress(null);
  }
  for (const [name, blob] of files) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }
}
