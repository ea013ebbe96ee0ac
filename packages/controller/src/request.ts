// What a reconcile is asked to do: the name of one primary object (controller-runtime
// `reconcile.Request`, kube-rs `ObjectRef`). Never the object or the event: reconciles are
// level-triggered and read the current state themselves.
import type { KubeObject } from '@kubecache/core';
import { splitMetaNamespaceKey } from '@kubecache/store';

/**
 * The primary object a reconcile is for. `namespace` is `''` for cluster-scoped objects.
 * Requests with the same namespace and name are the same unit of work: they are de-duplicated
 * while queued and never reconciled twice at the same time.
 */
export interface ReconcileRequest {
  /** Namespace of the primary object; `''` when it is cluster-scoped. */
  readonly namespace: string;
  /** Name of the primary object. */
  readonly name: string;
}

/** The queue key of a request: `namespace/name`, or `name` for a cluster-scoped object. */
export function requestKey(request: ReconcileRequest): string {
  return request.namespace === '' ? request.name : `${request.namespace}/${request.name}`;
}

/**
 * The request of a queue key made by {@link requestKey}.
 *
 * @throws KeyError (from `@kubecache/store`) when the key has more than one `/`.
 */
export function requestFromKey(key: string): ReconcileRequest {
  const { namespace, name } = splitMetaNamespaceKey(key);
  return { namespace, name };
}

/** The request for `object` itself, or `undefined` when it has no name. */
export function requestFor(object: KubeObject): ReconcileRequest | undefined {
  const name = object.metadata?.name;
  if (name === undefined || name === '') return undefined;
  return { namespace: object.metadata?.namespace ?? '', name };
}
