// The sharder's metrics seam: a plain callback interface (what the sharder reports), and an
// adapter onto core's backend-neutral MetricsProvider (prom-client through @kubecache/prometheus,
// or a test recorder), in the manner of core's createReflectorMetrics.
import { exponentialBuckets, type MetricsProvider } from '@kubecache/core';

/** Why an object got a new shard. */
export type MoveReason =
  /** It had no shard label (a new object, or one whose drain was acknowledged). */
  | 'unassigned'
  /** Its shard is dead (Lease expired, released or deleted): moved directly, without a drain. */
  | 'dead-shard';

/**
 * What the sharder reports; every member is optional and is called synchronously (keep it
 * cheap, do not throw).
 */
export interface ShardingMetrics {
  /**
   * After each assignment pass: how many objects (of every resource of the ring) carry each
   * live shard's label, in the sharder's cache. Shards with none report 0.
   */
  objectsAssigned?(ring: string, shard: string, count: number): void;
  /**
   * The sharder labelled an object for shard `to`. `from` is the shard it left: the dead shard,
   * or the shard that acknowledged a drain; `''` for a new object.
   */
  assigned?(ring: string, from: string, to: string, reason: MoveReason): void;
  /** The sharder asked shard `from` to drain an object (set the drain label). */
  drainRequested?(ring: string, from: string): void;
  /**
   * A drain finished: from the write of the drain label to the sharder seeing the acknowledgement
   * (both labels removed), in ms, by this process's clock.
   */
  drainDurationMs?(ring: string, from: string, ms: number): void;
}

/** Metric names created by {@link createShardingMetrics}. */
export const shardingMetricNames = {
  objectsAssigned: 'kubecache_sharding_objects_assigned',
  assignmentsTotal: 'kubecache_sharding_assignments_total',
  drainsTotal: 'kubecache_sharding_drains_total',
  drainDurationSeconds: 'kubecache_sharding_drain_duration_seconds',
} as const;

/**
 * {@link ShardingMetrics} on a core `MetricsProvider`:
 * - `kubecache_sharding_objects_assigned{ring,shard}` gauge;
 * - `kubecache_sharding_assignments_total{ring,from,to,reason}` counter (a move is one with
 *   `from` ≠ `''`);
 * - `kubecache_sharding_drains_total{ring,from}` counter;
 * - `kubecache_sharding_drain_duration_seconds{ring}` histogram (buckets 0.01 s × 2^0…15).
 */
export function createShardingMetrics(provider: MetricsProvider): ShardingMetrics {
  const assigned = provider.gauge({
    name: shardingMetricNames.objectsAssigned,
    help: 'Objects labelled for each live shard of a ring, in the sharder cache.',
    labelNames: ['ring', 'shard'],
  });
  const assignments = provider.counter({
    name: shardingMetricNames.assignmentsTotal,
    help: 'Shard labels written by the sharder, by previous shard and reason.',
    labelNames: ['ring', 'from', 'to', 'reason'],
  });
  const drains = provider.counter({
    name: shardingMetricNames.drainsTotal,
    help: 'Drain labels written by the sharder, by the shard asked to drain.',
    labelNames: ['ring', 'from'],
  });
  const drainSeconds = provider.histogram({
    name: shardingMetricNames.drainDurationSeconds,
    help: 'Time from a drain request to its acknowledgement, in seconds.',
    labelNames: ['ring'],
    buckets: exponentialBuckets(0.01, 2, 16),
  });
  return {
    objectsAssigned: (ring, shard, count) => assigned.with({ ring, shard }).set(count),
    assigned: (ring, from, to, reason) => assignments.with({ ring, from, to, reason }).inc(),
    drainRequested: (ring, from) => drains.with({ ring, from }).inc(),
    drainDurationMs: (ring, _from, ms) => drainSeconds.with({ ring }).observe(ms / 1000),
  };
}
