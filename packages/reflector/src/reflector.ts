// Port of k8s.io/client-go/tools/cache/reflector.go (client-go v1.36): keeps a Store equal to the
// server by listing (or WatchList), then watching from the list's resource version, relisting
// only when the watch cannot resume — never going back in time. The parts live beside this file:
// list-rv.ts (resource-version and paging rules, stale-list guard), list.ts (LIST), watch-list.ts
// (WatchList), consistency-detector.ts, watch.ts (watch loop), watch-handler.ts (event handling).
import { flushLogger, isAbortError, sleep, toError, type KubeObject } from '@kubecache/core';
import { PermanentFailureError, isPermanentError } from './errors.js';
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
 *   never stops on an error (unless `onPermanentError: 'stop'`: then it rejects with a
 *   `PermanentFailureError` at the first error retrying cannot fix), and settles only once every
 *   socket and timer it used is released.
 * - Every failure is reported: to `watchErrorHandler`, to the metrics, and to the logger (by
 *   default core's `defaultLogger`: one stderr line per cause per 30 s), as
 *   `kubecache warn reflector <name>: list failed: <error> retryInMs=<ms>`; errors retrying cannot
 *   fix are logged at error level with `(will not fix itself)` after the message.
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

  /**
   * The last error reported since the last successful list or watch start; `undefined` while
   * healthy. Objects skipped one by one (a stray object of another kind) do not count.
   */
  lastError(): Error | undefined {
    return this.ctx.lastError;
  }

  /**
   * When the Reflector started failing (clock ms of the first error since the last success), or
   * `undefined` while healthy.
   */
  failingSince(): number | undefined {
    return this.ctx.failingSince;
  }

  /** True while a watch stream is open and being read (after the initial sync). */
  isWatching(): boolean {
    return this.ctx.watching;
  }

  /** Clock time (ms) of the last watch event or bookmark received; `undefined` before any. */
  lastEventTime(): number | undefined {
    return this.ctx.stats.lastEventAt === 0 ? undefined : this.ctx.stats.lastEventAt;
  }

  /** Clock time (ms) of the last successful list (LIST or WatchList); `undefined` before any. */
  lastListTime(): number | undefined {
    return this.ctx.lastListAt === 0 ? undefined : this.ctx.lastListAt;
  }

  /** True after a list at the last RV failed with 410/too-large: the next list is a consistent read. */
  isLastSyncResourceVersionUnavailable(): boolean {
    return this.ctx.rv.unavailable;
  }

  /**
   * Lists and watches until `signal` aborts, backing off between rounds. Resolves once
   * everything is released; rejects only with `onPermanentError: 'stop'`, with a
   * {@link PermanentFailureError} (also released first).
   */
  async run(signal: AbortSignal): Promise<void> {
    const ctx = this.ctx;
    ctx.logger.info({ component: 'reflector', resource: this.name }, 'starting reflector');
    ctx.listsThisRun = 0;
    const detach = ctx.metrics.attach?.({
      lastSyncResourceVersion: () => ctx.rv.lastSync,
    });
    try {
      while (!signal.aborted) {
        let delayMs: number;
        try {
          await this.listAndWatch(signal);
          delayMs = ctx.nextDelay(undefined);
        } catch (err) {
          if (signal.aborted || isAbortError(err)) break;
          const e = toError(err);
          const step = ctx.step;
          if (isPermanentError(e) && ctx.opts.onPermanentError === 'stop') {
            ctx.report(e, `${step} failed, stopping`);
            throw new PermanentFailureError(this.name, step, e);
          }
          delayMs = ctx.nextDelay(e);
          ctx.report(e, `${step} failed`, { retryInMs: delayMs });
        }
        if (signal.aborted) break;
        try {
          await sleep(delayMs, { clock: ctx.clock, signal });
        } catch {
          break;
        }
      }
    } finally {
      ctx.watching = false;
      detach?.();
      // Print the repeat counts the logger still holds (failures of the last window).
      flushLogger(ctx.logger);
    }
    ctx.logger.info({ component: 'reflector', resource: this.name }, 'stopped reflector');
  }

  /**
   * One round: an initial WatchList (or LIST), then watches resumed from the last RV for as long
   * as they can be. Resolves when a relist is needed (after a 410, a very short watch, …);
   * rejects with the error that ended the round (list failure, non-retriable watch error).
   */
  async listAndWatch(signal: AbortSignal): Promise<void> {
    const ctx = this.ctx;
    let stream: WatchStream<T> | undefined;
    ctx.step = 'list';
    if (shouldUseWatchList(ctx)) {
      const outcome = await watchListIntoStore(ctx, signal);
      if (outcome.kind === 'synced') stream = outcome.stream;
    }
    if (stream === undefined) await listIntoStore(ctx, signal);
    ctx.step = 'watch';
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
          ctx.report(toError(err), 'resync failed');
        }
      }
      timer = ctx.clock.setTimeout(tick, period);
    };
    let timer = ctx.clock.setTimeout(tick, period);
    return { cancel: () => timer.cancel() };
  }
}
