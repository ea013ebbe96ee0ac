// Port of the Queue contract of k8s.io/client-go/tools/cache/fifo.go and the Delta types of
// delta_fifo.go (client-go v1.36).
import { AbortedError, hasBrand, type KubeObject } from '@kubecache/core';
import type { DeletedFinalStateUnknown, Store } from '@kubecache/store';

/**
 * What happened to an object. `Replaced` comes from a relist, `Sync` from a resync. `ReplacedAll`
 * and `SyncAll` are the atomic entries of a RealFIFO with `atomicEvents` (a whole relist, a whole
 * resync) and `Bookmark` a RealFIFO's watch bookmark; they carry no single object: see
 * {@link AtomicDelta}.
 */
export type DeltaType = ObjectDeltaType | 'ReplacedAll' | 'SyncAll' | 'Bookmark';

/** The delta types that describe one object. */
export type ObjectDeltaType = 'Added' | 'Updated' | 'Deleted' | 'Replaced' | 'Sync';

/** One change: its type and the object after it (a tombstone for deletions seen only on relist). */
export interface Delta<T = KubeObject> {
  readonly type: ObjectDeltaType;
  readonly object: T | DeletedFinalStateUnknown<T>;
}

/** What a `ReplacedAll` entry carries: one whole LIST, transformed, and its resource version. */
export interface ReplacedAllInfo<T = KubeObject> {
  /** The resource version of the list (the `resourceVersion` passed to `replace`). */
  readonly resourceVersion: string;
  /** The listed objects, in list order, with the queue's transformer applied. */
  readonly objects: readonly T[];
}

/** What a `Bookmark` entry carries: the watch bookmark's resource version. */
export interface BookmarkInfo {
  /** The bookmark's resource version: the store is up to date to it once the entry is processed. */
  readonly resourceVersion: string;
}

/**
 * An atomic queue entry (client-go's AtomicFIFO): `ReplacedAll` is one relist — the consumer
 * applies the whole list to its cache, then notifies deletions, updates and adds — `SyncAll`
 * is one resync of everything the consumer holds, and `Bookmark` a watch bookmark, queued in
 * order with the events so that the consumer moves its store's resource version
 * (`lastStoreSyncResourceVersion`) only once every event before it was processed (client-go
 * 1.36 `BookmarkInfo`).
 */
export type AtomicDelta<T = KubeObject> =
  | { readonly type: 'ReplacedAll'; readonly object: ReplacedAllInfo<T> }
  | { readonly type: 'SyncAll'; readonly object: Record<string, never> }
  | { readonly type: 'Bookmark'; readonly object: BookmarkInfo };

/** Anything a queue hands out: a per-object {@link Delta} or an {@link AtomicDelta}. */
export type AnyDelta<T = KubeObject> = Delta<T> | AtomicDelta<T>;

/** True for the atomic `ReplacedAll` / `SyncAll` / `Bookmark` entries. */
export function isAtomicDelta<T>(d: AnyDelta<T>): d is AtomicDelta<T> {
  return d.type === 'ReplacedAll' || d.type === 'SyncAll' || d.type === 'Bookmark';
}

/**
 * A delta that carries the key its queue computed for it: what `RealFIFO` hands out, so
 * that a consumer keeping a cache with the same key function need not compute it again.
 * Differs from client-go: client-go's Delta has no key.
 */
export interface KeyedDelta<T = KubeObject> extends Delta<T> {
  /** The object's key under the queue's key function. */
  readonly key: string;
}

/** The key carried by `delta` (see {@link KeyedDelta}), or `undefined`. */
export function keyOfDelta<T>(delta: AnyDelta<T>): string | undefined {
  return (delta as Partial<KeyedDelta<T>>).key;
}

/**
 * What one pop hands out, oldest first, never empty: the deltas of one key (DeltaFIFO), one event
 * (RealFIFO), or one atomic entry (RealFIFO with `atomicEvents`).
 */
export type Deltas<T = KubeObject> = readonly AnyDelta<T>[];

/** The oldest delta, or `undefined` for an empty list. */
export function oldest<D>(deltas: readonly D[]): D | undefined {
  return deltas[0];
}

/** The newest delta, or `undefined` for an empty list. */
export function newest<D>(deltas: readonly D[]): D | undefined {
  return deltas[deltas.length - 1];
}

