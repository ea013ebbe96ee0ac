// Port of k8s.io/client-go/tools/cache/the_real_fifo.go (client-go v1.36): the informer's default
// queue since client-go 1.36 — every event in order, no per-key coalescing.
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
  runProcess,
  Waiters,
  type Delta,
  type Deltas,
  type DeltaType,
  type KeyedDelta,
  type KeyListerGetter,
  type PopProcessFunc,
  type Queue,
} from './queue.js';

/** Options of {@link RealFIFO}. */
export interface RealFIFOOptions<T> {
  /** Computes keys. Default: `metaNamespaceKeyFunc`. */
  keyFunction?: KeyFunc<T>;
  /** The cache the queue feeds (the informer's Indexer): used for deletion detection and resync. Required. */
  knownObjects: KeyListerGetter<T>;
  /** Applied once to every object entering the queue from the server (not to tombstones or resyncs). */
  transformer?: TransformFunc<T>;
}

/**
 * A queue that hands out every event in arrival order, one at a time (each pop yields a one-delta
 * list). `replace` queues `Replaced` for every listed object and a `Deleted` tombstone for every
 * key that is known (or pending as not-deleted in the queue) but absent from the list.
 */
export class RealFIFO<T = KubeObject> implements Queue<T> {
  private readonly queue = new FastQueue<KeyedDelta<T>>();
  private readonly waiters = new Waiters();
  private readonly keyFunction: KeyFunc<T>;
  private readonly knownObjects: KeyListerGetter<T>;
  private readonly transformer: TransformFunc<T> | undefined;
  private populated = false;
  private initialPopulationCount = 0;
  private closed = false;

  constructor(options: RealFIFOOptions<T>) {
    this.keyFunction = options.keyFunction ?? metaNamespaceKeyFunc;
    this.knownObjects = options.knownObjects;
    this.transformer = options.transformer;
  }

  /** Number of events queued. */
  get length(): number {
    return this.queue.length;
  }

  private keyOf(obj: T | DeletedFinalStateUnknown<T>): string {
    return isDeletedFinalStateUnknown(obj) ? obj.key : this.keyFunction(obj as T);
  }

  /**
   * The newest queued delta per key, in the order the keys were first queued. Built by a scan, as
   * client-go's RealFIFO does: the per-event path keeps no per-key bookkeeping, and the callers
   * (relists, requeues, list/get of the queue) are rare.
   */
  private newestPerKey(): Map<string, Delta<T>> {
    const out = new Map<string, Delta<T>>();
    for (const d of this.queue) out.set(d.key, d);
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

  addIfNotPresent(deltas: Deltas<T>): void {
    this.populated = true;
    const queued = this.newestPerKey();
    for (const d of deltas) {
      const key = this.keyOf(d.object);
      if (queued.has(key)) continue;
      queued.set(key, d);
      this.push(key, d.type, d.object);
    }
  }

  /** The newest pending object per key (not tombstones). */
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
    let last: Delta<T> | undefined;
    for (const d of this.queue) if (d.key === key) last = d;
    if (!last || last.type === 'Deleted' || isDeletedFinalStateUnknown(last.object))
      return undefined;
    return last.object as T;
  }

  replace(items: T[], _resourceVersion: string): void {
    // What was queued before this relist: the newest delta per key.
    const queued = this.newestPerKey();
    const keys = new Set<string>();
    for (const item of items) {
      const key = this.keyOf(item);
      keys.add(key);
      // A listed item that is the cached instance itself (a Reflector reusing unchanged objects)
      // was transformed when it entered the cache: not again.
      this.enqueue('Replaced', item, item !== this.knownObjects.getByKey(key), key);
    }
    let deletions = 0;
    // Keys whose latest queued event says "exists" (a create not yet in the cache) but are gone.
    for (const [key, last] of queued) {
      if (keys.has(key) || last.type === 'Deleted') continue;
      if (this.knownObjects.getByKey(key) !== undefined) continue; // handled below
      const obj: T | undefined = isDeletedFinalStateUnknown<T>(last.object)
        ? last.object.obj
        : last.object;
      this.enqueue('Deleted', new DeletedFinalStateUnknown<T>(key, obj), false, key);
      deletions++;
    }
    for (const key of this.knownObjects.listKeys()) {
      if (keys.has(key)) continue;
      if (queued.get(key)?.type === 'Deleted') continue; // a deletion is already on its way
      this.enqueue(
        'Deleted',
        new DeletedFinalStateUnknown<T>(key, this.knownObjects.getByKey(key)),
        false,
        key,
      );
      deletions++;
    }
    if (!this.populated) {
      this.populated = true;
      this.initialPopulationCount = items.length + deletions;
    }
  }

  /** Queues `Sync` for every known object. */
  resync(): void {
    for (const key of this.knownObjects.listKeys()) {
      const obj = this.knownObjects.getByKey(key);
      if (obj !== undefined) this.enqueue('Sync', obj, false, key);
    }
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
    if (this.initialPopulationCount > 0) this.initialPopulationCount--;
    const deltas: Deltas<T> = [delta];
    runProcess(process, deltas, isInInitialList, () => this.addIfNotPresent(deltas));
    return deltas;
  }

  private enqueue(
    type: DeltaType,
    obj: T | DeletedFinalStateUnknown<T>,
    transform: boolean,
    knownKey?: string,
  ): void {
    const key = knownKey ?? this.keyOf(obj);
    let o = obj;
    if (transform && this.transformer && !isDeletedFinalStateUnknown(o))
      o = this.transformer(o as T);
    this.push(key, type, o);
  }

  private push(key: string, type: DeltaType, object: T | DeletedFinalStateUnknown<T>): void {
    this.queue.push({ type, object, key });
    this.waiters.wakeAll();
  }
}
