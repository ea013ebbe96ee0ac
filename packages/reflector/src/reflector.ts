// Port of k8s.io/client-go/tools/cache/reflector.go (client-go v1.36): keeps a Store equal to the
// server by listing, then watching from the list's resource version, relisting only when the
// watch cannot resume — never going back in time.
import {
  Backoff,
  isAbortError,
  realClock,
  silentLogger,
  sleep,
  toError,
  type BackoffOptions,
  type Clock,
  type KubeObject,
  type Logger,
} from '@kubecache/core';
import {
  isApiStatusError,
  isConnectionRefused,
  isExpired,
  isInternalError,
  isTooLargeResourceVersion,
  isTooManyRequests,
  isWatchDecodeError,
  listAllPages,
  type ListerWatcher,
  type ListOptions,
  type WatchStream,
} from '@kubecache/listwatch';
import {
  createStore,
  deletionHandlingMetaNamespaceKeyFunc,
  isBookmarkStore,
  isResourceVersionUpdater,
  type Store,
  type TransformFunc,
} from '@kubecache/store';
import { ReflectorError } from './errors.js';

/** Why a watch ended, as reported to {@link ReflectorEvents.onWatchEnd}. */
export type WatchEndReason =
  | 'closed'
  | 'expired'
  | 'error'
  | 'decode-error'
  | 'too-many-requests'
  | 'internal-error'
  | 'aborted'
  | 'initial-events-end';

/** Lifecycle hooks (observational: they never change what the Reflector does). */
export interface ReflectorEvents {
  /** A LIST starts at `resourceVersion` with `pageSize` (0 = unpaged). */
  onListStart?(info: { resourceVersion: string; pageSize: number }): void;
  /** A LIST finished and the store was replaced. */
  onListEnd?(info: {
    items: number;
    resourceVersion: string;
    durationMs: number;
    paginated: boolean;
  }): void;
  /** A watch was opened from `resourceVersion`. */
  onWatchStart?(info: {
    resourceVersion: string;
    timeoutSeconds: number;
    sendInitialEvents: boolean;
  }): void;
  /** A watch ended. */
  onWatchEnd?(info: {
    reason: WatchEndReason;
    events: number;
    durationMs: number;
    error?: Error;
  }): void;
}

/** Options of {@link Reflector}. */
export interface ReflectorOptions<T> {
  /** Name used in logs and errors. Default: the ListerWatcher's description. */
  name?: string;
  /** Call `store.resync()` this often, in ms. 0 = never (default). */
  resyncPeriodMs?: number;
  /** Consulted before each periodic resync. Default: always resync. */
  shouldResync?: () => boolean;
  /**
   * Page size for LISTs. Default 0 = client-go's rules: pages of 500 for consistent reads (RV ""),
   * no paging when listing at a specific RV unless the server paginated the initial RV="0" list.
   */
  pageSize?: number;
  /**
   * Applied to each listed item as its page arrives; the result is kept instead. The informers
   * pass one that returns the cached instance of an object whose resourceVersion did not change,
   * so that a relist does not hold a second copy of every unchanged object until the end of the
   * LIST. Differs from client-go: its Reflector keeps every listed item until `Replace`.
   */
  mapListItem?: (item: T) => T;
  /**
   * Use WatchList (a streaming initial list via `sendInitialEvents`) instead of LIST. Default
   * false. If the server does not end the initial events in `watchListTimeoutMs`, or rejects the
   * request, the Reflector falls back to LIST and does not try WatchList again.
   */
  useWatchList?: boolean;
  /** Deadline for the `k8s.io/initial-events-end` bookmark, in ms. Default 60 000. */
  watchListTimeoutMs?: number;
  /** Minimum server-side watch timeout in seconds; each watch uses a random value in [min, 2×min). Default 300. */
  minWatchTimeoutSeconds?: number;
  /** How long internal errors (HTTP 500) on a watch are retried without a relist, in ms. Default 0 (as client-go). */
  maxInternalErrorRetryDurationMs?: number;
  /** Expected `kind` of objects; others are reported and skipped. Default: the ListerWatcher's `expectedKind`. */
  expectedKind?: string;
  /** Applied to each object before it is stored, unless the store transforms itself. */
  transform?: TransformFunc<T>;
  /** Backoff between attempts. Default: 800 ms ×2 up to 30 s, jitter 1.0, reset after 2 min. */
  backoff?: BackoffOptions;
  /** Clock for every timer. Default: the real clock. */
  clock?: Clock;
  /** Pino-shaped logger. Default: silent. */
  logger?: Logger;
  /**
   * Called with every error the Reflector handles (list/watch failures, skipped objects). It is
   * observational: the Reflector keeps retrying whatever the handler does.
   */
  watchErrorHandler?: (reflector: Reflector<T>, err: Error) => void;
  /** Lifecycle hooks. */
  events?: ReflectorEvents;
  /** Random source in [0, 1) for timeouts and jitter. Default Math.random. */
  random?: () => number;
}

