// A controller's start waits for its caches: every informer synced, then every event handler the
// controller added caught up (controller-runtime's `WaitForCacheSync` with `CacheSyncTimeout`,
// pkg/internal/controller/controller.go; client-go's `cache.WaitForCacheSync`).
import type { Logger } from '@kubecache/core';
import {
  isCacheSyncTimeoutError,
  waitForCacheSync,
  waitForCacheSyncOrThrow,
  type ResourceEventHandlerRegistration,
  type SharedIndexInformer,
} from '@kubecache/informer';

/**
 * Waits for `informers`, then for the controller's own handler `registrations`.
 *
 * @param options.timeoutMs - how long to wait for the informers, in ms (real time); `Infinity`
 *   waits for ever.
 * @param options.name - the controller's name, for the log line.
 * @returns true once all synced; false when `signal` aborted first (logged at warn level with
 *   the informers not synced).
 * @throws CacheSyncTimeoutError (from `@kubecache/informer`) when `timeoutMs` passed first,
 *   naming each informer not synced with its last error.
 * @throws PermanentFailureError (from `@kubecache/informer`) at once when an informer gave up.
 */
export async function waitForCaches(options: {
  informers: readonly SharedIndexInformer<unknown>[];
  registrations: readonly ResourceEventHandlerRegistration[];
  signal: AbortSignal;
  timeoutMs: number;
  logger: Logger;
  name: string;
}): Promise<boolean> {
  const { informers, registrations, signal, timeoutMs, logger, name } = options;
  try {
    await waitForCacheSyncOrThrow(informers, {
      signal,
      ...(Number.isFinite(timeoutMs) ? { timeoutMs } : {}),
    });
  } catch (err) {
    if (!(isCacheSyncTimeoutError(err) && err.reason === 'aborted')) throw err;
    logger.warn(
      { component: 'controller', controller: name },
      `stopped before the caches synced: ${err.message}`,
    );
    return false;
  }
  // The controller's handlers are synchronous: they catch up as soon as their informer synced.
  return waitForCacheSync(signal, ...registrations);
}
