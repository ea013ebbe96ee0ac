// client-go's Reflector.watchList: the initial list as a stream of events (sendInitialEvents=true,
// resourceVersionMatch=NotOlderThan) into a temporary store, swapped into the real store at the
// k8s.io/initial-events-end bookmark; the same stream then carries on as the watch.
import { AbortedError, isAbortError, throwIfAborted, toError } from '@kubecache/core';
import {
  isApiStatusError,
  isExpired,
  isTooLargeResourceVersion,
  type ListerWatcher,
  type ListOptions,
  type WatchStream,
} from '@kubecache/listwatch';
import { createStore, deletionHandlingMetaNamespaceKeyFunc, type Store } from '@kubecache/store';
import {
  checkListConsistency,
  isConsistent,
  watchListConsistencyCheckFromEnv,
} from './consistency-detector.js';
import type { ReflectorContext } from './context.js';
import { ReflectorError } from './errors.js';
import { defaultWatchListTimeoutMs } from './options.js';
import { consumeWatch } from './watch-handler.js';

/** ListerWatchers whose server did not do WatchList: every Reflector over them lists instead. */
const unsupported = new WeakSet<object>();

/** True when this Reflector should try WatchList (option, capability, remembered fallback). */
export function shouldUseWatchList<T>(ctx: ReflectorContext<T>): boolean {
  return (
    (ctx.opts.useWatchList ?? true) &&
    ctx.lw.supportsWatchList !== false &&
    !unsupported.has(ctx.lw)
  );
}

/** Remembers that `lw`'s server does not do WatchList; logs and reports only the first time. */
function markUnsupported<T>(ctx: ReflectorContext<T>, why: string, cause?: unknown): void {
  const lw: ListerWatcher<T> = ctx.lw;
  if (unsupported.has(lw)) return;
  unsupported.add(lw);
  ctx.report(
    new ReflectorError(
      'watchlist',
      `WatchList is not available (${why}); falling back to LIST from now on`,
      cause !== undefined ? { cause } : undefined,
    ),
    'WatchList unavailable',
  );
  ctx.relistReason = 'watch-list-fallback';
}

/**
 * A rejected WatchList request that means "this server does not do WatchList": a 4xx answer
 * other than 408, 409, 410 (expired RV, retried as a consistent read) and 429 (busy), and other
 * than 400, 401, 403 and 404, which a LIST would get as well (an invalid selector, bad
 * credentials, RBAC, an unknown resource: reported as they are, not as "no WatchList"). 5xx,
 * connection errors and the rest are transient.
 */
function isRejection(err: unknown): boolean {
  if (!isApiStatusError(err)) return false;
  const c = err.code;
  return c >= 405 && c < 500 && c !== 408 && c !== 409 && c !== 410 && c !== 429;
}

/** What {@link watchListIntoStore} did. */
export type WatchListOutcome<T> =
  /** Synced: the stream continues as the watch. */
  | { kind: 'synced'; stream: WatchStream<T> }
  /** Not synced: LIST instead (this round only, or from now on when remembered). */
  | { kind: 'fallback' };

/**
 * Syncs the store with WatchList (client-go `Reflector.watchList`):
 *
 * - The request asks for the last synced RV (or `""`, a consistent read, before the first sync
 *   and after the RV was unavailable), `NotOlderThan`, with bookmarks and a random timeout.
 * - 410 / "too large" (on the request or as the stream's error) → retry at once with `""`.
 * - A 4xx rejection, or no end bookmark within `watchListTimeoutMs` → fall back to LIST, and
 *   remember it for the ListerWatcher (logged once). A clean close before the end bookmark →
 *   LIST this round only. Other errors (refused, 429, 5xx, resets) → rejected with the error, so
 *   the run loop backs off and tries WatchList again.
 * - The end bookmark's RV is judged by the stale-list guard like a LIST's (retry after backoff,
 *   then accept); with `checkWatchListConsistency`, a LIST at that exact RV is compared with the
 *   streamed items before the store is replaced.
 * - Then one `store.replace(items, rv)`; the stream is returned to carry on as the watch.
 */
