/**
 * What the mixer's parts share: they render into the mixer's shadow root (so its one stylesheet
 * and its `::part`s cover them), draw the properties they are given, and tell the mixer what the
 * user did with one typed, bubbling event, `demucs-part-action`, whose detail is a PartAction.
 * A part never holds the mixer: rendered alone, it works with plain properties and a listener.
 */
import { LitElement } from 'lit';
import type { LatencyPreset } from '../../src/core/live.ts';
import type { OutputFormat } from '../../src/core/output-formats.ts';
import type { StemName } from '../../src/core/stems.ts';
import type { LiveSource } from '../audio/live-input.ts';

/** What the user did in a part, for the mixer to carry out. */
export type PartAction =
  | { readonly type: 'load'; readonly file: File }
  | { readonly type: 'play' }
  | { readonly type: 'pause' }
  | { readonly type: 'seek'; readonly seconds: number }
  | { readonly type: 'set-loop'; readonly start: number; readonly end: number }
  | { readonly type: 'toggle-loop' }
  | { readonly type: 'clear-loop' }
  | { readonly type: 'karaoke' }
  | { readonly type: 'karaoke-amount'; readonly amount: number }
  | { readonly type: 'vocals-only'; readonly on: boolean }
  | { readonly type: 'help'; readonly open: boolean }
  | { readonly type: 'key'; readonly semitones: number }
  | { readonly type: 'tempo'; readonly percent: number }
  | { readonly type: 'gain'; readonly stem: StemName; readonly db: number }
  | { readonly type: 'pan'; readonly stem: StemName; readonly pan: number }
  | { readonly type: 'mute'; readonly stem: StemName; readonly on: boolean }
  | { readonly type: 'solo'; readonly stem: StemName; readonly on: boolean }
  | { readonly type: 'isolate'; readonly stem: StemName }
  | { readonly type: 'output'; readonly stem: StemName; readonly deviceId: string }
  | { readonly type: 'master-gain'; readonly db: number }
  | { readonly type: 'reset-mix' }
  | { readonly type: 'export'; readonly what: 'stems' | 'mix'; readonly format: OutputFormat; readonly bits?: 16 | 24; readonly bitrate?: number; readonly lossless?: boolean; readonly withKeyAndTempo?: boolean }
  | { readonly type: 'live-start'; readonly source: LiveSource; readonly latency: LatencyPreset; readonly fileModel?: boolean }
  | { readonly type: 'live-stop' };

export const PART_ACTION = 'demucs-part-action';
export type PartActionEvent = CustomEvent<PartAction>;

declare global {
  interface GlobalEventHandlersEventMap {
    'demucs-part-action': PartActionEvent;
  }
}

export abstract class MixerPart extends LitElement {
  /** Rendered into the mixer's shadow root: its styles and parts apply. */
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /** Tells the mixer what the user did (bubbles to it, not past its shadow root). */
  protected act(action: PartAction): void {
    this.dispatchEvent(new CustomEvent(PART_ACTION, { detail: action, bubbles: true }));
  }
}
