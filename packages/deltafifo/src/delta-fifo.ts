// Port of k8s.io/client-go/tools/cache/delta_fifo.go (client-go v1.36).
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
  Waiters,
  newest,
  type Delta,
  type ObjectDeltaType,
  type KeyListerGetter,
  type PopProcessFunc,
  type Queue,
} from './queue.js';

/** Options of {@link DeltaFIFO}. */
export interface DeltaFIFOOptions<T> {
  /** Computes keys. Default: `metaNamespaceKeyFunc`. Tombstones and deltas are keyed for you. */
  keyFunction?: KeyFunc<T>;
  /**
   * The cache the queue feeds (normally the informer's Indexer). Needed to detect deletions on
   * `replace` and to re-deliver on `resync`. Default: none.
   */
  knownObjects?: KeyListerGetter<T>;
  /** Emit `Replaced` instead of `Sync` for the items of a `replace`. Default: false (as client-go). */
  emitDeltaTypeReplaced?: boolean;
  /** Applied once to every object entering the queue (not to tombstones). Default: none. */
  transformer?: TransformFunc<T>;
}

/**
 * client-go's DeltaFIFO: a queue of keys, each holding the ordered list of changes (deltas) not yet
 * processed for that object. Consecutive duplicate deletions are collapsed. See {@link Queue} for
 * the contract.
 */
export class DeltaFIFO<T = KubeObject> implements Queue<T> {
  private readonly items = new Map<string, Delta<T>[]>();
  private readonly queue = new FastQueue<string>();
  private readonly waiters = new Waiters();
  private readonly keyFunction: KeyFunc<T>;
  private readonly knownObjects: KeyListerGetter<T> | undefined;
  private readonly emitDeltaTypeReplaced: boolean;
  private readonly transformer: TransformFunc<T> | undefined;
  private populated = false;
  private initialPopulationCount = 0;
  private closed = false;

  constructor(options: DeltaFIFOOptions<T> = {}) {
    this.keyFunction = options.keyFunction ?? metaNamespaceKeyFunc;
    this.knownObjects = options.knownObjects;
    this.emitDeltaTypeReplaced = options.emitDeltaTypeReplaced ?? false;
    this.transformer = options.transformer;
  }

  /** Number of keys queued. */
  get length(): number {
    return this.queue.length;
  }

  /** The key of an object, a tombstone, or a deltas list (its newest object). */
  keyOf(obj: T | DeletedFinalStateUnknown<T> | readonly Delta<T>[]): string {
    let o: unknown = obj;
    if (Array.isArray(o)) {
      const d = newest(o as readonly Delta<T>[]);
      if (!d) throw new Error('zero-length Deltas');
      o = d.object;
    }
    if (isDeletedFinalStateUnknown(o)) return o.key;
    return this.keyFunction(o as T);
  }

  hasSynced(): boolean {
    return this.populated && this.initialPopulationCount === 0;
  }

  add(obj: T): void {
    this.populated = true;
    this.queueAction('Added', obj);
  }

  update(obj: T): void {
    this.populated = true;
    this.queueAction('Updated', obj);
  }

  /**
   * Queues a deletion. Without knownObjects, a key not queued is ignored (it was presumably
   * deleted by a relist already); with knownObjects, a key neither known nor queued is ignored.
   */
  delete(obj: T | DeletedFinalStateUnknown<T>): void {
    const key = this.keyOf(obj);
    this.populated = true;
    const queued = this.items.has(key);
    if (this.knownObjects === undefined) {
      if (!queued) return;
    } else if (!queued && this.knownObjects.getByKey(key) === undefined) {
      return;
    }
    this.queueAction('Deleted', obj);
  }