/** Counters for metrics. */
export interface ReflectorStats {
  lists: number;
  relists: number;
  watches: number;
  events: number;
  /** Clock time of the last watch event, or 0. */
  lastEventAt: number;
  errors: number;
}

const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

/** True when both resource versions are integers and `a` is older than `b`. */
function isOlder(a: string, b: string): boolean {
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}

class WatchEnded {
  readonly reason: WatchEndReason;
  readonly error: Error | undefined;
  constructor(reason: WatchEndReason, error?: Error) {
    this.reason = reason;
    this.error = error;
  }
}

/**
 * client-go's Reflector: lists and watches one resource into a Store.
 *
 * Contract:
 * - `run(signal)` keeps the store in sync until `signal` aborts, with backoff between attempts; it
 *   never stops on an error, and resolves only once every socket and timer it used is released.
 * - The store sees `replace(items, rv)` once per LIST (and per WatchList initial sync), then
 *   `add`/`update`/`delete` for watch events, `bookmark(rv)` (BookmarkStore) and
 *   `updateResourceVersion(rv)` (ResourceVersionUpdater) where supported.
 * - `lastSyncResourceVersion()` never goes back in time: relists use it (or `''` after a 410 /
 *   "too large" answer on a list, which forces a consistent read).
 */
export class Reflector<T = KubeObject> {
  readonly name: string;
  private readonly lw: ListerWatcher<T>;
  private readonly store: Store<T>;
  private readonly opts: ReflectorOptions<T>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly backoff: Backoff;
  private readonly random: () => number;
  private lastSyncRv = '';
  private rvUnavailable = false;
  private paginatedResult = false;
  private watchListUnsupported = false;
  private listedOnce = false;
  private internalErrorSince: number | undefined;
  readonly stats: ReflectorStats = {
    lists: 0,
    relists: 0,
    watches: 0,
    events: 0,
    lastEventAt: 0,
    errors: 0,
  };

  constructor(lw: ListerWatcher<T>, store: Store<T>, options: ReflectorOptions<T> = {}) {
    this.lw = lw;
    this.store = store;
    this.opts = options;
    this.name = options.name ?? lw.description ?? 'reflector';
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? silentLogger;
    this.random = options.random ?? Math.random;
    this.backoff = new Backoff(options.backoff ?? {}, { clock: this.clock, random: this.random });
  }

  /** The resource version the store is synced to (`''` before the first list). */
  lastSyncResourceVersion(): string {
    return this.lastSyncRv;
  }

  /** True after a list at the last RV failed with 410/too-large: the next list is a consistent read. */
  isLastSyncResourceVersionUnavailable(): boolean {
    return this.rvUnavailable;
  }

  /**
   * Lists and watches until `signal` aborts, backing off between rounds. Resolves (never
   * rejects) once everything is released.
   */
  async run(signal: AbortSignal): Promise<void> {
    this.logger.info({ reflector: this.name }, 'starting reflector');
    while (!signal.aborted) {
      try {
        await this.listAndWatch(signal);
      } catch (err) {
        if (signal.aborted || isAbortError(err)) break;
        this.report(toError(err));
      }
      if (signal.aborted) break;
      try {
        await sleep(this.nextDelay(undefined), { clock: this.clock, signal });
      } catch {
        break;
      }
    }
    this.logger.info({ reflector: this.name }, 'stopped reflector');
  }

