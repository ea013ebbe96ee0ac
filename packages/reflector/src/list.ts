// The Reflector's LIST (client-go Reflector.list): list at relistResourceVersion with the paging
// rule, fall back to a consistent read when that RV is unavailable, judge the answer with the
// "never back in time" guard, then replace the store once.
import { throwIfAborted, toError } from '@kubecache/core';
import {
  isExpired,
  isTooLargeResourceVersion,
  listAllPages,
  type ListOptions,
  type PagedList,
} from '@kubecache/listwatch';
import type { ReflectorContext } from './context.js';
import { ReflectorError } from './errors.js';
import { listPageSize, relistResourceVersion } from './list-rv.js';

/** One LIST at `rv` (paged per client-go's rule), with `mapListItem` applied per page. */
async function listAt<T>(
  ctx: ReflectorContext<T>,
  rv: string,
  signal: AbortSignal,
): Promise<PagedList<T>> {
  const pageSize = listPageSize(rv, ctx.rv, {
    pageSize: ctx.opts.pageSize,
    supportsPaging: ctx.lw.supportsPaging,
  });
  const options: ListOptions = { resourceVersion: rv };
  if (rv !== '' && rv !== '0') options.resourceVersionMatch = 'NotOlderThan';
  ctx.opts.events?.onListStart?.({ resourceVersion: rv, pageSize });
  const mapItem = ctx.opts.mapListItem;
  if (pageSize > 0) {
    return listAllPages(ctx.lw, options, signal, { pageSize, ...(mapItem ? { mapItem } : {}) });
  }
  if (mapItem && ctx.lw.supportsListHooks) {
    // Mapped as each item is decoded: an unpaged relist (RV=0 from the watch cache, one body of
    // every object) never holds a fresh copy of every unchanged object next to the cache.
    return { ...(await ctx.lw.list(options, signal, { mapItem })), paginated: false };
  }
  const l = await ctx.lw.list(options, signal);
  if (mapItem) for (let i = 0; i < l.items.length; i++) l.items[i] = mapItem(l.items[i]!);
  return { ...l, paginated: false };
}

/**
 * Lists and replaces the store (client-go `Reflector.list`), never moving it back in time:
 *
 * 1. LIST at {@link relistResourceVersion}; on 410 Expired or "too large resource version",
 *    mark the RV unavailable and list again at once as a consistent read (RV `""`).
 * 2. Judge the answer's RV against the last synced RV, whatever was requested (see
 *    `StaleListGuard`): an older answer is reported (`stale-list`) and the LIST is retried after
 *    backoff as a consistent read, up to `staleListRetries` times; after that the answer is
 *    accepted and logged at error level (`resource-version-reset`).
 * 3. `store.replace(items, rv)` once; the RV becomes the last synced RV.
 *
 * Rejects with the list error (or an AbortedError) and leaves the store untouched then.
 */
export async function listIntoStore<T>(
  ctx: ReflectorContext<T>,
  signal: AbortSignal,
): Promise<void> {
  const start = ctx.clock.now();
  for (;;) {
    const rv = relistResourceVersion(ctx.rv);
    ctx.countList();
    const attemptStart = ctx.clock.now();
    let list: PagedList<T>;
    try {
      try {
        list = await listAt(ctx, rv, signal);
      } catch (err) {
        if (!(isExpired(err) || isTooLargeResourceVersion(err))) throw err;
        // The RV we listed at is unavailable: retry at once with a consistent read.
        ctx.rv.unavailable = true;
        ctx.report(toError(err), 'list expired, listing again as a consistent read', {}, 'info');
        list = await listAt(ctx, relistResourceVersion(ctx.rv), signal);
      }
    } catch (err) {
      if (!signal.aborted) {
        ctx.metrics.listed?.({ durationMs: ctx.clock.now() - attemptStart, items: 0, error: err });
      }
      throw err;
    }
    const got = list.metadata?.resourceVersion ?? '';
    const synced = ctx.rv.lastSync;
    const verdict = ctx.staleGuard.judge(got, synced);
    if (verdict === 'retry') {
      ctx.metrics.listed?.({
        durationMs: ctx.clock.now() - attemptStart,
        items: list.items.length,
      });
      ctx.rv.unavailable = true; // the next attempt is a consistent read
      ctx.report(
        new ReflectorError(
          'stale-list',
          `LIST at RV "${rv}" was answered at RV ${got}, older than the synced RV ${synced}; ` +
            `retry ${String(ctx.staleGuard.retries)} of ${String(ctx.staleGuard.maxRetries)} as a consistent read after backoff`,
        ),
        'stale list',
      );
      await ctx.backoffSleep(undefined, signal);
      throwIfAborted(signal);
      continue;
    }
    if (verdict === 'accept-older') {
      ctx.reportResourceVersionReset(got, synced);
    }
    if (rv === '0' && list.paginated) ctx.rv.paginatedResult = true;
    ctx.rv.unavailable = false;
    const items: T[] = [];
    for (const item of list.items) {
      const ok = ctx.checkObject(item, 'list');
      if (ok !== undefined) items.push(ok);
    }
    try {
      ctx.checkKindMismatch();
    } catch (err) {
      ctx.metrics.listed?.({ durationMs: ctx.clock.now() - attemptStart, items: 0, error: err });
      throw err;
    }
    ctx.store.replace(items, got);
    ctx.listedOnce = true;
    ctx.setLastSyncRv(got);
    ctx.lastListAt = ctx.clock.now();
    ctx.succeeded();
    ctx.metrics.listed?.({ durationMs: ctx.lastListAt - attemptStart, items: items.length });
    ctx.opts.events?.onListEnd?.({
      items: items.length,
      resourceVersion: got,
      durationMs: ctx.clock.now() - start,
      paginated: list.paginated,
    });
    ctx.logger.debug(
      { component: 'reflector', resource: ctx.name, items: items.length, resourceVersion: got },
      'listed',
    );
    return;
  }
}
