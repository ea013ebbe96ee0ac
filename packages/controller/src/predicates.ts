// Event filters (controller-runtime pkg/predicate): which informer notifications may enqueue work.
// A predicate only decides whether an event is worth a reconcile; the reconcile still reads the
// current state from the cache.
import type { KubeObject } from '@kubecache/core';

/**
 * One informer notification, as predicates see it.
 * - `create`: the object entered the cache (`isInInitialList` for the initial list and for the
 *   synthetic adds a handler registered late receives).
 * - `update`: `oldObject` was replaced by `newObject`; a periodic resync has equal resource
 *   versions.
 * - `delete`: the object left the cache; `finalStateUnknown` when the deletion was only noticed by
 *   a relist and `object` is the last state the cache knew.
 */
export type WatchEvent<T = KubeObject> =
  | { readonly type: 'create'; readonly object: T; readonly isInInitialList: boolean }
  | { readonly type: 'update'; readonly oldObject: T; readonly newObject: T }
  | { readonly type: 'delete'; readonly object: T; readonly finalStateUnknown: boolean };

/**
 * Decides whether an event enqueues a reconcile (controller-runtime `predicate.Predicate`).
 *
 * Contract: synchronous, cheap and pure; it must not mutate the objects (they are the cached
 * instances). A predicate that throws counts as `false` for that event, and the error is logged.
 * Filtering is an optimisation only: a controller must stay correct if every event passes.
 */
export type Predicate<T = KubeObject> = (event: WatchEvent<T>) => boolean;

/** Per-event-type predicate functions; a missing one lets its events through. */
export interface PredicateFuncs<T = KubeObject> {
  /** Filters `create` events. Default: pass. */
  create?: (event: Extract<WatchEvent<T>, { type: 'create' }>) => boolean;
  /** Filters `update` events. Default: pass. */
  update?: (event: Extract<WatchEvent<T>, { type: 'update' }>) => boolean;
  /** Filters `delete` events. Default: pass. */
  delete?: (event: Extract<WatchEvent<T>, { type: 'delete' }>) => boolean;
}

/** A predicate from per-event-type functions (controller-runtime `predicate.Funcs`). */
export function predicateFuncs<T = KubeObject>(funcs: PredicateFuncs<T>): Predicate<T> {
  return (event) => {
    switch (event.type) {
      case 'create':
        return funcs.create?.(event) ?? true;
      case 'update':
        return funcs.update?.(event) ?? true;
      case 'delete':
        return funcs.delete?.(event) ?? true;
    }
  };
}

/** A predicate that looks only at updates (creates and deletes pass). */
/**
 * True when the update's objects have different `metadata.uid`s: the object was deleted and
 * recreated under the same name, and the informer only saw the two ends (a relist after a watch
 * gap). That is a creation, whatever else changed.
 */
export function isRecreation(oldObj: KubeObject, newObj: KubeObject): boolean {
  const a = oldObj.metadata?.uid;
  const b = newObj.metadata?.uid;
  return a !== undefined && b !== undefined && a !== b;
}

// Differs from controller-runtime: its GenerationChangedPredicate & co. compare only their field,
// so a Foo recreated behind a relist with the same generation (1 → 1) is dropped; here a new uid
// always passes (issue 21 input 6).
function onUpdate(changed: (oldObj: KubeObject, newObj: KubeObject) => boolean): Predicate {
  return (event) =>
    event.type !== 'update' ||
    isRecreation(event.oldObject, event.newObject) ||
    changed(event.oldObject, event.newObject);
}

/**
 * Passes updates whose `metadata.generation` changed (a `spec` change on most resources) or
 * whose `metadata.uid` changed (deleted and recreated: {@link isRecreation}), and every create
 * and delete. Status-only writes and resyncs are dropped. Updates where either
 * object has no metadata are dropped, as controller-runtime's `GenerationChangedPredicate`.
 *
 * Use it on the primary resource when status writes by the controller itself should not trigger
 * another reconcile; do not use it on resources whose `generation` never changes (many core
 * types without a `spec`).
 */
export function generationChanged(): Predicate {
  return onUpdate(
    (o, n) =>
      o.metadata !== undefined &&
      n.metadata !== undefined &&
      o.metadata.generation !== n.metadata.generation,
  );
}

/**
 * Passes updates whose `metadata.resourceVersion` or `metadata.uid` changed — drops periodic
 * resyncs — and every create and delete (controller-runtime `ResourceVersionChangedPredicate`).
 */
export function resourceVersionChanged(): Predicate {
  return onUpdate(
    (o, n) =>
      o.metadata !== undefined &&
      n.metadata !== undefined &&
      o.metadata.resourceVersion !== n.metadata.resourceVersion,
  );
}

/**
 * Passes updates whose `metadata.labels` or `metadata.uid` changed, and every create and delete
 * (`LabelChangedPredicate`).
 */
export function labelsChanged(): Predicate {
  return onUpdate(
    (o, n) =>
      o.metadata !== undefined &&
      n.metadata !== undefined &&
      !sameStringMap(o.metadata.labels, n.metadata.labels),
  );
}

/**
 * Passes updates whose `metadata.annotations` or `metadata.uid` changed, and every create and
 * delete (`AnnotationChangedPredicate`).
 */
export function annotationsChanged(): Predicate {
  return onUpdate(
    (o, n) =>
      o.metadata !== undefined &&
      n.metadata !== undefined &&
      !sameStringMap(o.metadata.annotations, n.metadata.annotations),
  );
}

/** Passes an event only when every predicate passes it (none: pass). Evaluation stops at the first `false`. */
export function and<T = KubeObject>(...predicates: readonly Predicate<T>[]): Predicate<T> {
  return (event) => predicates.every((p) => p(event));
}

/** Passes an event when at least one predicate passes it (none: drop). Evaluation stops at the first `true`. */
export function or<T = KubeObject>(...predicates: readonly Predicate<T>[]): Predicate<T> {
  return (event) => predicates.some((p) => p(event));
}

/** Inverts a predicate. */
export function not<T = KubeObject>(predicate: Predicate<T>): Predicate<T> {
  return (event) => !predicate(event);
}

// An absent map and an empty one are the same set of labels (Go's reflect.DeepEqual tells nil
// from empty; the API server drops empty maps, so a difference there is never a real change).
function sameStringMap(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  const ak = a === undefined ? [] : Object.keys(a);
  const bk = b === undefined ? [] : Object.keys(b);
  if (ak.length !== bk.length) return false;
  for (const k of ak) {
    if (b?.[k] !== a?.[k]) return false;
  }
  return true;
}
