// The shape check applied to what the API server answers to a GET, POST or PUT of a
// coordination.k8s.io/v1 Lease, shared by @kubecache/leaderelection's Lease lock and
// @kubecache/sharding's shard membership, beside the one Lease resource definition
// (lease-resource.ts).

/**
 * A coordination.k8s.io/v1 Lease as JSON on the wire (k8s.io/api/coordination/v1 `Lease`;
 * timestamps are RFC 3339 strings): the fields leader election and sharding read and write.
 * Every other field passes through untouched. Nothing here is checked but what
 * {@link asLease} checks: read the `spec` fields defensively.
 */
export interface WireLease {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    /** Opaque; the precondition of the next update. */
    resourceVersion?: string;
    labels?: Record<string, string>;
    [k: string]: unknown;
  };
  spec?: {
    holderIdentity?: string | null;
    /** Seconds. */
    leaseDurationSeconds?: number | null;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number | null;
    /** Coordinated leader election's fields. */
    strategy?: string | null;
    preferredHolder?: string | null;
  };
  [k: string]: unknown;
}

/** A {@link WireLease} that passed {@link asLease}: its `metadata.resourceVersion` is a string. */
export type LeaseWithResourceVersion = WireLease & { metadata: { resourceVersion: string } };

/**
 * Checks that `value`, the decoded JSON body the API server answered to a request on a Lease, is
 * an object with an object `metadata` whose `resourceVersion` is a string, and returns it
 * unchanged (same reference). The lock keeps that object and sends it back as the
 * next update, whose `metadata.resourceVersion` is the precondition that makes the API server
 * answer 409 to a stale write — so an answer without one must not be kept.
 *
 * Only `metadata.resourceVersion` is checked: the other fields are typed as the API server sends
 * them, not checked (leaderelection validates `spec` itself, with `parseLeaseSpec`).
 *
 * Follows client-go's `LeaseLock` (k8s.io/client-go/tools/leaderelection/resourcelock/leaselock.go:
 * `Get`, `Create` and `Update` keep the Lease the typed client returned, whose ResourceVersion the
 * next `Update` sends). Differs from client-go: the typed client decodes the body into a
 * `coordinationv1.Lease` and accepts one without a resourceVersion (the next update is then
 * unconditional); this check rejects it.
 *
 * @param value - the decoded response body.
 * @param what - the request, for the message, e.g. `'GET lease default/ctl'`.
 * @param makeError - builds the error to throw from its message, so that each caller keeps its
 *   own error type (leaderelection and sharding pass listwatch's `ResponseDecodeError` with
 *   status 200; core cannot import listwatch).
 * @returns `value`, unchanged.
 * @throws whatever `makeError` returns, with the message
 *   `` `${what}: the answer is not a Lease with a resourceVersion` ``, when `value` is not an
 *   object (or is `null`), has no object `metadata` (or it is `null`), or has no string
 *   `metadata.resourceVersion`.
 */
export function asLease(
  value: unknown,
  what: string,
  makeError: (message: string) => Error,
): LeaseWithResourceVersion {
  const o = value as { metadata?: { resourceVersion?: unknown } | null } | null;
  if (
    typeof o !== 'object' ||
    o === null ||
    typeof o.metadata !== 'object' ||
    o.metadata === null ||
    typeof o.metadata.resourceVersion !== 'string'
  ) {
    throw makeError(`${what}: the answer is not a Lease with a resourceVersion`);
  }
  return o as LeaseWithResourceVersion;
}