  /**
   * One round: an initial LIST (or WatchList), then watches resumed from the last RV for as long
   * as they can be. Resolves when a relist is needed (after a 410, a very short watch, …);
   * rejects with the error that ended the round (list failure, non-retriable watch error).
   */
  async listAndWatch(signal: AbortSignal): Promise<void> {
    let stream: WatchStream<T> | undefined;
    if (
      this.opts.useWatchList &&
      !this.watchListUnsupported &&
      this.lw.supportsWatchList !== false
    ) {
      stream = await this.watchList(signal);
    }
    if (stream === undefined) await this.list(signal);
    const resync = this.startResync();
    try {
      await this.watchLoop(stream, signal);
    } finally {
      resync.cancel();
    }
  }

  /** client-go's relistResourceVersion: "" after an unavailable RV, "0" before the first sync. */
  private relistResourceVersion(): string {
    if (this.rvUnavailable) return '';
    if (this.lastSyncRv === '') return '0';
    return this.lastSyncRv;
  }

  private async list(signal: AbortSignal): Promise<void> {
    const rv = this.relistResourceVersion();
    let pageSize = 500;
    if (this.opts.pageSize) pageSize = this.opts.pageSize;
    else if (this.paginatedResult) pageSize = 500;
    else if (rv !== '' && rv !== '0') pageSize = 0; // list from the watch cache, unpaged
    if (this.lw.supportsPaging === false) pageSize = 0;
    const start = this.clock.now();
    this.opts.events?.onListStart?.({ resourceVersion: rv, pageSize });
    if (this.listedOnce) this.stats.relists++;
    this.stats.lists++;
    const options: ListOptions = { resourceVersion: rv };
    if (rv !== '' && rv !== '0') options.resourceVersionMatch = 'NotOlderThan';
    const mapItem = this.opts.mapListItem;
    const doList = (o: ListOptions) =>
      pageSize > 0
        ? listAllPages(this.lw, o, signal, { pageSize, ...(mapItem ? { mapItem } : {}) })
        : this.lw.list(o, signal).then((l) => {
            if (mapItem) for (let i = 0; i < l.items.length; i++) l.items[i] = mapItem(l.items[i]!);
            return { ...l, paginated: false };
          });
    let list;
    try {
      list = await doList(options);
    } catch (err) {
      if (!(isExpired(err) || isTooLargeResourceVersion(err))) throw err;
      // The RV we listed at is unavailable: retry at once with a consistent read.
      this.rvUnavailable = true;
      this.report(toError(err), 'list');
      pageSize = this.opts.pageSize || 500;
      list = await doList({ resourceVersion: '' });
    }
    const got = list.metadata?.resourceVersion ?? '';
    if (isOlder(got, rv)) {
      // Differs from client-go: a list answered at a revision older than the NotOlderThan bound we
      // asked for (a lagging cache, HA skew) would move the cache back in time. Reject it and
      // retry at once with a consistent read. Only applied when both RVs are integers.
      this.report(
        new ReflectorError(
          'stale-list',
          `${this.name}: LIST at RV ${rv} returned older RV ${got}; retrying with a consistent read`,
        ),
      );
      list = await doList({ resourceVersion: '' });
    }
    if (rv === '0' && list.paginated) this.paginatedResult = true;
    this.rvUnavailable = false;
    const resourceVersion = list.metadata?.resourceVersion ?? '';
    const items: T[] = [];
    for (const item of list.items) {
      const ok = this.checkObject(item, 'list');
      if (ok !== undefined) items.push(ok);
    }
    this.store.replace(items, resourceVersion);
    this.listedOnce = true;
    this.setLastSyncRv(resourceVersion);
    this.opts.events?.onListEnd?.({
      items: items.length,
      resourceVersion,
      durationMs: this.clock.now() - start,
      paginated: list.paginated,
    });
    this.logger.debug({ reflector: this.name, items: items.length, resourceVersion }, 'listed');
  }

