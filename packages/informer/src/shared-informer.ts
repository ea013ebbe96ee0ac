// Port of k8s.io/client-go/tools/cache/shared_informer.go: one cache, many handlers, each with its
// own ordered queue, per-handler resync and per-handler hasSynced.
import {
  createInformerMetrics,
  createRateLimitedLogger,
  defaultLogger,
  flushLogger,
  noopInformerMetrics,
  realClock,
  toError,
  type Clock,
  type GroupVersionResource,
  type InformerMetrics,
  type KubeObject,
  type Logger,
  type MetricsProvider,
} from '@kubecache/core';
import type { Deltas, Queue } from '@kubecache/deltafifo';
import type { ListerWatcher } from '@kubecache/listwatch';
import { Reflector, isPermanentFailureError, type ReflectorOptions } from '@kubecache/reflector';
import {
  createIndexer,
  createLister,
  deletionHandlingMetaNamespaceKeyFunc,
  isBookmarkStore,
  type Indexer,
  type Indexers,
  type KeyFunc,
  type Lister,
  type BookmarkStore,
  type Store,
  type TransformFunc,
} from '@kubecache/store';
import {
  makeQueue,
  processDeltas,
  reuseUnchanged,
  runQueueLoop,
  type DeltaSink,
  type QueueKind,
} from './controller.js';
import { InformerStoppedError } from './errors.js';
import { hintFor } from './frozen-objects.js';
import { SyncLatch, type ResourceEventHandler, type SyncWaiter } from './handlers.js';
import {
  ProcessorListener,
  type Notification,
  type ResourceEventHandlerRegistration,
} from './processor.js';

/** Options of {@link createSharedIndexInformer}. */
export interface SharedIndexInformerOptions<T> {
  /** Default resync period for handlers added without one, in ms. 0 = none (default). */
  resyncPeriodMs?: number;
  /** Index functions of the cache. */
  indexers?: Indexers<T>;
  /** Queue between Reflector and cache: `realfifo` (default, client-go 1.36) or `deltafifo`. */
  queue?: QueueKind;
  /**
   * client-go's AtomicFIFO feature gate (on by default in 1.36), for the `realfifo` queue: a relist
   * is one queue entry, applied to the cache as a whole before any handler is notified of its
   * items (a handler reading the store sees one server resource version, never a half-applied
   * relist), and a resync is one entry too. `false` restores one delta per listed or resynced
   * object. Ignored with `queue: 'deltafifo'`. Default: true.
   */
  atomicFIFO?: boolean;
  /** Applied once to each object before it is cached (e.g. {@link stripManagedFields}). */
  transform?: TransformFunc<T>;
  /**
   * Development aid: deep-freeze every object (after `transform`) before it is cached, so a
   * handler or lister caller writing into a cached object gets a TypeError (strict mode) at the
   * write instead of a cache silently out of step with the server. Costs a walk of each object.
   * Default: false (only the `managedFields[].fieldsV1` values the ListWatch shares are frozen).
   *
   * Differs from client-go, which has no such switch (its rule is only documented).
   */
  freezeObjects?: boolean;
  /** Key function. Default `deletionHandlingMetaNamespaceKeyFunc`. */
  keyFunc?: KeyFunc<T>;
  /** Clock for every timer. Default real. */
  clock?: Clock;
  /**
   * Name in logs, metrics and sync reports, e.g. `pods.v1` (the factory passes the GVR).
   * Default: the ListerWatcher's description.
   */
  name?: string;
  /**
   * The informer's resource, for the `group`, `version` and `resource` labels of client-go
   * 1.36's informer metrics (`informer_queued_items`, `informer_processing_latency_seconds`,
   * `informer_store_resource_version`). Default: none (empty labels).
   */
  resource?: GroupVersionResource;
  /**
   * Logger of the informer and its Reflector. Default: core's `defaultLogger` (warnings and
   * errors to stderr, one line per cause per 30 s, redacted); `silentLogger` prints nothing.
   */
  logger?: Logger;
  /**
   * Informer metrics hooks (core's `InformerMetrics`). Default: made from `metricsProvider` with
   * `createInformerMetrics(metricsProvider, name)`, else none.
   */
  metrics?: InformerMetrics;
  /**
   * Where the default informer and Reflector metrics are created (e.g. `@kubecache/prometheus`).
   * Default: none.
   */
  metricsProvider?: MetricsProvider;
  /**
   * What to do about an error retrying cannot fix (400, 401, 403, 404, 422, a wrong `kind`):
   * `'retry'` (default, as client-go: reported as "will not fix itself", retried with backoff) or
   * `'stop'`: `run` rejects with the Reflector's `PermanentFailureError`, `whenSynced` resolves
   * false and `lastError()` returns that error — for CLIs that should exit instead of waiting.
   */
  onPermanentError?: 'retry' | 'stop';
  /** Extra Reflector options (backoff, WatchList, hooks, …). */
  reflector?: Omit<
    ReflectorOptions<T>,
    'resyncPeriodMs' | 'shouldResync' | 'transform' | 'clock' | 'logger' | 'watchErrorHandler'
  >;
  /**
   * Called when a handler throws or rejects (with anything: a non-Error is wrapped by core's
   * `toError`, its message describing the value). Default: logged at error level, as
   * `kubecache error informer <name>: event handler failed: <error> handler=<handler name> key=<namespace/name>`,
   * with the stack under the first line of each distinct failure, and repeats summarised per
   * 30 s window naming their keys (`(repeated N times for M keys: …)`).
   */
  onHandlerError?: (err: Error, notification: Notification<T>) => void;
}