export async function watchListIntoStore<T>(
  ctx: ReflectorContext<T>,
  signal: AbortSignal,
): Promise<WatchListOutcome<T>> {
  for (;;) {
    throwIfAborted(signal);
    const temp = createStore<T>(deletionHandlingMetaNamespaceKeyFunc);
    const rv = ctx.rv.unavailable ? '' : ctx.rv.lastSync;
    const timeoutSeconds = ctx.watchTimeoutSeconds();
    const options: ListOptions = {
      resourceVersion: rv,
      resourceVersionMatch: 'NotOlderThan',
      allowWatchBookmarks: true,
      sendInitialEvents: true,
      timeoutSeconds,
    };
    const start = ctx.clock.now();
    ctx.opts.events?.onListStart?.({ resourceVersion: rv, pageSize: 0 });
    ctx.opts.events?.onWatchStart?.({
      resourceVersion: rv,
      timeoutSeconds,
      sendInitialEvents: true,
    });
    ctx.countList();
    const failed = (err: unknown): void => {
      if (!signal.aborted) {
        ctx.metrics.listed?.({ durationMs: ctx.clock.now() - start, items: 0, error: err });
      }
    };
    let stream: WatchStream<T>;
    try {
      // The relist's unchanged objects are swapped for the cached instances as they are decoded
      // when the watcher can (createListWatch: not interned then), else as they are stored.
      const mapItem = ctx.opts.mapListItem;
      stream = await ctx.lw.watch(options, signal, mapItem ? { mapItem } : undefined);
    } catch (err) {
      if (signal.aborted || isAbortError(err)) throw err;
      failed(err);
      if ((isExpired(err) || isTooLargeResourceVersion(err)) && rv !== '') {
        ctx.rv.unavailable = true;
        ctx.report(
          toError(err),
          'WatchList expired, listing again as a consistent read',
          {},
          'info',
        );
        continue;
      }
      if (isRejection(err)) {
        markUnsupported(ctx, `the request was rejected: ${toError(err).message}`, err);
        return { kind: 'fallback' };
      }
      throw err;
    }
    ctx.stats.watches++;
    ctx.metrics.watchStarted?.();
    let timedOut = false;
    const deadline = ctx.clock.setTimeout(() => {
      timedOut = true;
      stream.stop();
    }, ctx.opts.watchListTimeoutMs ?? defaultWatchListTimeoutMs);
    let ended;
    try {
      const store = ctx.lw.supportsWatchHooks ? temp : mappedStore(temp, ctx.opts.mapListItem);
      ended = await consumeWatch(ctx, stream, store, signal, {
        kind: 'initial-events',
        startedFrom: rv,
      });
    } finally {
      deadline.cancel();
    }
    if (ended.reason !== 'initial-events-end') {
      stream.stop();
      if (ended.reason === 'decode-error') ctx.metrics.decodeError?.();
      ctx.metrics.watchEnded?.({
        durationMs: ctx.clock.now() - start,
        events: ended.events,
        reason: ended.reason,
      });
      if (signal.aborted) throw new AbortedError(undefined, { cause: signal.reason });
      failed(ended.error ?? new ReflectorError('watchlist', `WatchList ended: ${ended.reason}`));
      if (timedOut) {
        markUnsupported(
          ctx,
          `no k8s.io/initial-events-end bookmark within ${String(ctx.opts.watchListTimeoutMs ?? defaultWatchListTimeoutMs)} ms`,
        );
        return { kind: 'fallback' };
      }
      if (ended.reason === 'expired' && rv !== '') {
        ctx.rv.unavailable = true;
        ctx.report(
          ended.error ?? new ReflectorError('watchlist', 'WatchList expired'),
          'WatchList expired, listing again as a consistent read',
          {},
          'info',
        );
        continue;
      }
      if (ended.reason === 'closed') {
        ctx.report(
          new ReflectorError(
            'watchlist',
            'the WatchList stream closed before the initial-events-end bookmark; listing instead this time',
          ),
          'WatchList ended early',
        );
        return { kind: 'fallback' };
      }
      throw ended.error ?? new ReflectorError('watchlist', `WatchList ended: ${ended.reason}`);
    }
    const syncedRv = ended.lastRv ?? rv;
    const synced = ctx.rv.lastSync;
    const verdict = ctx.staleGuard.judge(syncedRv, synced);
    if (verdict === 'retry') {
      stream.stop();
      ctx.rv.unavailable = true;
      ctx.report(
        new ReflectorError(
          'stale-list',
          `WatchList at RV "${rv}" ended its initial events at RV ${syncedRv}, older than the synced RV ${synced}; ` +
            `retry ${String(ctx.staleGuard.retries)} of ${String(ctx.staleGuard.maxRetries)} as a consistent read after backoff`,
        ),
        'stale list',
      );
      await ctx.backoffSleep(undefined, signal);
      continue;
    }
    if (verdict === 'accept-older') {
      ctx.reportResourceVersionReset(syncedRv, synced);
    }
    try {
      ctx.checkKindMismatch();
    } catch (err) {
      stream.stop();
      failed(err);
      throw err;
    }
    const items = temp.list();
    if (ctx.opts.checkWatchListConsistency ?? watchListConsistencyCheckFromEnv()) {
      try {
        await checkConsistency(ctx, syncedRv, items, signal);
      } catch (err) {
        stream.stop();
        throw err;
      }
    }
    ctx.store.replace(items, syncedRv);
    ctx.listedOnce = true;
    ctx.rv.unavailable = false;
    ctx.setLastSyncRv(syncedRv);
    ctx.lastListAt = ctx.clock.now();
    ctx.succeeded();
    ctx.metrics.listed?.({ durationMs: ctx.lastListAt - start, items: items.length });
    ctx.opts.events?.onListEnd?.({
      items: items.length,
      resourceVersion: syncedRv,
      durationMs: ctx.clock.now() - start,
      paginated: false,
    });
    return { kind: 'synced', stream };
  }
}

