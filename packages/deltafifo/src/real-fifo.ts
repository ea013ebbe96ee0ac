// Port of k8s.io/client-go/tools/cache/the_real_fifo.go (client-go v1.36): the informer's default
// queue since client-go 1.36 — every event in order, no per-key coalescing — with the AtomicFIFO
// mode (KEP-5647) in which a relist and a resync are one entry each.
import { FastQueue, toError, type KubeObject } from '@kubecache/core';
import {
  DeletedFinalStateUnknown,
  isDeletedFinalStateUnknown,
  metaNamespaceKeyFunc,
  type KeyFunc,
  type TransformFunc,
} from '@kubecache/store';
import {
  FIFOClosedError,
  Waiters,
  type AnyDelta,
  type Deltas,
  type KeyedDelta,
  type KeyListerGetter,
  type ObjectDeltaType,
  type PopProcessFunc,
  type Queue,
} from './queue.js';

/** Options of {@link RealFIFO}. */
export interface RealFIFOOptions<T> {
  /** Computes keys. Default: `metaNamespaceKeyFunc`. */
  keyFunction?: KeyFunc<T>;
  /**
   * The cache the queue feeds (the informer's Indexer). Without `atomicEvents` it is required:
   * `replace` detects deletions and `resync` re-delivers from it. With `atomicEvents` it is
   * optional and only used to recognise a listed item that is the cached instance itself (not
   * transformed again); the consumer detects deletions when it applies the `ReplacedAll` entry.
   */
  knownObjects?: KeyListerGetter<T>;
  /** Applied once to every object entering the queue from the server (not to tombstones or resyncs). */
  transformer?: TransformFunc<T>;
  /**
   * client-go's AtomicFIFO: `replace` queues one `ReplacedAll` entry holding the whole list and
   * `resync` one `SyncAll` entry, instead of one delta per object. The consumer (the informer's
   * `processDeltas`) applies a whole relist to its cache before notifying any handler of it.
   * Default: false here; the informers turn it on (option `atomicFIFO`), as client-go 1.36 does.
   */
  atomicEvents?: boolean;
}

/**
 * A queue that hands out every event in arrival order, one at a time (each pop yields a one-delta
 * list). Without `atomicEvents`, `replace` queues a `Deleted` tombstone for every key that is
 * queued (as not deleted) or known but absent from the list, then `Replaced` for every listed
 * object; with `atomicEvents` it queues one `ReplacedAll` entry (see {@link RealFIFOOptions}).
 */
export class RealFIFO<T = KubeObject> implements Queue<T> {
  private readonly queue = new FastQueue<KeyedDelta<T> | AnyDelta<T>>();
  private readonly waiters = new Waiters();
  private readonly keyFunction: KeyFunc<T>;
  private readonly knownObjects: KeyListerGetter<T> | undefined;
  private readonly transformer: TransformFunc<T> | undefined;
  private readonly atomicEvents: boolean;
  private populated = false;
  private initialPopulationCount = 0;
  private closed = false;

  constructor(options: RealFIFOOptions<T>) {
    this.keyFunction = options.keyFunction ?? metaNamespaceKeyFunc;
    this.knownObjects = options.knownObjects;
    this.transformer = options.transformer;
    this.atomicEvents = options.atomicEvents ?? false;
    if (!this.atomicEvents && !this.knownObjects)
      throw new TypeError('RealFIFO: knownObjects is required unless atomicEvents is set');
  }

  /** Number of entries queued (events; a whole relist or resync counts as one in atomic mode). */
  get length(): number {
    return this.queue.length;
  }

  /** True when `replace` and `resync` queue one atomic entry each. */
  isAtomic(): boolean {
    return this.atomicEvents;
  }

  private keyOf(obj: T | DeletedFinalStateUnknown<T>): string {
    return isDeletedFinalStateUnknown(obj) ? obj.key : this.keyFunction(obj as T);
  }