  /** Streams the initial list with sendInitialEvents; undefined means "fall back to LIST". */
  private async watchList(signal: AbortSignal): Promise<WatchStream<T> | undefined> {
    const temp = createStore<T>(deletionHandlingMetaNamespaceKeyFunc);
    const rv = this.rvUnavailable ? '' : this.lastSyncRv;
    const timeoutSeconds = this.watchTimeoutSeconds();
    const options: ListOptions = {
      resourceVersion: rv,
      resourceVersionMatch: 'NotOlderThan',
      allowWatchBookmarks: true,
      sendInitialEvents: true,
      timeoutSeconds,
    };
    const start = this.clock.now();
    this.opts.events?.onListStart?.({ resourceVersion: rv, pageSize: 0 });
    this.opts.events?.onWatchStart?.({
      resourceVersion: rv,
      timeoutSeconds,
      sendInitialEvents: true,
    });
    if (this.listedOnce) this.stats.relists++;
    this.stats.lists++;
    let stream: WatchStream<T>;
    try {
      stream = await this.lw.watch(options, signal);
    } catch (err) {
      if (isAbortError(err)) throw err;
      this.watchListUnsupported = true;
      this.report(
        new ReflectorError(
          'watchlist',
          `WatchList request failed, falling back to LIST: ${toError(err).message}`,
          { cause: err },
        ),
      );
      return undefined;
    }
    this.stats.watches++;
    const deadline = this.clock.setTimeout(
      () => stream.stop(),
      this.opts.watchListTimeoutMs ?? 60_000,
    );
    let ended: WatchEnded;
    let events = 0;
    let lastRv = rv;
    try {
      ended = await this.consume(
        stream,
        temp,
        signal,
        (n, eventRv) => {
          events = n;
          lastRv = eventRv;
        },
        true,
      );
    } finally {
      deadline.cancel();
    }
    if (ended.reason !== 'initial-events-end') {
      stream.stop();
      if (signal.aborted) return undefined;
      this.watchListUnsupported = true;
      this.report(
        new ReflectorError(
          'watchlist',
          `WatchList did not end its initial events (${ended.reason}); falling back to LIST from now on`,
          ended.error ? { cause: ended.error } : undefined,
        ),
      );
      return undefined;
    }
    this.store.replace(temp.list(), lastRv);
    this.listedOnce = true;
    this.rvUnavailable = false;
    this.setLastSyncRv(lastRv);
    this.opts.events?.onListEnd?.({
      items: events,
      resourceVersion: lastRv,
      durationMs: this.clock.now() - start,
      paginated: false,
    });
    return stream;
  }

  private watchTimeoutSeconds(): number {
    const min = this.opts.minWatchTimeoutSeconds ?? 300;
    return Math.floor(min * (this.random() + 1));
  }

