/**
 * Which device each stem plays on (karaoke hosts: the vocal guide in the singer's monitor, the
 * backing track in the room). Every stem is on the default device until `set` routes it to
 * another; each other device in use has an OutputRoute (its own AudioContext, fed from the
 * mixer's). The stems still come from the one player, so they stay in step; the offset between
 * the devices is measured when a route opens and the earlier output delayed by it.
 */
import { describeError } from '../../src/core/errors.ts';
import type { StemName } from '../../src/core/stems.ts';
import { OutputRoute } from '../audio/output-route.ts';
import type { KeyTempoStage } from '../audio/key-tempo-stage.ts';
import { faderToLinear } from '../../src/core/mixing.ts';
import type { MixerShared } from './mixer-host.ts';

/** An output device as the strips offer it. */
export interface OutputDevice {
  readonly deviceId: string;
  readonly label: string;
}

/** The default device's id (what every stem plays on at first). */
export const DEFAULT_OUTPUT = 'default';

export class OutputController {
  readonly #shared: MixerShared;
  /** Told when a route opens (its stage takes the key and tempo). */
  readonly #opened: () => void;
  /** Each stem's device, by name (a stem not here is on the default device). */
  readonly #outputs = new Map<StemName, string>();
  readonly #routes = new Map<string, Promise<OutputRoute>>();
  /** The routes open (resolved). */
  #open = new Map<string, OutputRoute>();
  /** Seconds the second device was measured behind the main output (negative: ahead); null before. */
  offset: number | null = null;
  devices: OutputDevice[] = [];

  constructor(shared: MixerShared, opened: () => void) {
    this.#shared = shared;
    this.#opened = opened;
    globalThis.navigator?.mediaDevices?.addEventListener?.('devicechange', () => void this.refreshDevices());
  }

  /** The output devices the browser lists (labels may be empty until the page may use a microphone). */
  async refreshDevices(): Promise<OutputDevice[]> {
    const listed = (await navigator.mediaDevices?.enumerateDevices?.().catch(() => [])) ?? [];
    const outputs = listed.filter((d) => d.kind === 'audiooutput' && d.deviceId);
    this.devices = outputs.map((d, k) => ({ deviceId: d.deviceId, label: d.label || (d.deviceId === DEFAULT_OUTPUT ? 'Default output' : `Output ${k + 1}`) }));
    this.#shared.host.requestUpdate();
    return this.devices;
  }

  /** A stem's device id. */
  get(stem: StemName): string {
    return this.#outputs.get(stem) ?? DEFAULT_OUTPUT;
  }

  /** The key and tempo stages of the routes open now. */
  get stages(): KeyTempoStage[] {
    return [...this.#open.values()].map((r) => r.stage);
  }

  /** The route of a device (a test records what reaches its destination). */
  route(deviceId: string): Promise<OutputRoute> | null {
    return this.#routes.get(deviceId) ?? null;
  }

  /** Plays `stem` on `deviceId` ('' or 'default': the default device). */
  async set(stem: StemName, deviceId: string): Promise<void> {
    const { mix } = this.#shared;
    mix.index(stem);
    const device = deviceId || DEFAULT_OUTPUT;
    if (device === DEFAULT_OUTPUT) this.#outputs.delete(stem);
    else this.#outputs.set(stem, device);
    try {
      await this.apply();
    } catch (error) {
      this.#outputs.delete(stem);
      await this.apply().catch(() => undefined);
      throw this.#shared.fail('AUDIO_CONTEXT', `the stem ${stem} cannot play on output device ${device}: ${describeError(error)}`);
    } finally {
      this.#shared.host.requestUpdate();
    }
  }

  /** Routes the player's stems (a new one's too), opening the routes needed and closing the others. */
  async apply(): Promise<void> {
    const { mix } = this.#shared;
    const { context } = mix.audio();
    const wanted = new Set(this.#outputs.values());
    for (const [device, route] of this.#routes) {
      if (wanted.has(device)) continue;
      this.#routes.delete(device);
      void route.then((r) => r.close(), () => undefined);
    }
    let opened = false;
    for (const device of wanted) {
      if (this.#routes.has(device)) continue;
      const route = OutputRoute.open(context, device);
      this.#routes.set(device, route);
      route.catch(() => this.#routes.delete(device));
      await route;
      opened = true;
    }
    const routes = new Map<string, OutputRoute>();
    for (const [device, route] of this.#routes) routes.set(device, await route);
    this.#open = routes;
    const player = mix.player;
    mix.stems.forEach((stem, s) => player?.channels.route(s, routes.get(this.#outputs.get(stem) ?? '')?.stage.input ?? null));
    this.setLevel();
    if (opened) {
      this.#opened();
      await this.#align(routes);
    } else if (routes.size === 0 && mix.audio().align.delayTime.value !== 0) {
      mix.audio().align.delayTime.value = 0;
      this.offset = null;
      mix.refreshDelay();
    }
  }

  /** The master fader's level on every route. */
  setLevel(): void {
    const gain = faderToLinear(this.#shared.mix.masterDb);
    for (const route of this.#routes.values()) void route.then((r) => (r.level.gain.value = gain), () => undefined);
  }

  /** Measures the offset of each route against the main output, and delays the earlier. */
  async #align(routes: Map<string, OutputRoute>): Promise<void> {
    const { mix } = this.#shared;
    const { context, align } = mix.audio();
    await Promise.race([context.resume(), new Promise((r) => setTimeout(r, 1000))]);
    if (context.state !== 'running') return;
    const offsets: number[] = [];
    for (const route of routes.values()) {
      route.align(0);
      offsets.push(await route.calibrate(context).catch(() => 0));
    }
    // The main output waits for the latest route; a route ahead of it waits for it.
    const latest = Math.max(0, ...offsets);
    align.delayTime.value = latest;
    [...routes.values()].forEach((route, k) => route.align(latest - offsets[k]!));
    this.offset = offsets[0] ?? null;
    mix.refreshDelay();
  }

  /** Closes the routes (the element left the page), keeping where each stem is to play. */
  async release(): Promise<void> {
    const routes = [...this.#routes.values()];
    this.#routes.clear();
    this.#open = new Map();
    await Promise.all(routes.map((r) => r.then((route) => route.close(), () => undefined)));
  }
}
