// The coordination.k8s.io/v1 Lease as a typed resource definition, beside the ones
// @kubecache/informer has for built-in kinds (configMapsResource, …): for informers on Leases,
// for the test server's typed `get`, and for tests that look at the Lease an elector wrote. The
// object type is the JSON wire shape (k8s.io/api/coordination/v1 Lease; timestamps are strings),
// declared here so that this package needs no `kubernetes-types`.
import { leasesResourceDef, type KubeObject, type ResourceDef } from '@kubecache/core';
import type { LeaseSpec } from './record.js';

/**
 * A coordination.k8s.io/v1 Lease as the API server sends it. `spec` is the election record's
 * wire form ({@link LeaseSpec}: `holderIdentity`, `leaseDurationSeconds`, `acquireTime` and
 * `renewTime` as RFC 3339 strings with microseconds, `leaseTransitions`, `strategy`,
 * `preferredHolder`). Parse it with `parseLeaseSpec` to validate it.
 */
export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/**
 * Leases (coordination.k8s.io/v1, namespaced): what `createLeaseLock` reads and writes. The same
 * object as `@kubecache/informer`'s `leasesResource` (both are core's `leasesResourceDef`,
 * typed here with this package's wire {@link Lease}, there with kubernetes-types').
 */
// The type argument of a ResourceDef is a phantom (absent at run time): giving core's one
// definition this package's Lease type changes no value.
export const leasesResource: ResourceDef<Lease> = leasesResourceDef;
