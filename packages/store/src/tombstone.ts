// Port of the DeletedFinalStateUnknown tombstone of k8s.io/client-go/tools/cache/delta_fifo.go
// (client-go v1.36).
import { hasBrand, type KubeObject } from '@kubecache/core';

const tombstoneBrand = Symbol.for('@kubecache/store/DeletedFinalStateUnknown');

/**
 * A tombstone (client-go `DeletedFinalStateUnknown`).
 *
 * Contract: a queue hands one out in a `Deleted` delta when it learns that an object is gone
 * without having seen its delete event, typically because a relist (`replace`) no longer
 * contains a key the queue or the indexer still knew. `key` is the object's store key; `obj` is
 * the last state the cache saw, which may be stale, or `undefined` if none was known. Delete
 * handlers must therefore accept either an object or a tombstone, and key functions used on
 * deletes should understand tombstones (`deletionHandlingMetaNamespaceKeyFunc`). Recognise one with
 * {@link isDeletedFinalStateUnknown}, which works across duplicate copies of this package.
 */
export class DeletedFinalStateUnknown<T = KubeObject> {
  readonly [tombstoneBrand] = true;
  /** The store key of the deleted object. */
  readonly key: string;
  /** The last known state of the object; may be stale. */
  readonly obj: T | undefined;
  constructor(key: string, obj: T | undefined) {
    this.key = key;
    this.obj = obj;
  }
}

/** Type guard for {@link DeletedFinalStateUnknown}. */
export function isDeletedFinalStateUnknown<T = KubeObject>(
  value: unknown,
): value is DeletedFinalStateUnknown<T> {
  return hasBrand(value, tombstoneBrand);
}
