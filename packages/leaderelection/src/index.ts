/**
 * client-go's `tools/leaderelection` for TypeScript: a `LeaderElector` that lets one replica of a
 * controller lead at a time through a coordination.k8s.io/v1 Lease (and ends its term, releasing
 * the Lease, when its leader work fails), a `LeaseLock` over a @kubernetes/client-node
 * KubeConfig, a typed `leasesResource`, an in-memory lock for tests, and a health check.
 *
 * @packageDocumentation
 */
export { createLeaderElector, type LeaderElector } from './leader-elector.js';
export { defaultLeaderElectionTimings, jitterFactor, type LeaderElectorOptions } from './config.js';
export type { LockSnapshot, ResourceLock } from './resource-lock.js';
export { createLeaseLock, type LeaseLock, type LeaseLockOptions } from './lease-lock.js';
export {
  createMemoryLeaseStore,
  createMemoryLock,
  type MemoryLeaseStore,
  type MemoryLockOperation,
  type MemoryLockOptions,
  type MemoryTransport,
  type StoredLease,
} from './memory-lock.js';
export {
  canonicalJson,
  microTime,
  parseLeaseSpec,
  recordToLeaseSpec,
  type LeaderElectionRecord,
  type LeaseSpec,
  type ParsedLeaseSpec,
} from './record.js';
export { leasesResource, type Lease } from './lease-resource.js';
export {
  leaderElectionHealthCheck,
  type LeaderElectionHealthCheck,
  type LeaderElectionHealthCheckOptions,
} from './healthz.js';
// Deprecated (the older adaptor shape), still exported: use leaderElectionHealthCheck.
export {
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- public API kept for its users
  createLeaderHealthCheck,
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- public API kept for its users
  type LeaderHealthCheck,
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- public API kept for its users
  type LeaderHealthCheckOptions,
} from './healthz.js';
export {
  InvalidLeaseError,
  LeaderElectionConfigError,
  LeaderElectionHealthError,
  LeaderWorkFailedError,
  LeadershipLostError,
  isConflict,
  isInvalidLeaseError,
  isLeaderElectionConfigError,
  isLeaderElectionHealthError,
  isLeaderWorkFailedError,
  isLeadershipLostError,
  isNotFound,
  type LeadershipLostReason,
} from './errors.js';