  private async watchLoop(initial: WatchStream<T> | undefined, signal: AbortSignal): Promise<void> {
    let stream = initial;
    for (;;) {
      if (signal.aborted) return;
      let startedFrom = this.lastSyncRv;
      if (stream === undefined) {
        const timeoutSeconds = this.watchTimeoutSeconds();
        startedFrom = this.lastSyncRv;
        try {
          this.opts.events?.onWatchStart?.({
            resourceVersion: startedFrom,
            timeoutSeconds,
            sendInitialEvents: false,
          });
          stream = await this.lw.watch(
            { resourceVersion: startedFrom, timeoutSeconds, allowWatchBookmarks: true },
            signal,
          );
          this.stats.watches++;
        } catch (err) {
          if (signal.aborted || isAbortError(err)) return;
          const e = toError(err);
          if (isConnectionRefused(e) || isTooManyRequests(e)) {
            // The server is busy or away: the RV is still good, so back off and rewatch (no relist).
            this.report(e, 'watch');
            await this.backoffSleep(e, signal);
            continue;
          }
          if (isExpired(e) || (isApiStatusError(e) && e.code === 410)) {
            this.report(e, 'watch');
            return; // relist (after the run loop's backoff)
          }
          throw e;
        }
      }
      const start = this.clock.now();
      const ended = await this.consume(stream, this.store, signal, undefined, false, startedFrom);
      stream.stop();
      stream = undefined;
      const durationMs = this.clock.now() - start;
      this.opts.events?.onWatchEnd?.({
        reason: ended.reason,
        events: this.lastConsumeEvents,
        durationMs,
        ...(ended.error ? { error: ended.error } : {}),
      });
      switch (ended.reason) {
        case 'aborted':
          return;
        case 'closed':
          if (durationMs < 1000 && this.lastConsumeEvents === 0) {
            this.report(
              new ReflectorError(
                'very-short-watch',
                `${this.name}: unexpected watch close - watch lasted less than a second and no items received`,
              ),
            );
            return; // relist after backoff, as client-go
          }
          this.internalErrorSince = undefined;
          continue; // normal end: rewatch from the last RV
        case 'expired':
          this.report(ended.error!, 'watch');
          return; // relist at the last RV
        case 'too-many-requests':
          this.report(ended.error!, 'watch');
          await this.backoffSleep(ended.error, signal);
          continue;
        case 'decode-error':
          // Resume from the last good RV without relisting; back off so a broken stream cannot spin.
          this.report(ended.error!, 'watch');
          await this.backoffSleep(ended.error, signal);
          continue;
        case 'internal-error': {
          this.report(ended.error!, 'watch');
          const now = this.clock.now();
          this.internalErrorSince ??= now;
          if (now - this.internalErrorSince < (this.opts.maxInternalErrorRetryDurationMs ?? 0))
            continue;
          this.internalErrorSince = undefined;
          return;
        }
        case 'error':
        case 'initial-events-end':
          // Connection resets, idle timeouts and other errors: rewatch after backoff from the last
          // RV; a relist follows only if the server says the RV is gone.
          this.report(
            ended.error ?? new ReflectorError('watch', `watch ended: ${ended.reason}`),
            'watch',
          );
          await this.backoffSleep(ended.error, signal);
          continue;
      }
    }
  }

  private lastConsumeEvents = 0;

  /**
   * Applies watch events to `store` until the stream ends. With `untilInitialEventsEnd`, returns
   * at the WatchList end bookmark. `startedFrom` '' / '0' means events are synthetic ADDs until a
   * real change arrives: they do not move the RV.
   */
  private async consume(
    stream: WatchStream<T>,
    store: Store<T>,
    signal: AbortSignal,
    progress: ((events: number, rv: string) => void) | undefined,
    untilInitialEventsEnd: boolean,
    startedFrom = 'x',
  ): Promise<WatchEnded> {
    let events = 0;
    let synthetic = !untilInitialEventsEnd && (startedFrom === '' || startedFrom === '0');
    // A manual iterator: returning early at the WatchList end bookmark must not close the stream,
    // which carries on as the regular watch.
    const it = stream[Symbol.asyncIterator]();
    try {
      for (;;) {
        // Events already decoded are taken synchronously (no promise per event); otherwise wait.
        let ev = stream.poll?.();
        if (ev === undefined) {
          const step = await it.next();
          if (step.done) break;
          ev = step.value;
        }
        if (signal.aborted) break;
        const obj = ev.object as T & KubeObject;
        const rv = obj.metadata?.resourceVersion;
        if (typeof rv !== 'string' || rv === '') {
          this.report(
            new ReflectorError(
              'object',
              `${this.name}: ${ev.type} event without metadata.resourceVersion; skipped`,
            ),
          );
          continue;
        }
        if (ev.type === 'BOOKMARK') {
          synthetic = false;
          if (untilInitialEventsEnd && obj.metadata?.annotations?.[INITIAL_EVENTS_END] === 'true') {
            progress?.(events, rv);
            this.lastConsumeEvents = events;
            return new WatchEnded('initial-events-end');
          }
          if (untilInitialEventsEnd) {
            progress?.(events, rv);
            continue;
          }
          this.setLastSyncRv(rv);
          if (isBookmarkStore(store)) store.bookmark(rv);
          if (isResourceVersionUpdater(store)) store.updateResourceVersion(rv);
          events++;
          continue;
        }
        const checked = this.checkObject(obj, 'watch');
        if (checked === undefined) continue;
        try {
          if (ev.type === 'ADDED') store.add(checked);
          else if (ev.type === 'MODIFIED') store.update(checked);
          else store.delete(checked);
        } catch (err) {
          this.report(
            new ReflectorError(
              'store',
              `${this.name}: unable to apply ${ev.type}: ${toError(err).message}`,
              { cause: err },
            ),
          );
          continue;
        }
        events++;
        this.stats.events++;
        this.stats.lastEventAt = this.clock.now();
        if (synthetic && ev.type !== 'ADDED') synthetic = false;
        if (untilInitialEventsEnd) {
          progress?.(events, rv);
        } else if (!synthetic) {
          this.setLastSyncRv(rv);
          if (isResourceVersionUpdater(store)) store.updateResourceVersion(rv);
        }
      }
    } catch (err) {
      this.lastConsumeEvents = events;
      if (signal.aborted || isAbortError(err)) return new WatchEnded('aborted');
      const e = toError(err);
      if (isWatchDecodeError(e)) return new WatchEnded('decode-error', e);
      if (isExpired(e) || (isApiStatusError(e) && e.code === 410))
        return new WatchEnded('expired', e);
      if (isTooManyRequests(e)) return new WatchEnded('too-many-requests', e);
      if (isInternalError(e)) return new WatchEnded('internal-error', e);
      return new WatchEnded('error', e);
    }
    this.lastConsumeEvents = events;
    return new WatchEnded(signal.aborted ? 'aborted' : 'closed');
  }

