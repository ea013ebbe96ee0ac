// Port of k8s.io/client-go/tools/cache/shared_informer.go WaitForCacheSync, without polling for
// sources that can notify (informers and registrations).
import type { SyncWaiter } from './handlers.js';

/** A sync source: an informer or registration (notifies), or a plain function (polled every 100 ms, as client-go). */
export type SyncSource = SyncWaiter | (() => boolean);

/**
 * Resolves true once every source has synced, false if `signal` aborts first. Informers and
 * handler registrations notify (no polling); plain functions are polled every 100 ms.
 */
export async function waitForCacheSync(
  signal: AbortSignal,
  ...sources: SyncSource[]
): Promise<boolean> {
  const results = await whenSourcesSynced(sources, signal);
  return results.every(Boolean) && !signal.aborted;
}

/**
 * One promise per source, in order, resolving true once it synced or false once `signal` aborts
 * (informers and registrations notify; plain functions are polled every 100 ms). Never rejects.
 */
export function whenSourcesSynced(
  sources: readonly SyncSource[],
  signal: AbortSignal,
): Promise<boolean[]> {
  return Promise.all(
    sources.map((s) => (typeof s === 'function' ? pollUntil(s, signal) : s.whenSynced(signal))),
  );
}

function pollUntil(fn: () => boolean, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (fn()) {
      resolve(true);
      return;
    }
    const timer = setInterval(() => {
      if (fn()) finish(true);
    }, 100);
    const onAbort = (): void => finish(false);
    const finish = (v: boolean): void => {
      clearInterval(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(v);
    };
    if (signal.aborted) finish(false);
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
