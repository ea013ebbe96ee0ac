// What a delete of the in-process API server honours from metav1.DeleteOptions: preconditions on
// uid and resourceVersion, and the propagation policy's finalizer, as kube-apiserver's registry
// store does (apiserver/pkg/registry/generic/registry/store.go Delete and deletionFinalizersForGarbageCollection).
import { preconditionFailed } from './status.js';
import type { StoredMeta } from './strategy.js';

/** The finalizer of an object deleted with `propagationPolicy: Orphan`. */
export const ORPHAN_FINALIZER = 'orphan';
/** The finalizer of an object deleted with `propagationPolicy: Foreground`. */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

/** Options of a delete (the fields of metav1.DeleteOptions the server honours). */
export interface DeleteOptions {
  /** How dependents (objects whose ownerReferences name this one) are treated. Default: Background. */
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  /** The delete applies only if the object still has this uid / resourceVersion (409 otherwise). */
  preconditions?: { uid?: string; resourceVersion?: string };
}

/**
 * Throws 409 Conflict (a failed precondition, naming both values) when the stored object's
 * metadata `meta` does not have the uid or resourceVersion of `options.preconditions`.
 */
export function checkDeletePreconditions(
  resource: string,
  name: string,
  meta: StoredMeta,
  options: DeleteOptions,
): void {
  const pre = options.preconditions;
  if (pre?.uid !== undefined && pre.uid !== meta.uid) {
    throw preconditionFailed(
      resource,
      name,
      `UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid ?? ''}`,
    );
  }
  if (pre?.resourceVersion !== undefined && pre.resourceVersion !== meta.resourceVersion) {
    throw preconditionFailed(
      resource,
      name,
      `ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion ?? ''}`,
    );
  }
}

/** The object's finalizers after the delete: its own, plus the propagation policy's (once). */
export function finalizersOnDelete(meta: StoredMeta, options: DeleteOptions): string[] {
  const finalizers = [...(meta.finalizers ?? [])];
  const policyFinalizer =
    options.propagationPolicy === 'Orphan'
      ? ORPHAN_FINALIZER
      : options.propagationPolicy === 'Foreground'
        ? FOREGROUND_FINALIZER
        : undefined;
  if (policyFinalizer !== undefined && !finalizers.includes(policyFinalizer))
    finalizers.push(policyFinalizer);
  return finalizers;
}
