// Port of k8s.io/client-go/tools/leaderelection/resourcelock/leaselock.go: the election record
// kept in the spec of a coordination.k8s.io/v1 Lease, written with resourceVersion preconditions.
import { asLease, type WireLease } from '@kubecache/core';
import type { KubeConfigLike } from '@kubecache/listwatch';
import { ResponseDecodeError, createJsonClient } from '@kubecache/listwatch';
import { LeaderElectionConfigError, isNotFound } from './errors.js';
import { recordToLeaseSpec, snapshotFromSpec, type LeaderElectionRecord } from './record.js';
import type { LockSnapshot, ResourceLock } from './resource-lock.js';

/** Options of {@link createLeaseLock}. */
export interface LeaseLockOptions {
  /**
   * The cluster and credentials: a @kubernetes/client-node `KubeConfig` (1.4 or 2.x) or anything
   * with the same `getCurrentCluster` / `applyToHTTPSOptions`.
   */
  kubeConfig: KubeConfigLike;
  /** Namespace of the Lease. */
  namespace: string;
  /** Name of the Lease (usually the controller's name). */
  name: string;
  /**
   * This replica's identity, written as `spec.holderIdentity`. Must be unique among the replicas
   * (the pod name, or hostname + a random suffix): two live replicas with one identity both
   * believe they hold the lease.
   */
  identity: string;
  /** Labels set on the Lease when it is created or updated. Default: none. */
  labels?: Readonly<Record<string, string>>;
  /** `User-Agent` header. Default: `kubecache-leaderelection`. */
  userAgent?: string;
}

/** A {@link ResourceLock} over a Lease; `close()` releases its pooled sockets. */
export interface LeaseLock extends ResourceLock {
  /** Destroys idle keep-alive sockets (requests after it still work, on new sockets). */
  close(): void;
}

/** What a Lease answer that fails {@link asLease}'s check throws (the body decoded, as 200). */
const decodeError = (message: string): ResponseDecodeError => new ResponseDecodeError(message, 200);

/**
 * Creates a lock on the Lease `namespace/name` (API group coordination.k8s.io/v1), for
 * `createLeaderElector`. Throws {@link LeaderElectionConfigError} for an empty namespace, name or
 * identity.
 *
 * Requests go over node:http(s) with the KubeConfig's server, TLS material and credentials.
 * Failures reject with listwatch's `ApiStatusError` (so `err.code` is the HTTP status: 409 for a
 * lost race, 403 for missing RBAC — the replica needs `get`, `create` and `update` on
 * `leases` in the namespace).
 */
export function createLeaseLock(options: LeaseLockOptions): LeaseLock {
  for (const field of ['namespace', 'name', 'identity'] as const) {
    if (typeof options[field] !== 'string' || options[field] === '') {
      throw new LeaderElectionConfigError(field, `the lease lock needs a non-empty ${field}`);
    }
  }
  const { namespace, name, identity } = options;
  const client = createJsonClient(options.kubeConfig, {
    userAgent: options.userAgent ?? 'kubecache-leaderelection',
  });
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const itemPath = `${collection}/${encodeURIComponent(name)}`;
  const description = `${namespace}/${name}`;
  let lease: WireLease | undefined;

  const remember = (obj: WireLease): LockSnapshot => {
    lease = obj;
    return snapshotFromSpec(description, obj.spec);
  };
  const withLabels = (existing: Record<string, string> | undefined) =>
    options.labels === undefined ? existing : { ...existing, ...options.labels };

  return {
    identity,
    describe: () => description,
    async get(signal) {
      let body: unknown;
      try {
        body = await client.request({ method: 'GET', path: itemPath, signal });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      return remember(asLease(body, `GET lease ${description}`, decodeError));
    },
    async create(record: LeaderElectionRecord, signal) {
      const labels = withLabels(undefined);
      const body = await client.request({
        method: 'POST',
        path: collection,
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace, ...(labels !== undefined ? { labels } : {}) },
          spec: recordToLeaseSpec(record),
        },
        signal,
      });
      return remember(asLease(body, `POST lease ${description}`, decodeError));
    },
    async update(record: LeaderElectionRecord, signal) {
      if (lease === undefined) {
        throw new Error(`lease ${description} was not read yet: call get or create first`);
      }
      const labels = withLabels(lease.metadata.labels);
      const next: WireLease = {
        ...lease,
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        // The resourceVersion of the last read stays in: the server answers 409 if it is stale.
        metadata: { ...lease.metadata, ...(labels !== undefined ? { labels } : {}) },
        spec: recordToLeaseSpec(record),
      };
      const body = await client.request({ method: 'PUT', path: itemPath, body: next, signal });
      return remember(asLease(body, `PUT lease ${description}`, decodeError));
    },
    close: () => client.close(),
  };
}
