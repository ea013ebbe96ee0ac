// Port of k8s.io/client-go/tools/cache/controller.go: a queue fed by a Reflector, drained by a
// process loop that keeps an Indexer and calls handlers (newInformer / newIndexerInformer).
import {
  createRateLimitedLogger,
  defaultLogger,
  flushLogger,
  realClock,
  toError,
  type Clock,
  type KubeObject,
  type Logger,
} from '@kubecache/core';
import {
  DeltaFIFO,
  RealFIFO,
  isFIFOClosedError,
  keyOfDelta,
  type Deltas,
  type Queue,
  type ReplacedAllInfo,
} from '@kubecache/deltafifo';
import type { ListerWatcher } from '@kubecache/listwatch';
import { Reflector, type ReflectorOptions } from '@kubecache/reflector';
import {
  createIndexer,
  DeletedFinalStateUnknown,
  deletionHandlingMetaNamespaceKeyFunc,
  isBookmarkStore,
  isDeletedFinalStateUnknown,
  type Indexer,
  type Indexers,
  type KeyFunc,
  type Store,
  type TransformFunc,
} from '@kubecache/store';
import type { ResourceEventHandler } from './handlers.js';
import { hintFor, informerTransform } from './frozen-objects.js';
import { sameObjectVersion } from './object-version.js';

/** Which queue sits between the Reflector and the cache. */
export type QueueKind = 'realfifo' | 'deltafifo';

/** Callbacks of {@link processDeltas}: the informer's view of one applied delta. */
export interface DeltaSink<T> {
  onAdd(obj: T, isInInitialList: boolean): void;
  /**
   * `isSync` is true when the resource version did not change (a resync, or a relisted object
   * that did not change): client-go's sharedIndexInformer then notifies only the handlers whose
   * resync is due.
   */
  onUpdate(oldObj: T, newObj: T, isSync: boolean): void;
  onDelete(obj: unknown): void;
}

const rvOf = (o: unknown): string | undefined =>
  (o as KubeObject | undefined)?.metadata?.resourceVersion;

/**
 * client-go's test: an update that leaves the resource version as it was is a resync. Differs
 * from client-go: the uid must be unchanged too, so an object recreated at the same resource
 * version (a cluster restored from an older etcd backup) reaches every handler as an update.
 */
const sameVersion = sameObjectVersion;

/**
 * Applies popped deltas (oldest first) to `indexer` and reports each as add/update/delete
 * (client-go `processDeltas`): Sync/Replaced/Added/Updated become an update when the key exists,
 * else an add; Deleted removes. The atomic entries of a RealFIFO with `atomicEvents`:
 * - `ReplacedAll`: the whole list is applied to `indexer` first (`replace`), then a tombstone
 *   deletion is reported for every cached key the list lacks, then an update or add for every
 *   listed object, in list order — so a handler reading the cache sees the list's state.
 * - `SyncAll`: `onUpdate(obj, obj, true)` for every cached object.
 * - `Bookmark`: the bookmark's resource version is recorded in `indexer` (`bookmark(rv)`, when it
 *   has one), so its `lastStoreSyncResourceVersion()` moves only once every event queued before
 *   the bookmark was applied (client-go 1.36); no handler is called.
 *
 * `keyFunc` must be the indexer's key function (default `deletionHandlingMetaNamespaceKeyFunc`).
 */
