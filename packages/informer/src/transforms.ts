// Transforms for memory-light caches (client-go's TransformFunc examples).
import type { KubeObject } from '@kubecache/core';
import {
  createStringInterner as createListWatchStringInterner,
  type StringInterner as ListWatchStringInterner,
  type StringInternerOptions as ListWatchStringInternerOptions,
} from '@kubecache/listwatch';
import type { TransformFunc } from '@kubecache/store';

/**
 * Drops `metadata.managedFields`: typically 30–40 % of a pod's JSON that controllers never read.
 * Returns the same object when there is nothing to drop; otherwise a shallow copy.
 */
export function stripManagedFields<T>(obj: T): T {
  const o = obj as KubeObject;
  if (o.metadata?.managedFields === undefined) return obj;
  const { managedFields: _dropped, ...metadata } = o.metadata;
  return { ...o, metadata } as T;
}

/**
 * Chains transforms: `composeTransforms(a, b)(obj)` is `b(a(obj))`.
 */
export function composeTransforms<T>(...transforms: TransformFunc<T>[]): TransformFunc<T> {
  return (obj) => {
    let o = obj;
    for (const t of transforms) o = t(o);
    return o;
  };
}

/** Options of {@link createStringInterner}: `@kubecache/listwatch`'s. */
export type StringInternerOptions = ListWatchStringInternerOptions;

/**
 * A transform made by {@link createStringInterner}; `size` is the number of strings in its table,
 * `hits` the values swapped for a copy already held.
 */
export type StringInterner<T = KubeObject> = ListWatchStringInterner<T>;

/**
 * Creates a transform that makes equal string values of cached objects share one copy: image
 * names, volume mount paths, condition types, owner names, timestamps… repeated across thousands
 * of objects. It is `@kubecache/listwatch`'s `createStringInterner`, which `createListWatch`
 * already applies to every object it decodes (`internStrings`, on by default): use this one for
 * objects from another source, or after a transform that makes new strings. On objects from a
 * default ListWatch it finds nothing left to share and only costs a walk.
 *
 * Contract: the transform rewrites string values **in place** in the object it is given and
 * returns that same object, so use it only on objects nobody else holds — which is the case for
 * an informer's transform (it sees each object fresh from the decoder, once). The result is
 * deep-equal to the input; only the identity of string values changes (invisible to JavaScript).
 * One interner may be shared by several informers (its table then serves them all). Frozen
 * objects (the `managedFields[].fieldsV1` values the ListWatch shares, or everything with the
 * informer's `freezeObjects`) are skipped: they are shared already and cannot be written.
 * Throws a RangeError when `maxEntries` is not positive.
 *
 * Not in client-go: Go decodes every string into its own allocation.
 *
 * @example
 * ```ts
 * // Objects from a ListerWatcher that does not intern (createListWatchFromFunctions, another
 * // client's decoder); over createListWatch's defaults this would find nothing left to share.
 * createSharedIndexInformer(customLw, {
 *   transform: composeTransforms(stripManagedFields, createStringInterner()),
 * });
 * ```
 */
export function createStringInterner<T = KubeObject>(
  options: StringInternerOptions = {},
): StringInterner<T> {
  return createListWatchStringInterner<T>(options);
}