/** Options of {@link SharedIndexInformer.addEventHandler}. */
export interface AddEventHandlerOptions {
  /** This handler's resync period in ms. Default: the informer's `resyncPeriodMs`. */
  resyncPeriodMs?: number;
  /**
   * The handler's name in logs and metrics (`handler` label). Default: its index in
   * registration order (`'0'`, `'1'`, …).
   */
  name?: string;
}

/**
 * client-go's SharedIndexInformer.
 *
 * Contract:
 * - One Reflector and one cache per informer, shared by every handler.
 * - Each handler has its own ordered queue: notifications reach it in order, an async handler is
 *   awaited before its next notification, a throwing/rejecting handler is reported and keeps
 *   receiving, a slow handler delays nobody else.
 * - Handlers added after start first receive synthetic `onAdd(obj, true)` for the current cache;
 *   their registration's `hasSynced()` turns true once they processed those and the informer synced.
 * - Resyncs reach only handlers whose own period is due; relisted objects with an unchanged
 *   resource version count as resyncs (no spurious `onUpdate`).
 */
export interface SharedIndexInformer<T = KubeObject> extends SyncWaiter {
  /** Name in logs, metrics and sync reports (e.g. `pods.v1`). */
  readonly name: string;
  addEventHandler(
    handler: ResourceEventHandler<T>,
    options?: AddEventHandlerOptions,
  ): ResourceEventHandlerRegistration;
  /**
   * Removes a handler: `registration.remove()`. Resolves once the handler is idle (client-go
   * 1.37 `ShutDownEventHandler`; see {@link ResourceEventHandlerRegistration.remove}).
   */
  removeEventHandler(registration: ResourceEventHandlerRegistration): Promise<void>;
  getStore(): Indexer<T>;
  getIndexer(): Indexer<T>;
  getLister(): Lister<T>;
  /**
   * Adds index functions, before or after start (client-go 1.36): the new indices are built from
   * the current cache. Throws the store's `IndexError` for a name already indexed, and
   * {@link InformerStoppedError} once the informer stopped.
   */
  addIndexers(indexers: Indexers<T>): void;
  lastSyncResourceVersion(): string;
  /**
   * The resource version the cache has processed up to (client-go 1.36
   * `LastStoreSyncResourceVersion`), i.e. `getIndexer().lastStoreSyncResourceVersion()`: `''`
   * before the first list; then the list's, moved by each event applied to the cache (the
   * object's resource version) and each watch bookmark once the events before it were applied.
   * Unlike {@link lastSyncResourceVersion} (what the Reflector has received), it never runs
   * ahead of what the cache holds: a read of the cache after it says `rv` sees every change up
   * to `rv`. Events and bookmarks never move it back; a relist sets it to the list's.
   */
  lastStoreSyncResourceVersion(): string;
  /**
   * Calls `listener` after each queue entry (an event, a list, a bookmark) was applied to the
   * cache, i.e. whenever the cache or {@link lastStoreSyncResourceVersion} may have moved: to
   * wait for the cache to reach a resource version without polling (the controller's
   * read-your-writes). Called synchronously on the processing loop: keep it quick; what it
   * throws is ignored. Returns the function that removes it.
   */
  onStoreChange(listener: () => void): () => void;
  /** Sets the transform; only before `run`. */
  setTransform(transform: TransformFunc<T>): void;
  /** Sets the watch error handler; only before `run`. */
  setWatchErrorHandler(handler: (reflector: Reflector<T>, err: Error) => void): void;
  /** Runs until `signal` aborts; resolves once the Reflector, the queue and every handler stopped. */
  run(signal: AbortSignal): Promise<void>;
  isStarted(): boolean;
  isStopped(): boolean;
  /**
   * What went wrong last: the Reflector's last error since its last successful list or watch
   * start (`undefined` while healthy), or the `PermanentFailureError` the informer stopped with.
   */
  lastError(): Error | undefined;
  /** Clock time (ms) since which it has been failing; `undefined` while healthy. */
  failingSince(): number | undefined;
  /** True while a watch is open and being read. */
  isWatching(): boolean;
  /** Clock time (ms) of the last watch event or bookmark received; `undefined` before any. */
  lastEventTime(): number | undefined;
  /** Clock time (ms) of the last successful list; `undefined` before any. */
  lastListTime(): number | undefined;
  /** The clock the times above are on. */
  readonly clock: Clock;
}