export function processDeltas<T>(
  sink: DeltaSink<T>,
  indexer: Store<T>,
  deltas: Deltas<T>,
  isInInitialList: boolean,
  keyFunc: KeyFunc<T> = deletionHandlingMetaNamespaceKeyFunc,
): void {
  for (const d of deltas) {
    if (d.type === 'ReplacedAll') {
      applyReplacedAll(sink, indexer, d.object, isInInitialList, keyFunc);
      continue;
    }
    if (d.type === 'SyncAll') {
      for (const obj of indexer.list()) sink.onUpdate(obj, obj, true);
      continue;
    }
    if (d.type === 'Bookmark') {
      if (isBookmarkStore(indexer)) indexer.bookmark(d.object.resourceVersion);
      continue;
    }
    const obj = d.object;
    if (d.type === 'Deleted') {
      indexer.delete(obj as T);
      sink.onDelete(obj);
      continue;
    }
    if (isDeletedFinalStateUnknown(obj)) continue; // cannot happen for non-deletions
    const o = obj as T;
    // A RealFIFO delta carries its key (same key function as the cache): no need to recompute it.
    const key = keyOfDelta(d);
    const old = key !== undefined ? indexer.getByKey(key) : indexer.get(o);
    if (old !== undefined) {
      indexer.update(o);
      sink.onUpdate(old, o, sameVersion(old, o));
    } else {
      indexer.add(o);
      sink.onAdd(o, isInInitialList);
    }
  }
}

/** client-go's processReplacedAllInfo: reconcile, replace the cache, then notify. */
function applyReplacedAll<T>(
  sink: DeltaSink<T>,
  indexer: Store<T>,
  info: ReplacedAllInfo<T>,
  isInInitialList: boolean,
  keyFunc: KeyFunc<T>,
): void {
  const listed = new Set<string>();
  const olds: (T | undefined)[] = new Array<T | undefined>(info.objects.length);
  for (let i = 0; i < info.objects.length; i++) {
    const key = keyFunc(info.objects[i]!);
    listed.add(key);
    olds[i] = indexer.getByKey(key);
  }
  // Differs from client-go: deletions are notified in the cache's key order (Go's map order).
  const gone: DeletedFinalStateUnknown<T>[] = [];
  for (const key of indexer.listKeys())
    if (!listed.has(key)) gone.push(new DeletedFinalStateUnknown<T>(key, indexer.getByKey(key)));
  indexer.replace(info.objects as T[], info.resourceVersion);
  for (const tombstone of gone) sink.onDelete(tombstone);
  for (let i = 0; i < info.objects.length; i++) {
    const obj = info.objects[i]!;
    const old = olds[i];
    if (old !== undefined) sink.onUpdate(old, obj, sameVersion(old, obj));
    else sink.onAdd(obj, isInInitialList);
  }
}

/**
 * A Reflector `mapListItem` that returns the cached instance of a listed object whose uid and
 * resourceVersion did not change: a relist then holds one copy of each unchanged object, not two.
 * Objects without a resourceVersion, or whose key cannot be computed, are kept as listed; so is an
 * object with the cached resourceVersion but another uid (recreated on a server restored from an
 * older etcd backup), which must replace the cached one.
 */
export function reuseUnchanged<T>(cache: Store<T>, keyFunc: KeyFunc<T>): (item: T) => T {
  return (item) => {
    const rv = rvOf(item);
    if (rv === undefined || rv === '') return item;
    let key: string;
    try {
      key = keyFunc(item);
    } catch {
      return item;
    }
    const cached = cache.getByKey(key);
    return cached !== undefined && sameObjectVersion(cached, item) ? cached : item;
  };
}

/** Options shared by {@link newInformer} and {@link newIndexerInformer}. */
export interface InformerOptions<T> {
  /** Where objects come from. */
  listWatch: ListerWatcher<T>;
  /** Called synchronously from the process loop for each change. */
  handlers: ResourceEventHandler<T>;
  /** Resync period in ms; 0 = none (default). */
  resyncPeriodMs?: number;
  /** Key function of the cache. Default: `deletionHandlingMetaNamespaceKeyFunc`. */
  keyFunc?: KeyFunc<T>;
  /** Applied once to each object from the server before it is cached. */
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
  /** Queue between Reflector and cache. Default `realfifo` (client-go 1.36). */
  queue?: QueueKind;
  /**
   * client-go's AtomicFIFO feature gate (on by default in 1.36), for the `realfifo` queue: a relist
   * is one queue entry, applied to the cache as a whole before any handler hears of its items, and
   * a resync is one entry too. `false` queues one delta per listed or resynced object (client-go
   * 1.35's behaviour). Ignored with `queue: 'deltafifo'`. Default: true.
   */
  atomicFIFO?: boolean;
  /** Extra Reflector options (backoff, clock, logger, hooks, …). */
  reflector?: Omit<ReflectorOptions<T>, 'resyncPeriodMs' | 'transform'>;
  /**
   * Called when a handler throws. Default: logged at error level with the object's `key`, as
   * `kubecache error informer <name>: event handler failed: <error> key=<ns>/<name>` (the stack
   * under the first line of a cause; its repeats summarised per 30 s with their keys).
   */
  onHandlerError?: (err: Error) => void;
  /**
   * Logger of the controller and its Reflector. Default: core's `defaultLogger` (warnings and
   * errors to stderr, one line per cause per 30 s, redacted). A logger given here (pino) is
   * wrapped with core's `createRateLimitedLogger` (same policy: the first call of a cause with
   * its `err`, repeats as one call with `repeated`, `keys`, `keyCount`) and flushed when `run`
   * ends.
   */
  logger?: Logger;
  /** Clock. Default real. */
  clock?: Clock;
}

