// Port of k8s.io/client-go/tools/cache/store.go (client-go v1.36): the Store contract.
import type { KubeObject } from '@kubecache/core';
import { ThreadSafeIndexer } from './indexer.js';
import { metaNamespaceKeyFunc } from './keys.js';

/**
 * Computes the key an object is stored under. Throws {@link KeyError} when it cannot (for example
 * an object without `metadata.name`).
 */
export type KeyFunc<T = unknown> = (obj: T) => string;

/**
 * A generic object storage and processing interface (client-go `cache.Store`).
 *
 * Contract:
 * - A Store holds a map from string keys to accumulators (objects) and has operations to add,
 *   update and delete a given object, and to list and get by key. Keys come from the store's
 *   {@link KeyFunc}; `add`, `update` and `delete` compute the key of the object passed.
 * - All methods are synchronous: in a single-threaded runtime the call itself is the lock, so a
 *   caller never observes a half-applied change.
 * - `add` and `update` are the same operation on a plain store ("put"); `delete` of an absent key
 *   is not an error.
 * - `replace(items, resourceVersion)` atomically swaps the whole content for `items`; the
 *   resource version is the list's, opaque, and only recorded by stores that care.
 * - `resync()` is meaningless for a plain store; queues (DeltaFIFO, RealFIFO) use it to
 *   re-deliver what they know.
 * - Objects handed out by `get`/`list` are the stored instances: callers must treat them as
 *   read-only (client-go's "do not mutate cache objects" rule).
 * - A failing key function leaves the store unchanged and throws a {@link KeyError}.
 */
export interface Store<T = KubeObject> {
  /** Adds `obj` (or replaces the object under the same key). */
  add(obj: T): void;
  /** Updates `obj` (same as `add` on a plain store). */
  update(obj: T): void;
  /** Deletes the object under `obj`'s key; absent keys are ignored. */
  delete(obj: T): void;
  /** All stored objects, in no particular order. */
  list(): T[];
  /** All keys, in no particular order. */
  listKeys(): string[];
  /** The stored object with the same key as `obj`, or `undefined`. */
  get(obj: T): T | undefined;
  /** The stored object under `key`, or `undefined`. */
  getByKey(key: string): T | undefined;
  /** Atomically replaces the whole content with `items`. `resourceVersion` is the list's. */
  replace(items: T[], resourceVersion: string): void;
  /** Re-delivers what the store knows (queues only; a no-op on plain stores). */
  resync(): void;
}

/**
 * Optional store capability: accepts watch bookmarks. A Reflector forwards each bookmark's
 * resource version to stores that implement it (client-go `ReflectorBookmarkStore`).
 */
export interface BookmarkStore {
  bookmark(resourceVersion: string): void;
}

/**
 * Optional store capability: told every resource version the Reflector syncs to, including
 * those of events and lists (client-go `ResourceVersionUpdater`).
 */
export interface ResourceVersionUpdater {
  updateResourceVersion(resourceVersion: string): void;
}

/**
 * Optional store capability: the store transforms objects itself, so the Reflector must not
 * (client-go `TransformingStore`).
 */
export interface TransformingStore {
  readonly transformsObjects: true;
}

/** A function applied to each object before it is stored (e.g. dropping `managedFields`). */
export type TransformFunc<T = unknown> = (obj: T) => T;

/** Type guard for {@link BookmarkStore}. */
export function isBookmarkStore(store: unknown): store is BookmarkStore {
  return typeof (store as Partial<BookmarkStore> | null)?.bookmark === 'function';
}

/** Type guard for {@link ResourceVersionUpdater}. */
export function isResourceVersionUpdater(store: unknown): store is ResourceVersionUpdater {
  return (
    typeof (store as Partial<ResourceVersionUpdater> | null)?.updateResourceVersion === 'function'
  );
}

/**
 * Creates a plain {@link Store} (client-go `NewStore`): a thread-safe map keyed by `keyFunc`,
 * without secondary indices. `keyFunc` defaults to {@link metaNamespaceKeyFunc}.
 */
export function createStore<T = KubeObject>(keyFunc: KeyFunc<T> = metaNamespaceKeyFunc): Store<T> {
  return new ThreadSafeIndexer<T>(keyFunc, {});
}
