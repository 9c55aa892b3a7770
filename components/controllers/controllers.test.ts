/**
 * Controllers against minimal hosts: plain objects with just what each controller takes (no
 * mixer, no parts).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { deepEqual, equal, ok } from '../../test/browser/assert.ts';
import { until } from '../../test/browser/helpers.ts';
import type { StemPlayer } from '../audio/stem-player.ts';
import { KeyboardController, type KeyboardHost } from './keyboard-controller.ts';
import { MeterController } from './meter-controller.ts';

/** A host that records controllers and connects them, as a ReactiveElement would. */
class MinimalHost extends EventTarget implements ReactiveControllerHost {
  readonly controllers: ReactiveController[] = [];
  addController(controller: ReactiveController): void {
    this.controllers.push(controller);
  }
  removeController(): void {}
  requestUpdate(): void {}
  get updateComplete(): Promise<boolean> {
    return Promise.resolve(true);
  }
  connect(): void {
    for (const c of this.controllers) c.hostConnected?.();
  }
}

describe('controllers against minimal hosts', () => {
  it('KeyboardController: keys call the host\'s methods, zoom the timeline and toggle the help', async () => {
    const calls: string[] = [];
    const host = Object.assign(new MinimalHost(), {
      playState: 'stopped' as const,
      duration: 100,
      currentTime: 10,
      key: 11.5,
      tempo: 52,
      play: async () => void calls.push('play'),
      pause: () => void calls.push('pause'),
      seek: (s: number) => void calls.push(`seek ${s}`),
      toggleLoop: () => void calls.push('toggle-loop'),
      clearLoop: () => void calls.push('clear-loop'),
      setGain: () => void calls.push('gain'),
      setMute: () => void calls.push('mute'),
      setSolo: () => void calls.push('solo'),
      isolate: () => void calls.push('isolate'),
    }) satisfies KeyboardHost;
    new KeyboardController(host, {
      toggleHelp: (open) => void calls.push(`help ${open ?? 'toggle'}`),
      timeline: () => ({ zoomBy: (factor: number) => void calls.push(`zoom ${factor}`) }),
    });
    host.connect();
    for (const [key, shiftKey] of [[' ', false], ['ArrowRight', false], ['ArrowLeft', true], ['End', false], ['l', false], ['L', true], ['+', false], ['-', false], ['?', false], ['Escape', false], [']', false], ['}', true], ['[', false], [',', false], ['<', true]] as const) {
      const event = new KeyboardEvent('keydown', { key, shiftKey, cancelable: true });
      host.dispatchEvent(event);
      ok(event.defaultPrevented, `${key} handled`);
    }
    deepEqual(calls, ['play', 'seek 15', 'seek 9', 'seek 100', 'toggle-loop', 'clear-loop', 'zoom 2', 'zoom 0.5', 'help toggle', 'help false']);
    // ] and } stop at +12 semitones, [ goes down one; , and < stop at 50 %.
    equal(host.key, 11, 'key after ], }, [');
    equal(host.tempo, 50, 'tempo after , and <');
  });

  it('MeterController: each frame, each stem\'s peak level goes to its meter', async () => {
    // Analysers that report a constant block: 0.5 (−6 dB) and 0.1 (−20 dB).
    const analyser = (value: number) => ({ getFloatTimeDomainData: (out: Float32Array) => out.fill(value) }) as unknown as AnalyserNode;
    const player = { analysers: [analyser(0.5), analyser(0.1)], position: 0, state: 'playing' } as unknown as StemPlayer;
    const levels: number[][] = [[], []];
    const host = new MinimalHost();
    const meters = new MeterController(host, { player }, () => levels.map((shown) => ({ showLevel: (db: number) => void shown.push(db) })));
    meters.start();
    await until(() => levels[0]!.length > 0 && levels[1]!.length > 0, 'a frame drawn', 2000);
    equal(Math.round(levels[0]![0]! * 10) / 10, -6);
    equal(Math.round(levels[1]![0]! * 10) / 10, -20);
    host.controllers.forEach((c) => c.hostDisconnected?.());
  });
});
