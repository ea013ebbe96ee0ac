/**
 * The minimal shape of Kubernetes API objects that kubecache works with.
 *
 * kubecache never needs generated models: any JSON object with `metadata.name` works, which keeps
 * CRDs, PartialObjectMetadata and client-node's typed models (V1Pod, …) interchangeable.
 *
 * @packageDocumentation
 */

/** An owner reference, as in `metadata.ownerReferences`. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** The subset of `ObjectMeta` kubecache reads. Other fields pass through untouched. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  /** Opaque: compare for equality only, never for order. */
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | Date;
  deletionTimestamp?: string | Date;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
}

/** Any Kubernetes object: `apiVersion`, `kind` and `metadata`, plus whatever else it carries. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** `ListMeta` of a list response. */
export interface ListMeta {
  /** The list's resource version: the point in history the items were read at. */
  resourceVersion?: string;
  /** Token for the next page, if the list was paginated and more items remain. */
  continue?: string;
  /** Items not yet returned, when the server can tell. */
  remainingItemCount?: number;
}

/** A list response (`PodList`, `ConfigMapList`, …). */
export interface KubeList<T> {
  apiVersion?: string;
  kind?: string;
  metadata?: ListMeta;
  items: T[];
}

/** One cause of a Status failure (`details.causes[]`). */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** `metav1.Status`: what the API server sends for a failed request or in a watch ERROR event. */
export interface Status {
  apiVersion?: string;
  kind?: string;
  /** `Success` or `Failure`. */
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
  };
  metadata?: ListMeta;
}

/** Group, version and resource (plural, lower case) of an API: `{ group: 'apps', version: 'v1', resource: 'deployments' }`. The core group is `''`. */
export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/** Group, version and kind. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** Formats a GVR as `resource.version.group` (core: `resource.version`), as kubectl does. */
export function gvrString(gvr: GroupVersionResource): string {
  return gvr.group === ''
    ? `${gvr.resource}.${gvr.version}`
    : `${gvr.resource}.${gvr.version}.${gvr.group}`;
}

/** `apiVersion` string for a group and version: `v1` for the core group, `g/v` otherwise. */
export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}