  /**
   * The newest queued delta per key, in the order the keys were first queued (the objects of a
   * `ReplacedAll` count as `Replaced`). Built by a scan, as client-go's RealFIFO does: the
   * per-event path keeps no per-key bookkeeping, and the callers (relists, resyncs, list/get of
   * the queue) are rare.
   */
  private newestPerKey(): Map<
    string,
    { type: ObjectDeltaType; object: T | DeletedFinalStateUnknown<T> }
  > {
    const out = new Map<
      string,
      { type: ObjectDeltaType; object: T | DeletedFinalStateUnknown<T> }
    >();
    for (const d of this.queue) {
      if (d.type === 'SyncAll' || d.type === 'Bookmark') continue;
      if (d.type === 'ReplacedAll') {
        for (const o of d.object.objects)
          out.set(this.keyFunction(o), { type: 'Replaced', object: o });
        continue;
      }
      out.set((d as KeyedDelta<T>).key, d);
    }
    return out;
  }

  hasSynced(): boolean {
    return this.populated && this.initialPopulationCount === 0;
  }

  add(obj: T): void {
    this.populated = true;
    this.enqueue('Added', obj, true);
  }

  update(obj: T): void {
    this.populated = true;
    this.enqueue('Updated', obj, true);
  }

  delete(obj: T | DeletedFinalStateUnknown<T>): void {
    this.populated = true;
    this.enqueue('Deleted', obj, true);
  }

  /**
   * The newest pending object per key (not tombstones). Differs from client-go: client-go 1.36's
   * RealFIFO has no list/listKeys/get/getByKey; these are views of the queued events.
   */
  list(): T[] {
    const out: T[] = [];
    for (const last of this.newestPerKey().values()) {
      if (last.type !== 'Deleted' && !isDeletedFinalStateUnknown(last.object))
        out.push(last.object as T);
    }
    return out;
  }

  listKeys(): string[] {
    return [...this.newestPerKey().keys()];
  }

  get(obj: T): T | undefined {
    return this.getByKey(this.keyOf(obj));
  }

  getByKey(key: string): T | undefined {
    const last = this.newestPerKey().get(key);
    if (!last || last.type === 'Deleted' || isDeletedFinalStateUnknown(last.object))
      return undefined;
    return last.object as T;
  }

  replace(items: T[], resourceVersion: string): void {
    if (this.atomicEvents) this.replaceAtomic(items, resourceVersion);
    else this.replaceByEvents(items);
    if (!this.populated) {
      this.populated = true;
      this.initialPopulationCount = this.queue.length;
    }
  }

  /** One `ReplacedAll` entry: the consumer reconciles it against its cache when it pops it. */
  private replaceAtomic(items: T[], resourceVersion: string): void {
    const objects = this.transformer ? items.map((o) => this.transformListed(o)) : items;
    this.queue.push({ type: 'ReplacedAll', object: { resourceVersion, objects } });
    this.waiters.wakeAll();
  }

  /**
   * client-go's reconcileReplacement: tombstones first — for each queued key absent from the list
   * whose newest queued event is not a deletion (carrying that newest queued state), then for each
   * known key absent from the list with nothing queued (carrying the cached state) — then
   * `Replaced` for every listed item, in list order.
   */
  private replaceByEvents(items: T[]): void {
    const known = this.knownObjects!;
    const keys = new Set<string>();
    for (const item of items) keys.add(this.keyOf(item));
    const queued = this.newestPerKey();
    for (const [key, last] of queued) {
      if (keys.has(key) || last.type === 'Deleted') continue;
      this.push(key, 'Deleted', new DeletedFinalStateUnknown<T>(key, last.object as T));
    }
    for (const key of known.listKeys()) {
      if (keys.has(key) || queued.has(key)) continue;
      this.push(key, 'Deleted', new DeletedFinalStateUnknown<T>(key, known.getByKey(key)));
    }
    for (const item of items) this.push(this.keyOf(item), 'Replaced', this.transformListed(item));
  }

