// Definitions of the built-in resources the factory has helpers for, typed with the JSON wire
// types of `kubernetes-types` (what the API server sends and the cache holds: timestamps are
// strings), not client-node's model classes (which say `Date`).
import { defineResource, leasesResourceDef, type ResourceDef } from '@kubecache/core';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { ConfigMap, Namespace, Node, Pod, Service } from 'kubernetes-types/core/v1.js';

export type { Deployment } from 'kubernetes-types/apps/v1.js';
export type { Lease } from 'kubernetes-types/coordination/v1.js';
export type { ConfigMap, Namespace, Node, Pod, Service } from 'kubernetes-types/core/v1.js';

/** Pods (core/v1, namespaced). */
export const podsResource = defineResource<Pod>({
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  namespaced: true,
});

/** ConfigMaps (core/v1, namespaced). */
export const configMapsResource = defineResource<ConfigMap>({
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
});

/**
 * Leases (coordination.k8s.io/v1, namespaced): what leader election writes; a typed way to watch
 * or read them (`spec.holderIdentity`, `spec.renewTime`). The same object as
 * `@kubecache/leaderelection`'s `leasesResource` (both are core's `leasesResourceDef`, typed here
 * with kubernetes-types' Lease, there with that package's own wire Lease); both describe the same
 * JSON.
 */
// The type argument of a ResourceDef is a phantom (absent at run time): giving core's one
// definition kubernetes-types' Lease changes no value.
export const leasesResource: ResourceDef<Lease> = leasesResourceDef as ResourceDef<Lease>;

/** Services (core/v1, namespaced). */
export const servicesResource = defineResource<Service>({
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  namespaced: true,
});

/** Nodes (core/v1, cluster-scoped). */
export const nodesResource = defineResource<Node>({
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  namespaced: false,
});

/** Namespaces (core/v1, cluster-scoped). */
export const namespacesResource = defineResource<Namespace>({
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  namespaced: false,
});

/** Deployments (apps/v1, namespaced). */
export const deploymentsResource = defineResource<Deployment>({
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  namespaced: true,
});