const MIN_RESYNC_MS = 1000;

class SharedIndexInformerImpl<T> implements SharedIndexInformer<T> {
  readonly name: string;
  readonly clock: Clock;
  private readonly lw: ListerWatcher<T>;
  private readonly opts: SharedIndexInformerOptions<T>;
  private readonly indexer: Indexer<T>;
  private readonly keyFunc: KeyFunc<T>;
  private readonly logger: Logger;
  private readonly metrics: InformerMetrics;
  private handlersAdded = 0;
  private failure: Error | undefined;
  private readonly listeners = new Set<ProcessorListener<T>>();
  private syncing = new Set<ProcessorListener<T>>();
  private transform: TransformFunc<T> | undefined;
  private watchErrorHandler: ((r: Reflector<T>, err: Error) => void) | undefined;
  private queue: Queue<T> | undefined;
  private reflector: Reflector<T> | undefined;
  private started = false;
  private stopped = false;
  private resyncCheckPeriodMs: number;
  private readonly latch: SyncLatch;
  private readonly storeListeners = new Set<() => void>();

  constructor(lw: ListerWatcher<T>, options: SharedIndexInformerOptions<T>) {
    this.lw = lw;
    this.opts = options;
    this.keyFunc = options.keyFunc ?? deletionHandlingMetaNamespaceKeyFunc;
    this.indexer = createIndexer<T>(this.keyFunc, options.indexers ?? {});
    this.clock = options.clock ?? realClock;
    this.name = options.name ?? lw.description ?? 'informer';
    // A user's logger gets the same policy as the default one (one line per cause with its stack,
    // keys named, repeats summarised and flushed when run ends); kubecache's loggers pass through.
    this.logger = createRateLimitedLogger(options.logger ?? defaultLogger);
    this.metrics =
      options.metrics ??
      (options.metricsProvider !== undefined
        ? createInformerMetrics(options.metricsProvider, this.name, options.resource)
        : noopInformerMetrics);
    this.transform = options.transform;
    this.resyncCheckPeriodMs = options.resyncPeriodMs ?? 0;
    this.latch = new SyncLatch(() => this.queue?.hasSynced() ?? false);
  }

