// Port of k8s.io/client-go/tools/cache/reflector.go (client-go v1.36): keeps a Store equal to the
// server by listing (or WatchList), then watching from the list's resource version, relisting
// only when the watch cannot resume — never going back in time. The parts live beside this file:
// list-rv.ts (resource-version and paging rules, stale-list guard), list.ts (LIST), watch-list.ts
// (WatchList), consistency-detector.ts, watch.ts (watch loop), watch-handler.ts (event handling).
import { isAbortError, sleep, toError, type KubeObject } from '@kubecache/core';
import type { ListerWatcher, WatchStream } from '@kubecache/listwatch';
import type { Store } from '@kubecache/store';
import { ReflectorContext } from './context.js';
import { listIntoStore } from './list.js';
import type { ReflectorOptions, ReflectorStats } from './options.js';
import { watchLoop } from './watch.js';
import { shouldUseWatchList, watchListIntoStore } from './watch-list.js';

export type {
  ReflectorEvents,
  ReflectorOptions,
  ReflectorStats,
  WatchEndReason,
} from './options.js';

/**
 * client-go's Reflector: lists and watches one resource into a Store.
 *
 * Contract:
 * - `run(signal)` keeps the store in sync until `signal` aborts, with backoff between attempts; it
 *   never stops on an error, and resolves only once every socket and timer it used is released.
 * - The store sees `replace(items, rv)` once per LIST (and per WatchList initial sync), then
 *   `add`/`update`/`delete` for watch events, `bookmark(rv)` (BookmarkStore) and
 *   `updateResourceVersion(rv)` (ResourceVersionUpdater) where supported.
 * - The initial sync uses WatchList when the ListerWatcher supports it (default, as client-go
 *   ≥ 1.35), else LIST at RV "0"; relists use the last synced RV (or `''` after a 410 / "too
 *   large" answer, which forces a consistent read).
 * - Never back in time: every list answer (LIST or WatchList, whatever RV was requested) older
 *   than the last synced RV is retried after backoff as a consistent read, up to
 *   `staleListRetries` times; only then is it accepted (a server restored from an older backup),
 *   with an error-level log. Only integer resource versions are compared.
 */
export class Reflector<T = KubeObject> {
  /** Name used in logs and errors. */
  readonly name: string;
  /** Counters for metrics. */
  readonly stats: ReflectorStats;
  private readonly ctx: ReflectorContext<T>;

  /** A Reflector from `lw` into `store`; nothing happens until {@link run}. */
  constructor(lw: ListerWatcher<T>, store: Store<T>, options: ReflectorOptions<T> = {}) {
    this.ctx = new ReflectorContext(this, lw, store, options);
    this.name = this.ctx.name;
    this.stats = this.ctx.stats;
  }

  /** The resource version the store is synced to (`''` before the first list). */
  lastSyncResourceVersion(): string {
    return this.ctx.rv.lastSync;
  }

  /** True after a list at the last RV failed with 410/too-large: the next list is a consistent read. */
  isLastSyncResourceVersionUnavailable(): boolean {
    return this.ctx.rv.unavailable;
  }

  /**
   * Lists and watches until `signal` aborts, backing off between rounds. Resolves (never
   * rejects) once everything is released.
   */
  async run(signal: AbortSignal): Promise<void> {
    const ctx = this.ctx;
    ctx.logger.info({ reflector: this.name }, 'starting reflector');
    while (!signal.aborted) {
      try {
        await this.listAndWatch(signal);
      } catch (err) {
        if (signal.aborted || isAbortError(err)) break;
        ctx.report(toError(err));
      }
      if (signal.aborted) break;
      try {
        await sleep(ctx.nextDelay(undefined), { clock: ctx.clock, signal });
      } catch {
        break;
      }
    }
    ctx.logger.info({ reflector: this.name }, 'stopped reflector');
  }

  /**
   * One round: an initial WatchList (or LIST), then watches resumed from the last RV for as long
   * as they can be. Resolves when a relist is needed (after a 410, a very short watch, …);
   * rejects with the error that ended the round (list failure, non-retriable watch error).
   */
  async listAndWatch(signal: AbortSignal): Promise<void> {
    const ctx = this.ctx;
    let stream: WatchStream<T> | undefined;
    if (shouldUseWatchList(ctx)) {
      const outcome = await watchListIntoStore(ctx, signal);
      if (outcome.kind === 'synced') stream = outcome.stream;
    }
    if (stream === undefined) await listIntoStore(ctx, signal);
    const resync = this.startResync();
    try {
      await watchLoop(ctx, stream, signal);
    } finally {
      resync.cancel();
    }
  }

  /** Calls `store.resync()` every `resyncPeriodMs` while `shouldResync()` allows. */
  private startResync(): { cancel(): void } {
    const ctx = this.ctx;
    const period = ctx.opts.resyncPeriodMs ?? 0;
    if (period <= 0) return { cancel: () => undefined };
    const tick = (): void => {
      if (ctx.opts.shouldResync?.() ?? true) {
        try {
          ctx.store.resync();
        } catch (err) {
          ctx.report(toError(err), 'resync');
        }
      }
      timer = ctx.clock.setTimeout(tick, period);
    };
    let timer = ctx.clock.setTimeout(tick, period);
    return { cancel: () => timer.cancel() };
  }
}
