// Port of k8s.io/client-go/tools/cache/shared_informer.go: one cache, many handlers, each with its
// own ordered queue, per-handler resync and per-handler hasSynced.
import {
  realClock,
  silentLogger,
  toError,
  type Clock,
  type KubeObject,
  type Logger,
} from '@kubecache/core';
import type { Queue } from '@kubecache/deltafifo';
import type { ListerWatcher } from '@kubecache/listwatch';
import { Reflector, type ReflectorOptions } from '@kubecache/reflector';
import {
  createIndexer,
  createLister,
  deletionHandlingMetaNamespaceKeyFunc,
  type Indexer,
  type Indexers,
  type KeyFunc,
  type Lister,
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
  /** Key function. Default `deletionHandlingMetaNamespaceKeyFunc`. */
  keyFunc?: KeyFunc<T>;
  /** Clock for every timer. Default real. */
  clock?: Clock;
  /** Logger. Default silent. */
  logger?: Logger;
  /** Extra Reflector options (backoff, WatchList, hooks, …). */
  reflector?: Omit<
    ReflectorOptions<T>,
    'resyncPeriodMs' | 'shouldResync' | 'transform' | 'clock' | 'logger' | 'watchErrorHandler'
  >;
  /** Called when a handler throws or rejects. Default: logged at error level. */
  onHandlerError?: (err: Error, notification: Notification<T>) => void;
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
  addEventHandler(
    handler: ResourceEventHandler<T>,
    options?: { resyncPeriodMs?: number },
  ): ResourceEventHandlerRegistration;
  removeEventHandler(registration: ResourceEventHandlerRegistration): void;
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
  /** Sets the transform; only before `run`. */
  setTransform(transform: TransformFunc<T>): void;
  /** Sets the watch error handler; only before `run`. */
  setWatchErrorHandler(handler: (reflector: Reflector<T>, err: Error) => void): void;
  /** Runs until `signal` aborts; resolves once the Reflector, the queue and every handler stopped. */
  run(signal: AbortSignal): Promise<void>;
  isStarted(): boolean;
  isStopped(): boolean;
}

const MIN_RESYNC_MS = 1000;

class SharedIndexInformerImpl<T> implements SharedIndexInformer<T> {
  private readonly lw: ListerWatcher<T>;
  private readonly opts: SharedIndexInformerOptions<T>;
  private readonly indexer: Indexer<T>;
  private readonly keyFunc: KeyFunc<T>;
  private readonly clock: Clock;
  private readonly logger: Logger;
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

  constructor(lw: ListerWatcher<T>, options: SharedIndexInformerOptions<T>) {
    this.lw = lw;
    this.opts = options;
    this.keyFunc = options.keyFunc ?? deletionHandlingMetaNamespaceKeyFunc;
    this.indexer = createIndexer<T>(this.keyFunc, options.indexers ?? {});
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? silentLogger;
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
    options: { resyncPeriodMs?: number } = {},
  ): ResourceEventHandlerRegistration {
    if (this.stopped) throw new InformerStoppedError('addEventHandler');
    let resync = options.resyncPeriodMs ?? this.opts.resyncPeriodMs ?? 0;
    if (resync > 0 && resync < MIN_RESYNC_MS) resync = MIN_RESYNC_MS;
    if (resync > 0) {
      if (!this.started) {
        if (this.resyncCheckPeriodMs === 0 || resync < this.resyncCheckPeriodMs)
          this.resyncCheckPeriodMs = resync;
      } else if (resync < this.resyncCheckPeriodMs) {
        // As client-go: the check period is fixed once started.
        this.logger.warn(
          { requested: resync, used: this.resyncCheckPeriodMs },
          'resync period below the running check period',
        );
        resync = this.resyncCheckPeriodMs;
      }
    }
    const listener = new ProcessorListener<T>({
      handler,
      resyncPeriodMs: resync,
      clock: this.clock,
      upstreamSynced: () => this.hasSynced(),
      onRemove: (l) => {
        this.listeners.delete(l);
        this.syncing.delete(l);
      },
      onError: (err, n) => {
        if (this.opts.onHandlerError) this.opts.onHandlerError(err, n);
        else this.logger.error({ err: err.message, notification: n.type }, 'event handler failed');
      },
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

  removeEventHandler(registration: ResourceEventHandlerRegistration): void {
    registration.remove();
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
    const reflector = new Reflector<T>(this.lw, feed, {
      mapListItem: reuseUnchanged(this.indexer, this.keyFunc),
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
    try {
      await runQueueLoop(
        queue,
        reflector,
        (deltas, isInInitialList) =>
          processDeltas(sink, this.indexer, deltas, isInInitialList, this.keyFunc),
        signal,
        this.logger,
        // The queue counts an entry as popped once it was processed: check after each pop.
        () => {
          if (!wasSynced && queue.hasSynced()) {
            wasSynced = true;
            pokeSynced();
          }
        },
      );
    } catch (err) {
      this.logger.error({ err: toError(err).message }, 'informer loop failed');
    } finally {
      this.stopped = true;
      // Let handlers finish what they are doing, then stop them.
      await Promise.all([...this.listeners].map((l) => l.idle()));
      for (const l of [...this.listeners]) l.remove();
      this.latch.cancel();
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