  list(): T[] {
    const out: T[] = [];
    for (const deltas of this.items.values()) {
      const o = newest(deltas)?.object;
      if (o !== undefined && !isDeletedFinalStateUnknown(o)) out.push(o as T);
    }
    return out;
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  /** The deltas queued for `obj`'s key; typed as T for the Store contract — see {@link getDeltas}. */
  get(obj: T): T | undefined {
    return this.getByKey(this.keyOf(obj));
  }

  /** The newest object queued under `key`. */
  getByKey(key: string): T | undefined {
    const o = newest(this.items.get(key) ?? [])?.object;
    return o === undefined || isDeletedFinalStateUnknown(o) ? undefined : (o as T);
  }

  /** A copy of the deltas queued under `key`. */
  getDeltas(key: string): readonly Delta<T>[] | undefined {
    const d = this.items.get(key);
    return d ? [...d] : undefined;
  }

  /**
   * Queues `Sync` (or `Replaced`) for every item, then a `Deleted` tombstone for every key that is
   * queued or known but absent from `items`. O(n).
   */
  replace(items: T[], _resourceVersion: string): void {
    const keys = new Set<string>();
    const action: ObjectDeltaType = this.emitDeltaTypeReplaced ? 'Replaced' : 'Sync';
    for (const item of items) {
      const key = this.keyOf(item);
      keys.add(key);
      // A listed item that is the cached instance itself (a Reflector reusing unchanged objects)
      // was transformed when it entered the cache: not again.
      this.queueAction(action, item, item !== this.knownObjects?.getByKey(key));
    }
    let queuedDeletions = 0;
    for (const [key, deltas] of this.items) {
      if (keys.has(key)) continue;
      let last: unknown = newest(deltas)?.object;
      if (isDeletedFinalStateUnknown(last)) last = last.obj;
      queuedDeletions++;
      this.queueAction('Deleted', new DeletedFinalStateUnknown<T>(key, last as T | undefined));
    }
    if (this.knownObjects) {
      for (const key of this.knownObjects.listKeys()) {
        if (keys.has(key)) continue;
        if ((this.items.get(key)?.length ?? 0) > 0) continue;
        queuedDeletions++;
        this.queueAction(
          'Deleted',
          new DeletedFinalStateUnknown<T>(key, this.knownObjects.getByKey(key)),
        );
      }
    }
    if (!this.populated) {
      this.populated = true;
      this.initialPopulationCount = keys.size + queuedDeletions;
    }
  }

  /** Queues `Sync` for every known object that has nothing queued already. */
  resync(): void {
    if (!this.knownObjects) return;
    for (const key of this.knownObjects.listKeys()) {
      const obj = this.knownObjects.getByKey(key);
      if (obj === undefined) continue;
      // An object with queued deltas is skipped: the resync would carry a stale state.
      if ((this.items.get(this.keyOf(obj))?.length ?? 0) > 0) continue;
      // It comes from the cache: it went through the transformer when it entered the queue.
      this.queueAction('Sync', obj, false);
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

  async pop(process: PopProcessFunc<T>, signal?: AbortSignal): Promise<readonly Delta<T>[]> {
    for (;;) {
      while (this.queue.length === 0) {
        if (this.closed) throw new FIFOClosedError();
        await this.waiters.wait(signal);
      }
      const deltas = this.tryPop(process);
      if (deltas) return deltas;
    }
  }

  tryPop(process: PopProcessFunc<T>): readonly Delta<T>[] | undefined {
    while (this.queue.length > 0) {
      const key = this.queue.shift()!;
      const isInInitialList = !this.hasSynced();
      const deltas = this.items.get(key);
      this.items.delete(key);
      try {
        if (deltas) process(deltas, isInInitialList); // always: every queued key has deltas
      } finally {
        // Counted down after processing (as client-go 1.36): hasSynced() stays false while the
        // last item of the initial list is still being processed.
        if (this.initialPopulationCount > 0) this.initialPopulationCount--;
      }
      if (deltas) return deltas;
    }
    return undefined;
  }

  private queueAction(
    type: ObjectDeltaType,
    obj: T | DeletedFinalStateUnknown<T>,
    transform = true,
  ): void {
    const key = this.keyOf(obj);
    let o = obj;
    if (transform && this.transformer && !isDeletedFinalStateUnknown(o))
      o = this.transformer(o as T);
    const old = this.items.get(key);
    const next = old ? [...old, { type, object: o }] : [{ type, object: o }];
    dedupDeltas(next);
    if (!old) this.queue.push(key);
    this.items.set(key, next);
    this.waiters.wakeAll();
  }
}

/**
 * Collapses two trailing deletions into one, as client-go's isDeletionDup: the older deletion is
 * kept unless it is a tombstone, in which case the newer one (tombstone or not) replaces it.
 */
function dedupDeltas<T>(deltas: Delta<T>[]): void {
  const n = deltas.length;
  if (n < 2) return;
  const older = deltas[n - 2]!;
  const newer = deltas[n - 1]!;
  if (older.type !== 'Deleted' || newer.type !== 'Deleted') return;
  deltas.splice(n - 2, 2, isDeletedFinalStateUnknown(older.object) ? newer : older);
}