  /** Validates an object from the server; returns it (transformed) or undefined when skipped. */
  private checkObject(obj: T, source: 'list' | 'watch'): T | undefined {
    const o = obj as KubeObject | null;
    if (
      typeof o !== 'object' ||
      o === null ||
      typeof o.metadata !== 'object' ||
      o.metadata === null
    ) {
      this.report(
        new ReflectorError(
          'object',
          `${this.name}: ${source} returned an object without metadata; skipped`,
        ),
      );
      return undefined;
    }
    const expected = this.opts.expectedKind ?? this.lw.expectedKind;
    if (
      expected !== undefined &&
      o.kind !== undefined &&
      o.kind !== expected &&
      o.kind !== 'PartialObjectMetadata'
    ) {
      this.report(
        new ReflectorError(
          'wrong-kind',
          `${this.name}: expected kind ${expected}, got ${o.kind} (${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}); skipped`,
        ),
      );
      return undefined;
    }
    const t = this.opts.transform;
    if (t && !(this.store as { transformsObjects?: boolean }).transformsObjects) return t(obj);
    return obj;
  }

  private setLastSyncRv(rv: string): void {
    if (rv !== '') this.lastSyncRv = rv;
  }

  private nextDelay(err: unknown): number {
    const base = this.backoff.next();
    const retryAfter = isApiStatusError(err) ? err.retryAfterSeconds : undefined;
    return retryAfter !== undefined ? Math.max(base, retryAfter * 1000) : base;
  }

  private async backoffSleep(err: unknown, signal: AbortSignal): Promise<void> {
    try {
      await sleep(this.nextDelay(err), { clock: this.clock, signal });
    } catch {
      // aborted: the caller checks the signal
    }
  }

  private startResync(): { cancel(): void } {
    const period = this.opts.resyncPeriodMs ?? 0;
    if (period <= 0) return { cancel: () => undefined };
    let timer = this.clock.setTimeout(tick.bind(this), period);
    function tick(this: Reflector<T>): void {
      if (this.opts.shouldResync?.() ?? true) {
        try {
          this.store.resync();
        } catch (err) {
          this.report(toError(err), 'resync');
        }
      }
      timer = this.clock.setTimeout(tick.bind(this), period);
    }
    return { cancel: () => timer.cancel() };
  }

  private report(err: Error, during?: string): void {
    this.stats.errors++;
    this.logger.warn({ reflector: this.name, during, err: err.message }, 'reflector error');
    try {
      this.opts.watchErrorHandler?.(this, err);
    } catch (hookErr) {
      this.logger.error(
        { reflector: this.name, err: toError(hookErr).message },
        'watchErrorHandler threw',
      );
    }
  }
}
