// Port of the ResourceEventHandler contract of k8s.io/client-go/tools/cache/controller.go.
import type { KubeObject } from '@kubecache/core';
import type { DeletedFinalStateUnknown } from '@kubecache/store';

/**
 * Receives notifications about an informer's cache (client-go `ResourceEventHandler`). Every
 * method is optional and may return a Promise: the informer awaits it before sending the next
 * notification to the same handler.
 *
 * Contract:
 * - `onAdd(obj, isInInitialList)`: `obj` entered the cache; `isInInitialList` is true for objects
 *   of the initial list (and for the synthetic adds a late handler receives).
 * - `onUpdate(oldObj, newObj)`: `newObj` replaced `oldObj`; both are given. Periodic resyncs
 *   deliver `onUpdate(obj, obj)` with equal resource versions.
 * - `onDelete(obj)`: `obj` left the cache; it is a `DeletedFinalStateUnknown` tombstone when the
 *   deletion was only noticed by a relist (the last known state is in `obj.obj`).
 * - Objects are the cached instances: never mutate them.
 */
export interface ResourceEventHandler<T = KubeObject> {
  onAdd?(obj: T, isInInitialList: boolean): void | Promise<void>;
  onUpdate?(oldObj: T, newObj: T): void | Promise<void>;
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void | Promise<void>;
}

/** Something that can tell whether it has synced, and can be awaited until it has. */
export interface SyncWaiter {
  hasSynced(): boolean;
  /** Resolves true once synced, or false if `signal` aborts (or the source stops) first. */
  whenSynced(signal?: AbortSignal): Promise<boolean>;
}

/** A one-shot latch: `set()` resolves every `wait`. */
export class SyncLatch implements SyncWaiter {
  private done = false;
  private readonly waiters = new Set<(v: boolean) => void>();
  private readonly check: () => boolean;

  constructor(check: () => boolean) {
    this.check = check;
  }

  hasSynced(): boolean {
    return this.check();
  }

  /** Re-evaluates the condition and releases waiters when it holds. */
  poke(): void {
    if (this.done || !this.check()) return;
    this.done = true;
    for (const w of this.waiters) w(true);
    this.waiters.clear();
  }

  /** Releases waiters with `false` (the source stopped). */
  cancel(): void {
    for (const w of this.waiters) w(false);
    this.waiters.clear();
  }

  whenSynced(signal?: AbortSignal): Promise<boolean> {
    if (this.done || this.check()) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const onAbort = (): void => {
        this.waiters.delete(finish);
        resolve(false);
      };
      const finish = (v: boolean): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      };
      this.waiters.add(finish);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
