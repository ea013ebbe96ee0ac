// The one definition of the coordination.k8s.io/v1 Lease resource. @kubecache/informer (typed
// with kubernetes-types' Lease) and @kubecache/leaderelection (typed with its own wire Lease, so
// that it needs no kubernetes-types) both export it as `leasesResource`; neither may import the
// other (tools/layers.json), so the object lives here, below both, and each gives it its type.
import { defineResource, type ResourceDef } from './resource.js';

/**
 * Leases (coordination.k8s.io/v1, namespaced; kind `Lease`, plural `leases`): what leader
 * election writes (client-go's `resourcelock.LeaseLock`). Typed with the generic `KubeObject`
 * here; use `@kubecache/informer`'s or `@kubecache/leaderelection`'s `leasesResource`, which
 * are this same object with a typed `spec`.
 */
export const leasesResourceDef: ResourceDef = defineResource({
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  namespaced: true,
});
