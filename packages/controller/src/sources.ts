// Where reconcile requests come from (controller-runtime pkg/handler + pkg/source, kube-rs
// `Controller::owns`/`watches`): each source is an informer plus a mapping from its objects to
// primary requests, and predicates that filter its events.
import type { KubeObject, Logger } from '@kubecache/core';
import type { SharedIndexInformer, ResourceEventHandler } from '@kubecache/informer';
import { isDeletedFinalStateUnknown } from '@kubecache/store';
import { lowPriority } from '@kubecache/workqueue';
import { groupOf } from './owner.js';
import type { Predicate, WatchEvent } from './predicates.js';
import { requestFor, requestKey, type ReconcileRequest } from './request.js';

/** Maps one object of a watched resource to the primary requests it concerns. */
export type MapFunc<S> = (object: S) => Iterable<ReconcileRequest>;

/**
 * A child resource the primary owns (`owns`): events of an object enqueue the owner named by its
 * ownerReference with `controller: true`, when that owner is of the primary's group and kind
 * (controller-runtime `EnqueueRequestForOwner` with `OnlyControllerOwner`). An update enqueues
 * the owners of both the old and the new object.
 */
export interface OwnsSource {
  /** The child resource's informer. */
  readonly informer: SharedIndexInformer;
  /** Filters the child's events before the owner is looked up. Default: none (every event). */
  readonly predicates?: readonly Predicate[];
}

/**
 * Any other resource (`watches`): events of an object enqueue the requests `map` returns for it
 * (controller-runtime `EnqueueRequestsFromMapFunc`). On an update, the requests of the old and the
 * new object are both enqueued. Build one with {@link watchSource} to keep `map` typed.
 */
export interface WatchSource {
  /** The watched resource's informer. */
  readonly informer: SharedIndexInformer<unknown>;
  /** The primary requests an object maps to. */
  readonly map: MapFunc<unknown>;
  /** Filters the events before mapping. Default: none. */
  readonly predicates?: readonly Predicate<unknown>[];
}

/**
 * A typed {@link WatchSource}: `map` and `predicates` see the informer's object type.
 *
 * @param informer - the watched resource's informer.
 * @param map - the primary requests an object maps to (may be empty).
 * @param predicates - filters applied before `map`.
 */
export function watchSource<S>(
  informer: SharedIndexInformer<S>,
  map: MapFunc<S>,
  predicates: readonly Predicate<S>[] = [],
): WatchSource {
  return {
    informer,
    map: map as MapFunc<unknown>,
    predicates: predicates as readonly Predicate<unknown>[],
  };
}

/**
 * Maps an owned object to its controller owner of the given group and kind. The owner is looked
 * up in the child's namespace, or at cluster scope when `ownerNamespaced` is false.
 */
export function ownerMapper(owner: {
  group: string;
  kind: string;
  ownerNamespaced: boolean;
}): MapFunc<KubeObject> {
  return function* (object) {
    for (const ref of object.metadata?.ownerReferences ?? []) {
      if (ref.controller !== true) continue;
      if (ref.kind !== owner.kind || groupOf(ref.apiVersion) !== owner.group) continue;
      yield {
        namespace: owner.ownerNamespaced ? (object.metadata?.namespace ?? '') : '',
        name: ref.name,
      };
    }
  };
}

/** The primary resource's own mapping: an object maps to itself. */
export function* selfMapper(object: KubeObject): Iterable<ReconcileRequest> {
  const request = requestFor(object);
  if (request !== undefined) yield request;
}

/** The `metadata.resourceVersion` of an object, or `undefined` when it has none. */
function resourceVersionOf(object: unknown): string | undefined {
  if (typeof object !== 'object' || object === null) return undefined;
  const rv: unknown = (object as KubeObject).metadata?.resourceVersion;
  return typeof rv === 'string' && rv !== '' ? rv : undefined;
}

/**
 * The priority an event's requests enter the queue with (controller-runtime
 * `handler.WithLowPriorityWhenUnchanged`): `lowPriority` (-100) for an add from the informer's
 * initial list and for an update whose old and new `resourceVersion` are equal (a resync, or a
 * relist that changed nothing) — the controller has most likely seen those; `undefined` (the
 * queue's default, 0) for everything else, so a fresh change is handed out before them.
 */
export function eventPriority(event: WatchEvent<unknown>): number | undefined {
  if (event.type === 'create') return event.isInInitialList ? lowPriority : undefined;
  if (event.type !== 'update') return undefined;
  if (event.oldObject === event.newObject) return lowPriority;
  const before = resourceVersionOf(event.oldObject);
  return before !== undefined && before === resourceVersionOf(event.newObject)
    ? lowPriority
    : undefined;
}

/**
 * Builds the informer handler of one source: each notification becomes a {@link WatchEvent},
 * is filtered by `predicates` (all must pass), and the requests of its objects are passed to
 * `enqueue` with the event's priority ({@link eventPriority}). Tombstones are unwrapped.
 * Synchronous: it never blocks the informer.
 */
export function sourceHandler<S>(options: {
  map: MapFunc<S>;
  predicates: readonly Predicate<S>[];
  enqueue: (request: ReconcileRequest, priority: number | undefined) => void;
  logger: Logger;
  source: string;
  /** For the primary itself: a tombstone without a last state still names the request by its key. */
  requestOfTombstoneKey?: (key: string) => ReconcileRequest | undefined;
}): ResourceEventHandler<S> {
  const { map, predicates, enqueue, logger, source, requestOfTombstoneKey } = options;
  const passes = (event: WatchEvent<S>): boolean => {
    for (const p of predicates) {
      try {
        if (!p(event)) return false;
      } catch (err) {
        logger.error({ component: 'controller', source, err }, 'predicate threw; event dropped');
        return false;
      }
    }
    return true;
  };
  const mapAll = (priority: number | undefined, ...objects: S[]): void => {
    try {
      // One event enqueues each request once: the old and new object of an update usually map
      // to the same request, and a second add while the first is being processed would run it
      // again for nothing.
      const seen = new Set<string>();
      for (const object of objects) {
        for (const request of map(object)) {
          const key = requestKey(request);
          if (seen.has(key)) continue;
          seen.add(key);
          enqueue(request, priority);
        }
      }
    } catch (err) {
      logger.error({ component: 'controller', source, err }, 'map function threw; event dropped');
    }
  };
  return {
    onAdd(object, isInInitialList) {
      const event: WatchEvent<S> = { type: 'create', object, isInInitialList };
      if (passes(event)) mapAll(eventPriority(event), object);
    },
    onUpdate(oldObject, newObject) {
      const event: WatchEvent<S> = { type: 'update', oldObject, newObject };
      if (!passes(event)) return;
      const priority = eventPriority(event);
      if (oldObject === newObject) mapAll(priority, newObject);
      else mapAll(priority, oldObject, newObject);
    },
    onDelete(deleted) {
      if (isDeletedFinalStateUnknown<S>(deleted)) {
        const last = deleted.obj;
        if (last === undefined) {
          const request = requestOfTombstoneKey?.(deleted.key);
          if (request !== undefined) enqueue(request, undefined);
          return;
        }
        if (passes({ type: 'delete', object: last, finalStateUnknown: true })) {
          mapAll(undefined, last);
        }
        return;
      }
      const object = deleted;
      if (passes({ type: 'delete', object, finalStateUnknown: false })) mapAll(undefined, object);
    },
  };
}