  hasSynced(): boolean {
    return this.latch.hasSynced();
  }

  whenSynced(signal?: AbortSignal): Promise<boolean> {
    return this.latch.whenSynced(signal);
  }

  addEventHandler(
    handler: ResourceEventHandler<T>,
    options: AddEventHandlerOptions = {},
  ): ResourceEventHandlerRegistration {
    if (this.stopped) throw new InformerStoppedError('addEventHandler');
    const handlerName = options.name ?? String(this.handlersAdded);
    this.handlersAdded++;
    let resync = options.resyncPeriodMs ?? this.opts.resyncPeriodMs ?? 0;
    if (resync > 0 && resync < MIN_RESYNC_MS) resync = MIN_RESYNC_MS;
    if (resync > 0) {
      if (!this.started) {
        if (this.resyncCheckPeriodMs === 0 || resync < this.resyncCheckPeriodMs)
          this.resyncCheckPeriodMs = resync;
      } else if (resync < this.resyncCheckPeriodMs) {
        // As client-go: the check period is fixed once started.
        this.logger.warn(
          {
            component: 'informer',
            resource: this.name,
            handler: handlerName,
            requestedMs: resync,
            usedMs: this.resyncCheckPeriodMs,
          },
          'resync period below the running check period',
        );
        resync = this.resyncCheckPeriodMs;
      }
    }
    const listener = new ProcessorListener<T>({
      handler,
      name: handlerName,
      metrics: this.metrics,
      resyncPeriodMs: resync,
      clock: this.clock,
      upstreamSynced: () => this.hasSynced(),
      logger: this.logger,
      informerName: this.name,
      onRemove: (l) => {
        this.listeners.delete(l);
        this.syncing.delete(l);
      },
      onError: (err, n) => this.handlerFailed(err, n, handlerName),
    });
    this.listeners.add(listener);
    if (this.started) {
      // A late handler first sees the current cache, as "initial list" adds.
      for (const obj of this.indexer.list())
        listener.add({ type: 'add', obj, isInInitialList: true });
    }
    listener.pokeSync();
    return listener;
  }

  removeEventHandler(registration: ResourceEventHandlerRegistration): Promise<void> {
    return registration.remove();
  }

  getStore(): Indexer<T> {
    return this.indexer;
  }

  getIndexer(): Indexer<T> {
    return this.indexer;
  }

  getLister(): Lister<T> {
    return createLister(this.indexer);
  }

  addIndexers(indexers: Indexers<T>): void {
    // client-go 1.36: allowed before and after start (the new indices are built from the cache),
    // refused once stopped; a name that is already indexed is the store's IndexError.
    if (this.stopped) throw new InformerStoppedError('addIndexers');
    this.indexer.addIndexers(indexers);
  }

  lastSyncResourceVersion(): string {
    return this.reflector?.lastSyncResourceVersion() ?? '';
  }

  lastStoreSyncResourceVersion(): string {
    return this.indexer.lastStoreSyncResourceVersion();
  }

  onStoreChange(listener: () => void): () => void {
    const entry = (): void => listener(); // its own entry: adding one listener twice is fine
    this.storeListeners.add(entry);
    return () => {
      this.storeListeners.delete(entry);
    };
  }

  setTransform(transform: TransformFunc<T>): void {
    if (this.started) throw new Error('setTransform: informer has already started');
    this.transform = transform;
  }