  /**
   * The transformer's output for a listed item, except for an item that is the cached instance
   * itself (a Reflector reusing unchanged objects): it was transformed when it entered the cache.
   * Differs from client-go: client-go transforms every listed item.
   */
  private transformListed(item: T): T {
    if (!this.transformer) return item;
    if (this.knownObjects && this.knownObjects.getByKey(this.keyFunction(item)) === item)
      return item;
    return this.transformer(item);
  }

  /**
   * Atomic mode: one `SyncAll` entry. Otherwise `Sync` for every known object that has no event
   * queued (such an object's cached state is stale: the queued event will bring it up to date).
   */
  resync(): void {
    if (this.atomicEvents) {
      this.queue.push({ type: 'SyncAll', object: {} });
      this.waiters.wakeAll();
      return;
    }
    const known = this.knownObjects!;
    const queued = this.queue.length > 0 ? this.newestPerKey() : undefined;
    for (const key of known.listKeys()) {
      if (queued?.has(key)) continue;
      const obj = known.getByKey(key);
      if (obj !== undefined) this.push(key, 'Sync', obj);
    }
  }

  /**
   * Queues a watch bookmark as one `Bookmark` entry, behind the events already queued: the
   * consumer records its resource version in the cache (`Indexer.bookmark`) when it pops it, so
   * the cache's `lastStoreSyncResourceVersion()` says what has been processed, not what has been
   * received (client-go 1.36). Queued in both modes. Differs from client-go: there only the
   * AtomicFIFO queues bookmarks (without it the store's resource version stays empty).
   */
  bookmark(resourceVersion: string): void {
    if (resourceVersion === '') return;
    this.queue.push({ type: 'Bookmark', object: { resourceVersion } });
    this.waiters.wakeAll();
  }

  close(): void {
    this.closed = true;
    this.waiters.wakeAll();
    this.waiters.release();
  }

  isClosed(): boolean {
    return this.closed;
  }

  pop(process: PopProcessFunc<T>, signal?: AbortSignal): Promise<Deltas<T>> {
    if (this.queue.length > 0) {
      try {
        return Promise.resolve(this.popNext(process));
      } catch (err) {
        return Promise.reject(toError(err));
      }
    }
    return this.popWaiting(process, signal);
  }

  tryPop(process: PopProcessFunc<T>): Deltas<T> | undefined {
    return this.queue.length > 0 ? this.popNext(process) : undefined;
  }

  private async popWaiting(process: PopProcessFunc<T>, signal?: AbortSignal): Promise<Deltas<T>> {
    while (this.queue.length === 0) {
      if (this.closed) throw new FIFOClosedError();
      await this.waiters.wait(signal);
    }
    return this.popNext(process);
  }

  /** Pops the head (the queue is not empty) and processes it. */
  private popNext(process: PopProcessFunc<T>): Deltas<T> {
    const delta = this.queue.shift()!;
    const isInInitialList = !this.hasSynced();
    const deltas: Deltas<T> = [delta];
    try {
      process(deltas, isInInitialList);
    } finally {
      // Counted down after processing (as client-go 1.36): hasSynced() stays false while the
      // last entry of the initial list is still being processed.
      if (this.initialPopulationCount > 0) this.initialPopulationCount--;
    }
    return deltas;
  }

  private enqueue(
    type: ObjectDeltaType,
    obj: T | DeletedFinalStateUnknown<T>,
    transform: boolean,
  ): void {
    const key = this.keyOf(obj);
    let o = obj;
    if (transform && this.transformer && !isDeletedFinalStateUnknown(o))
      o = this.transformer(o as T);
    this.push(key, type, o);
  }

  private push(key: string, type: ObjectDeltaType, object: T | DeletedFinalStateUnknown<T>): void {
    this.queue.push({ type, object, key });
    this.waiters.wakeAll();
  }
}