/**
 * Processes popped deltas. Synchronous by contract: the queue is not touched by anyone else while
 * it runs. `isInInitialList` is true while the items of the first `replace` are being popped.
 * What it throws is re-thrown by the pop; the popped deltas are not put back (client-go removed
 * ErrRequeue and AddIfNotPresent).
 */
export type PopProcessFunc<T = KubeObject> = (deltas: Deltas<T>, isInInitialList: boolean) => void;

/** What a queue needs from the cache it feeds: normally the informer's Indexer. */
export interface KeyListerGetter<T = KubeObject> {
  listKeys(): string[];
  getByKey(key: string): T | undefined;
}

/**
 * A producer/consumer queue of deltas (client-go `cache.Queue`).
 *
 * Contract:
 * - Producers (the Reflector) call the Store methods: `add`, `update`, `delete`, `replace`,
 *   `resync`; consumers call `pop`.
 * - `pop` resolves with the next deltas after `process` ran on them, waiting (without polling)
 *   while the queue is empty. Aborting `signal` rejects a waiting pop with an AbortedError and
 *   loses nothing.
 * - After `close()`, waiting pops and pops on an empty queue reject with {@link FIFOClosedError};
 *   items still queued are handed out first (as client-go does).
 * - `hasSynced()` is true once the first `replace` batch was completely popped, or once the first
 *   `add`/`update`/`delete` happened before any `replace`.
 */
export interface Queue<T = KubeObject> extends Store<T> {
  /** Pops the next item, runs `process` on it, and resolves with it. */
  pop(process: PopProcessFunc<T>, signal?: AbortSignal): Promise<Deltas<T>>;
  /**
   * Like `pop` without waiting: pops and processes the next item if one is queued and returns it;
   * returns `undefined` on an empty queue (open or closed). Errors are thrown as `pop` rejects.
   */
  tryPop(process: PopProcessFunc<T>): Deltas<T> | undefined;
  /** See the contract above. */
  hasSynced(): boolean;
  /** Closes the queue; see the contract above. */
  close(): void;
  /** True after `close()`. */
  isClosed(): boolean;
  /** Number of items (keys for DeltaFIFO, events for RealFIFO) waiting. */
  readonly length: number;
}

const closedBrand = Symbol.for('@kubecache/deltafifo/FIFOClosedError');

/** A pop on a closed, empty queue. */
export class FIFOClosedError extends Error {
  override readonly name = 'FIFOClosedError';
  readonly [closedBrand] = true;
  constructor(message = 'queue is closed') {
    super(message);
  }
}

/** Type guard for {@link FIFOClosedError}. */
export function isFIFOClosedError(err: unknown): err is FIFOClosedError {
  return hasBrand(err, closedBrand);
}

/**
 * Waiters for "the queue has something (or was closed)", without polling. Shared by the queues.
 * A signal gets one abort listener (not one per wait: a consumer loop waits with the same signal
 * again and again), removed when it fires or at `release()` (the queue's `close()`).
 */
export class Waiters {
  private waiting: Waiter[] = [];
  private readonly listeners = new Map<AbortSignal, () => void>();

  /** Wakes every waiter; each re-checks the queue. */
  wakeAll(): void {
    if (this.waiting.length === 0) return; // the common case on every push: nobody waits
    const ws = this.waiting;
    this.waiting = [];
    for (const w of ws) w.resolve();
  }

  /** Resolves at the next `wakeAll`, or rejects with AbortedError when `signal` aborts. */
  wait(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted)
      return Promise.reject(new AbortedError(undefined, { cause: signal.reason }));
    if (signal && !this.listeners.has(signal)) {
      const onAbort = (): void => this.abort(signal);
      this.listeners.set(signal, onAbort);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject, signal });
    });
  }

  /** Removes the abort listeners (waiters still waiting stay, and are woken by `wakeAll`). */
  release(): void {
    for (const [signal, onAbort] of this.listeners) signal.removeEventListener('abort', onAbort);
    this.listeners.clear();
  }

  private abort(signal: AbortSignal): void {
    this.listeners.delete(signal);
    const keep: Waiter[] = [];
    for (const w of this.waiting) {
      if (w.signal === signal) w.reject(new AbortedError(undefined, { cause: signal.reason }));
      else keep.push(w);
    }
    this.waiting = keep;
  }
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
  signal: AbortSignal | undefined;
}