  setWatchErrorHandler(handler: (reflector: Reflector<T>, err: Error) => void): void {
    if (this.started) throw new Error('setWatchErrorHandler: informer has already started');
    this.watchErrorHandler = handler;
  }

  isStarted(): boolean {
    return this.started;
  }

  isStopped(): boolean {
    return this.stopped;
  }

  lastError(): Error | undefined {
    return this.failure ?? this.reflector?.lastError();
  }

  failingSince(): number | undefined {
    return this.reflector?.failingSince();
  }

  isWatching(): boolean {
    return this.reflector?.isWatching() ?? false;
  }

  lastEventTime(): number | undefined {
    return this.reflector?.lastEventTime();
  }

  lastListTime(): number | undefined {
    return this.reflector?.lastListTime();
  }

  /** Ms since the informer last heard from the server (list, event or bookmark). */
  private msSinceLastEvent(): number | undefined {
    const last = Math.max(this.lastEventTime() ?? 0, this.lastListTime() ?? 0);
    return last === 0 ? undefined : this.clock.now() - last;
  }

  async run(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error('informer is already running');
    if (this.stopped) throw new Error('informer has stopped and cannot be restarted');
    this.started = true;
    const queue = makeQueue(
      this.opts.queue ?? 'realfifo',
      this.indexer,
      this.keyFunc,
      this.transform,
      this.opts.atomicFIFO ?? true,
      this.opts.freezeObjects ?? false,
    );
    this.queue = queue;
    const pokeSynced = (): void => {
      if (!queue.hasSynced()) return;
      this.latch.poke();
      for (const l of this.listeners) l.pokeSync();
    };
    // The Reflector feeds the queue through this view so that an empty initial list (synced at
    // once, nothing to pop) still releases waitForCacheSync.
    const feed: Store<T> = {
      add: (o) => queue.add(o),
      update: (o) => queue.update(o),
      delete: (o) => queue.delete(o),
      list: () => queue.list(),
      listKeys: () => queue.listKeys(),
      get: (o) => queue.get(o),
      getByKey: (k) => queue.getByKey(k),
      replace: (items, rv) => {
        queue.replace(items, rv);
        pokeSynced();
      },
      resync: () => queue.resync(),
    };
    // Bookmarks go through the queue (a RealFIFO's Bookmark entry), so the cache's resource
    // version moves once the events before them were applied. A DeltaFIFO takes none.
    const withBookmarks: Store<T> & Partial<BookmarkStore> = isBookmarkStore(queue)
      ? { ...feed, bookmark: (rv: string) => queue.bookmark(rv) }
      : feed;
    const reflector = new Reflector<T>(this.lw, withBookmarks, {
      mapListItem: reuseUnchanged(this.indexer, this.keyFunc),
      name: this.name,
      ...(this.opts.metricsProvider !== undefined
        ? { metricsProvider: this.opts.metricsProvider }
        : {}),
      ...(this.opts.onPermanentError !== undefined
        ? { onPermanentError: this.opts.onPermanentError }
        : {}),
      ...this.opts.reflector,
      resyncPeriodMs: this.resyncCheckPeriodMs,
      shouldResync: () => this.shouldResync(),
      clock: this.clock,
      logger: this.logger,
      ...(this.watchErrorHandler ? { watchErrorHandler: this.watchErrorHandler } : {}),
    });
    this.reflector = reflector;
    const sink: DeltaSink<T> = {
      onAdd: (obj, isInInitialList) =>
        this.distribute({ type: 'add', obj, isInInitialList }, false),
      onUpdate: (oldObj, newObj, isSync) =>
        this.distribute({ type: 'update', oldObj, newObj }, isSync),
      onDelete: (obj) => this.distribute({ type: 'delete', obj: obj as T }, false),
    };
    let wasSynced = false;
    const detach = this.metrics.attach?.({
      pendingNotifications: () => [...this.listeners].map((l) => [l.name, l.queueDepth()] as const),
      msSinceLastEvent: () => this.msSinceLastEvent(),
      queuedItems: () => queue.length,
      storeResourceVersion: () => this.indexer.lastStoreSyncResourceVersion(),
    });
    const processed = this.metrics.processed?.bind(this.metrics);
    const apply = (deltas: Deltas<T>, isInInitialList: boolean): void =>
      processDeltas(sink, this.indexer, deltas, isInInitialList, this.keyFunc);
    // Timed only when someone reads it (client-go's processing latency: pop to processed).
    const process =
      processed === undefined
        ? apply
        : (deltas: Deltas<T>, isInInitialList: boolean): void => {
            const t0 = performance.now();
            try {
              apply(deltas, isInInitialList);
            } finally {
              try {
                processed(performance.now() - t0);
              } catch {
                // Metrics hooks must not stop processing.
              }
            }
          };
    try {
      await runQueueLoop(
        queue,
        reflector,
        process,
        signal,
        this.logger,
        // The queue counts an entry as popped once it was processed: check after each pop.
        () => {
          if (!wasSynced && queue.hasSynced()) {
            wasSynced = true;
            pokeSynced();
          }
          for (const l of this.storeListeners) {
            try {
              l();
            } catch {
              // A store listener must not stop processing.
            }
          }
        },
      );
    } catch (err) {
      if (isPermanentFailureError(err)) {
        this.failure = err;
        throw err; // after the finally block released everything
      }
      this.logger.error(
        { component: 'informer', resource: this.name, err: toError(err) },
        'informer loop failed',
      );
    } finally {
      detach?.();
      this.stopped = true;
      // Let handlers finish what they are doing, then stop them.
      await Promise.all([...this.listeners].map((l) => l.idle()));
      for (const l of [...this.listeners]) void l.remove(); // idle already: resolves at once
      this.latch.cancel();
      // Print the repeat counts the logger still holds (handler failures of the last window).
      flushLogger(this.logger);
    }
  }

