/**
 * Scale a kubecache controller out across N replicas, on Kubernetes primitives only: each
 * replica holds a shard Lease (`runShardMembership`), a sharder elected among the replicas
 * (`runSharder`) assigns objects to live shards by consistent hashing (`createRing`,
 * `partitionKey`) and writes the shard label (`shardLabel`), moving objects between live shards
 * with a drain handshake (`drainLabel`); each shard watches only its objects (`shardSelector`).
 * The design follows timebertt/kubernetes-controller-sharding; see the README for the protocol.
 *
 * @packageDocumentation
 */
export {
  drainLabel,
  drainValue,
  maxRingNameLength,
  ringLabel,
  ringSelector,
  shardLabel,
  sharderLeaseName,
  shardSelector,
  validateRingName,
  validateShardId,
} from './labels.js';
export { createRing, defaultVirtualNodes, type Ring, type RingOptions } from './ring.js';
export { hash64 } from './hash.js';
export { partitionKey, type KindRef, type PartitionKeyOptions } from './partition-key.js';
export { runShardMembership, type ShardMembershipOptions } from './membership.js';
export { runSharder } from './sharder.js';
export type {
  RingResource,
  SharderLeaderElectionOptions,
  SharderOptions,
} from './sharder-options.js';
export {
  createShardingMetrics,
  shardingMetricNames,
  type MoveReason,
  type ShardingMetrics,
} from './metrics.js';
export {
  ShardMembershipLostError,
  ShardingConfigError,
  isShardMembershipLostError,
  isShardingConfigError,
  type ShardMembershipLostReason,
} from './errors.js';
