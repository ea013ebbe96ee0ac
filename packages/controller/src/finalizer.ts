// A finalizer helper with kube-rs's semantics (kube-runtime `finalizer.rs`): the finalizer is
// added before the controller acts on an object, cleanup runs once the object is being deleted,
// and the finalizer is removed only after cleanup succeeded. Writes are JSON merge patches that
// carry the object's resourceVersion, so the server refuses them (409) if the object changed
// since it was read.
import type { KubeObject } from '@kubecache/core';
import { ControllerOptionsError } from './errors.js';

/**
 * What the finalizer helper asks the reconciler to do.
 * - `apply`: the object is live and carries the finalizer: make the world match it.
 * - `cleanup`: the object is being deleted (`deletionTimestamp` set) and still carries the
 *   finalizer: release what it holds outside the cluster. Must be idempotent: a failed removal
 *   of the finalizer runs it again.
 */
export type FinalizerEvent<T> =
  { readonly type: 'apply'; readonly object: T } | { readonly type: 'cleanup'; readonly object: T };

/**
 * A JSON merge patch (RFC 7386) of an object's `metadata`: its `finalizers` (the whole list) and
 * its `resourceVersion` as a precondition. Send it with `Content-Type:
 * application/merge-patch+json`; the API server answers 409 Conflict when the resourceVersion is
 * no longer the object's.
 */
export interface FinalizerPatch {
  readonly metadata: { readonly resourceVersion: string; readonly finalizers: readonly string[] };
}

/** Options of {@link finalizer}. */
export interface FinalizerOptions<T> {
  /** The finalizer's name, domain-qualified: `samplecontroller.k8s.io/cleanup`. */
  name: string;
  /**
   * Sends `patch` to `object` as a JSON merge patch, with your client-node API client (for
   * example `CustomObjectsApi.patchNamespacedCustomObject` with `setHeaderOptions('Content-Type',
   * PatchStrategy.MergePatch)`). Rejections (a 409 included) propagate out of {@link finalizer}.
   */
  patch: (object: T, patch: FinalizerPatch) => Promise<unknown>;
}

/** What {@link finalizer} did: `reconciled` holds the callback's result when it ran. */
export type FinalizerOutcome<R> =
  | { readonly action: 'added-finalizer' }
  | { readonly action: 'applied'; readonly result: R }
  | { readonly action: 'cleaned-up'; readonly result: R }
  | { readonly action: 'none' };

/**
 * Runs `reconcile` under a finalizer, as kube-rs `finalizer()`:
 *
 * | object                               | finalizer | done                                                  |
 * | ------------------------------------ | --------- | ----------------------------------------------------- |
 * | live (no `deletionTimestamp`)        | absent    | adds it (patch), returns `added-finalizer`; the write triggers the next reconcile |
 * | live                                 | present   | `reconcile({ type: 'apply' })`                        |
 * | being deleted                        | present   | `reconcile({ type: 'cleanup' })`, then removes it (patch) |
 * | being deleted                        | absent    | nothing (`none`): cleanup already happened            |
 *
 * A throw from `reconcile` leaves the finalizer in place (the object stays until cleanup
 * succeeds) and propagates, so the controller retries with backoff.
 *
 * @param object - the primary object as just read (from the cache or the server); it needs
 *   `metadata.resourceVersion`.
 * @throws ControllerOptionsError when `name` is empty or the object has no resourceVersion.
 * @throws whatever `patch` or `reconcile` throws (a 409 when the object changed meanwhile).
 */
export async function finalizer<T extends KubeObject, R>(
  object: T,
  options: FinalizerOptions<T>,
  reconcile: (event: FinalizerEvent<T>) => R | Promise<R>,
): Promise<FinalizerOutcome<R>> {
  const { name, patch } = options;
  if (name === '') throw new ControllerOptionsError('name', 'a finalizer needs a name');
  const resourceVersion = object.metadata?.resourceVersion;
  if (resourceVersion === undefined || resourceVersion === '') {
    throw new ControllerOptionsError(
      'object',
      'the object has no metadata.resourceVersion to use as a precondition',
    );
  }
  const finalizers = object.metadata?.finalizers ?? [];
  const present = finalizers.includes(name);
  const deleting = object.metadata?.deletionTimestamp !== undefined;
  if (!deleting && !present) {
    await patch(object, { metadata: { resourceVersion, finalizers: [...finalizers, name] } });
    return { action: 'added-finalizer' };
  }
  if (!deleting) return { action: 'applied', result: await reconcile({ type: 'apply', object }) };
  if (!present) return { action: 'none' };
  const result = await reconcile({ type: 'cleanup', object });
  await patch(object, {
    metadata: { resourceVersion, finalizers: finalizers.filter((f) => f !== name) },
  });
  return { action: 'cleaned-up', result };
}