/** Runs the consistency detector and reports what it finds (never throws but on abort). */
async function checkConsistency<T>(
  ctx: ReflectorContext<T>,
  rv: string,
  items: readonly T[],
  signal: AbortSignal,
): Promise<void> {
  const t = ctx.opts.transform;
  const transforms = t && !(ctx.store as { transformsObjects?: boolean }).transformsObjects;
  ctx.logger.info(
    { component: 'reflector', resource: ctx.name, resourceVersion: rv },
    'WatchList consistency check: listing at the same resource version',
  );
  const result = await checkListConsistency({
    lw: ctx.lw,
    resourceVersion: rv,
    items,
    signal,
    clock: ctx.clock,
    ...(transforms ? { prepare: t } : {}),
  });
  if (result instanceof Error) {
    // Not a failure of the Reflector: only the check could not run.
    ctx.note(
      new ReflectorError(
        'watch',
        `WatchList consistency check skipped: the LIST at RV ${rv} failed: ${result.message}`,
        { cause: result },
      ),
      '',
    );
    return;
  }
  if (isConsistent(result)) return;
  const show = (xs: string[]): string => xs.slice(0, 10).join(', ') + (xs.length > 10 ? ', …' : '');
  ctx.reportLoudly(
    new ReflectorError(
      'watchlist-inconsistent',
      `data inconsistency detected: WatchList at RV ${rv} differs from a LIST at that RV ` +
        `(missing: [${show(result.missing)}], unexpected: [${show(result.unexpected)}], different: [${show(result.different)}])`,
    ),
    'WatchList inconsistent',
    { resourceVersion: rv },
  );
}

/**
 * `store` with `mapListItem` applied to what is added or updated: the initial events of a
 * WatchList relist then keep the cached instance of each unchanged object as they arrive, as a
 * LIST relist does, instead of holding a second copy of everything until the swap.
 */
function mappedStore<T>(store: Store<T>, mapItem: ((item: T) => T) | undefined): Store<T> {
  if (mapItem === undefined) return store;
  const mapped = Object.create(store) as Store<T>;
  mapped.add = (obj: T): void => store.add(mapItem(obj));
  mapped.update = (obj: T): void => store.update(mapItem(obj));
  mapped.delete = (obj: T): void => store.delete(obj);
  return mapped;
}
