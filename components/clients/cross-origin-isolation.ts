/**
 * Cross-origin isolation for a host that cannot set headers: the opt-in service worker
 * `demucs-mixer-sw.js` (src/worker/isolation.sw.ts) adds COOP/COEP to the responses of its scope.
 */

const RELOADED = 'demucs-mixer-isolation-reloaded';

export type IsolationState = 'isolated' | 'reloading' | 'unsupported';

/**
 * Makes the page cross-origin isolated: registers the service worker (copied next to the page,
 * or at `serviceWorkerUrl`, whose folder must contain the page) and reloads the page once when
 * it has taken over. Resolves `'isolated'` when the page already is, `'reloading'` just before
 * that one reload, and `'unsupported'` when it cannot be done (no service workers: an insecure
 * origin, a private window of some browsers; or still not isolated after the reload).
 */
export async function enableCrossOriginIsolation(serviceWorkerUrl = 'demucs-mixer-sw.js'): Promise<IsolationState> {
  const storage = globalThis.sessionStorage;
  if (globalThis.crossOriginIsolated) {
    storage?.removeItem(RELOADED);
    return 'isolated';
  }
  const workers = globalThis.navigator?.serviceWorker;
  if (!workers || !globalThis.isSecureContext) return 'unsupported';
  await workers.register(new URL(serviceWorkerUrl, document.baseURI).href);
  await workers.ready;
  if (storage?.getItem(RELOADED)) {
    storage.removeItem(RELOADED);
    return 'unsupported';
  }
  storage?.setItem(RELOADED, '1');
  location.reload();
  return 'reloading';
}
