// Port of k8s.io/client-go/tools/cache/the_real_fifo.go (client-go v1.36): the informer's default
// queue since client-go 1.36 — every event in order, no per-key coalescing.
import { FastQueue, type KubeObject } from '@kubecache/core';
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
  private readonly queue = new FastQueue<{ key: string; delta: Delta<T> }>();
  private readonly waiters = new Waiters();
  private readonly keyFunction: KeyFunc<T>;
  private readonly knownObjects: KeyListerGetter<T>;
  private readonly transformer: TransformFunc<T> | undefined;
  /** Number of queued events per key, and whether the last queued event for the key is a deletion. */
  private readonly pending = new Map<string, { count: number; last: Delta<T> }>();
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
    for (const d of deltas) {
      const key = this.keyOf(d.object);
      if (this.pending.has(key)) continue;
      this.push(key, d);
    }
  }

  /** The newest pending object per key (not tombstones). */
  list(): T[] {
    const out: T[] = [];
    for (const { last } of this.pending.values()) {
      if (last.type !== 'Deleted' && !isDeletedFinalStateUnknown(last.object))
        out.push(last.object as T);
    }
    return out;
  }

  listKeys(): string[] {
    return [...this.pending.keys()];
  }

  get(obj: T): T | undefined {
    return this.getByKey(this.keyOf(obj));
  }

  getByKey(key: string): T | undefined {
    const last = this.pending.get(key)?.last;
    if (!last || last.type === 'Deleted' || isDeletedFinalStateUnknown(last.object))
      return undefined;
    return last.object as T;
  }

  replace(items: T[], _resourceVersion: string): void {
    const keys = new Set<string>();
    for (const item of items) {
      const key = this.keyOf(item);
      keys.add(key);
      this.enqueue('Replaced', item, true, key);
    }
    let deletions = 0;
    // Keys whose latest pending event says "exists" (a create not yet in the cache) but are gone.
    for (const [key, { last }] of this.pending) {
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
      const p = this.pending.get(key);
      if (p?.last.type === 'Deleted') continue; // a deletion is already on its way
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
  }

  isClosed(): boolean {
    return this.closed;
  }

  async pop(process: PopProcessFunc<T>, signal?: AbortSignal): Promise<Deltas<T>> {
    while (this.queue.length === 0) {
      if (this.closed) throw new FIFOClosedError();
      await this.waiters.wait(signal);
    }
    const { key, delta } = this.queue.shift()!;
    const p = this.pending.get(key);
    if (p && --p.count === 0) this.pending.delete(key);
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
    this.push(key, { type, object: o });
  }

  private push(key: string, delta: Delta<T>): void {
    this.queue.push({ key, delta });
    const p = this.pending.get(key);
    if (p) {
      p.count++;
      p.last = delta;
    } else {
      this.pending.set(key, { count: 1, last: delta });
    }
    this.waiters.wakeAll();
  }
}
