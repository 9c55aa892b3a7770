/**
 * Signalsmith Stretch's processor speaks over its port: `[id, method, ...args]` in, `[id,
 * result]` back, `['ready', …]` once its WASM is compiled (and `['time', …]` now and then). The
 * page (components/audio/stretch-node.ts) and the export (src/worker/stretch-offline.ts) both
 * speak it through this. (Its version is pinned: this is its own protocol, not a documented API.)
 */
export interface StretchPort {
  /** Resolves once the processor's WASM is ready. */
  readonly ready: Promise<void>;
  /** Calls a method of the processor; resolves with its answer, once it has done it. */
  call(method: string, ...args: unknown[]): Promise<unknown>;
}

export function stretchPort(port: MessagePort): StretchPort {
  let next = 0;
  const pending = new Map<number, (value: unknown) => void>();
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  port.onmessage = (event: MessageEvent<unknown[]>) => {
    const [id, value] = event.data;
    if (id === 'ready') return ready();
    const resolve = pending.get(id as number);
    if (!resolve) return;
    pending.delete(id as number);
    resolve(value);
  };
  return {
    ready: isReady,
    call: (method, ...args) =>
      new Promise((resolve) => {
        const id = next++;
        pending.set(id, resolve);
        port.postMessage([id, method, ...args]);
      }),
  };
}