/** A runnable controller (client-go `Controller`). */
export interface Controller {
  /** Runs until `signal` aborts; resolves when everything stopped. */
  run(signal: AbortSignal): Promise<void>;
  /** True once the initial list was delivered. */
  hasSynced(): boolean;
  /** The Reflector's last synced resource version. */
  lastSyncResourceVersion(): string;
}

/**
 * Builds the queue of an informer (client-go `newQueueFIFO`): a RealFIFO, atomic unless
 * `atomicFIFO` is false, or a DeltaFIFO emitting `Replaced`.
 */
export function makeQueue<T>(
  kind: QueueKind,
  knownObjects: Indexer<T>,
  keyFunction: KeyFunc<T>,
  userTransform: TransformFunc<T> | undefined,
  atomicFIFO = true,
  freezeObjects = false,
): Queue<T> {
  const transformer = informerTransform(userTransform, freezeObjects);
  return kind === 'deltafifo'
    ? new DeltaFIFO<T>({
        keyFunction,
        knownObjects,
        emitDeltaTypeReplaced: true,
        ...(transformer ? { transformer } : {}),
      })
    : new RealFIFO<T>({
        keyFunction,
        // Differs from client-go, whose atomic RealFIFO has no knownObjects: ours reads the
        // cache only to leave a relisted item that is the cached instance untransformed.
        knownObjects,
        atomicEvents: atomicFIFO,
        ...(transformer ? { transformer } : {}),
      });
}

/**
 * Runs reflector + pop loop over `queue` until `signal` aborts (client-go `processLoop`).
 * `afterPop`, if given, runs after each popped entry was processed. If the Reflector's `run`
 * rejects (it gave up: `onPermanentError: 'stop'`), the loop stops and rejects with its error.
 */