  /**
   * Reports a handler call that threw or rejected: to `onHandlerError`, else as one error line
   * naming the handler and the object's key (so the logger's repeat summary names the keys).
   * Never throws: a throwing hook or logger must not stop delivery.
   */
  private handlerFailed(err: Error, n: Notification<T>, handlerName: string): void {
    if (this.opts.onHandlerError) {
      this.opts.onHandlerError(err, n);
      return;
    }
    let key: string | undefined;
    try {
      // deletionHandlingMetaNamespaceKeyFunc (the default) also keys a DeletedFinalStateUnknown.
      key = this.keyFunc((n.type === 'update' ? n.newObj : n.obj) as T);
    } catch {
      key = undefined; // an object without a key: the line says nothing about it
    }
    try {
      this.logger.error(
        {
          component: 'informer',
          resource: this.name,
          err,
          handler: handlerName,
          ...(key === undefined ? {} : { key }),
          ...hintFor(err),
        },
        'event handler failed',
      );
    } catch {
      // A user's logger that throws must not stop delivery.
    }
  }

  /** client-go's shouldResync: which listeners are due; true if any. */
  private shouldResync(): boolean {
    const now = this.clock.now();
    this.syncing = new Set();
    for (const l of this.listeners) {
      if (l.shouldResync(now)) {
        this.syncing.add(l);
        l.determineNextResync(now);
      }
    }
    return this.syncing.size > 0;
  }

  private distribute(n: Notification<T>, isSync: boolean): void {
    if (isSync) {
      for (const l of this.syncing) l.add(n);
    } else {
      for (const l of this.listeners) l.add(n);
    }
  }
}

/** Creates a {@link SharedIndexInformer} over `lw`. */
export function createSharedIndexInformer<T = KubeObject>(
  lw: ListerWatcher<T>,
  options: SharedIndexInformerOptions<T> = {},
): SharedIndexInformer<T> {
  return new SharedIndexInformerImpl<T>(lw, options);
}