export async function runQueueLoop<T>(
  queue: Queue<T>,
  reflector: Reflector<T>,
  process: (deltas: Deltas<T>, isInInitialList: boolean) => void,
  signal: AbortSignal,
  logger: Logger,
  afterPop: () => void = noop,
): Promise<void> {
  const ac = new AbortController();
  const onAbort = (): void => {
    ac.abort();
    queue.close();
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  let failure: { error: unknown } | undefined;
  const reflecting = reflector.run(ac.signal).catch((error: unknown) => {
    failure = { error };
    onAbort();
  });
  try {
    while (!signal.aborted && failure === undefined) {
      try {
        // Take what is already queued without a promise per item; after a batch, let the
        // microtasks run (handler delivery, the watch decoder) before carrying on.
        let n = 0;
        while (n < DRAIN_BATCH && queue.tryPop(process) !== undefined) {
          n++;
          afterPop();
        }
        if (n === DRAIN_BATCH) await Promise.resolve();
        else {
          await queue.pop(process, signal);
          afterPop();
        }
      } catch (err) {
        afterPop();
        if (isFIFOClosedError(err) || signal.aborted || failure !== undefined) break;
        logger.error({ component: 'informer', err: toError(err) }, 'processing deltas failed');
      }
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    ac.abort();
    queue.close();
    await reflecting;
  }
  if (failure !== undefined) throw failure.error;
}

/** Items popped synchronously in a row by {@link runQueueLoop} before it yields to microtasks. */
const DRAIN_BATCH = 256;

const noop = (): void => {};

/**
 * client-go's `NewIndexerInformer`: an Indexer kept in sync, a controller to run, and `handlers`
 * called for each change. Handlers run synchronously inside the process loop.
 */
export function newIndexerInformer<T = KubeObject>(
  options: InformerOptions<T> & { indexers?: Indexers<T> },
): { indexer: Indexer<T>; controller: Controller } {
  const keyFunc = options.keyFunc ?? deletionHandlingMetaNamespaceKeyFunc;
  const indexer = createIndexer<T>(keyFunc, options.indexers ?? {});
  // One policy for every logger: a user's (pino) gets the default logger's repeat limiting and
  // stacks too; shared with the Reflector, flushed when `run` ends.
  const logger = createRateLimitedLogger(options.logger ?? defaultLogger);
  const queue = makeQueue(
    options.queue ?? 'realfifo',
    indexer,
    keyFunc,
    options.transform,
    options.atomicFIFO ?? true,
    options.freezeObjects ?? false,
  );
  const reflector = new Reflector<T>(options.listWatch, queue, {
    mapListItem: reuseUnchanged(indexer, keyFunc),
    ...options.reflector,
    resyncPeriodMs: options.resyncPeriodMs ?? 0,
    clock: options.clock ?? options.reflector?.clock ?? realClock,
    logger,
  });
  const h = options.handlers;
  const name = options.reflector?.name ?? options.listWatch.description ?? 'informer';
  // The line names the object's key (as the SharedIndexInformer's do), so the logger's repeat
  // summary names the failing keys rather than one line per cause.
  const report = (err: unknown, obj: unknown): void => {
    if (options.onHandlerError) {
      options.onHandlerError(toError(err));
      return;
    }
    let key: string | undefined;
    try {
      key = keyFunc(obj as T);
    } catch {
      key = undefined; // an object without a key: the line says nothing about it
    }
    try {
      logger.error(
        {
          component: 'informer',
          resource: name,
          err,
          ...(key === undefined ? {} : { key }),
          ...hintFor(err),
        },
        'event handler failed',
      );
    } catch {
      // A logger that throws must not stop delivery.
    }
  };
  // Handlers run inside the process loop; a returned promise is not awaited here (use a
  // SharedIndexInformer for async handlers) but its rejection is reported, never unhandled.
  const guard = (obj: unknown, fn: () => unknown): void => {
    try {
      const r = fn();
      if (r instanceof Promise) r.catch((err: unknown) => report(err, obj));
    } catch (err) {
      report(err, obj);
    }
  };
  const sink: DeltaSink<T> = {
    onAdd: (obj, initial) => guard(obj, () => h.onAdd?.(obj, initial)),
    onUpdate: (o, n) => guard(n, () => h.onUpdate?.(o, n)),
    onDelete: (obj) => guard(obj, () => h.onDelete?.(obj as T)),
  };
  let running = false;
  return {
    indexer,
    controller: {
      async run(signal) {
        if (running) throw new Error('controller is already running');
        running = true;
        try {
          await runQueueLoop(
            queue,
            reflector,
            (d, initial) => processDeltas(sink, indexer, d, initial, keyFunc),
            signal,
            logger,
          );
        } finally {
          // Print the repeat counts the logger still holds (handler failures of the last window).
          flushLogger(logger);
        }
      },
      hasSynced: () => queue.hasSynced(),
      lastSyncResourceVersion: () => reflector.lastSyncResourceVersion(),
    },
  };
}

/** client-go's `NewInformer`: like {@link newIndexerInformer} without indexers; returns the store. */
export function newInformer<T = KubeObject>(
  options: InformerOptions<T>,
): { store: Store<T>; controller: Controller } {
  const { indexer, controller } = newIndexerInformer(options);
  return { store: indexer, controller };
}
