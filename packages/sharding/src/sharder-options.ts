// Options of runSharder.
import type { Clock, Logger, ResourceDef } from '@kubecache/core';
import type { KubeConfigLike } from '@kubecache/listwatch';
import type { ShardingMetrics } from './metrics.js';

/** One resource of a ring, for {@link SharderOptions.resources}. */
export interface RingResource {
  /** The resource, as made by `defineResource` (e.g. `Foo`, `deploymentsResource`). */
  definition: ResourceDef;
  /**
   * Where to watch it: a namespace, or `''` for all namespaces. Ignored for cluster-scoped
   * resources. Default: all namespaces.
   */
  namespace?: string;
  /**
   * Whether its objects are reconciled by the controller (keyed by their own namespace/name). An
   * owned kind (`primary: false`) follows its controller owner among the primaries.
   */
  primary: boolean;
}

/** Leader election of the sharder (the ring's `<ring>-sharder` Lease). */
export interface SharderLeaderElectionOptions {
  /** This replica's identity in the election. Default: `<hostname>-<random>`. */
  identity?: string;
  /** Default 15 000 ms (a whole number of seconds). */
  leaseDurationMs?: number;
  /** Default 10 000 ms. */
  renewDeadlineMs?: number;
  /** Default 2 000 ms. */
  retryPeriodMs?: number;
  /** Release the election Lease when `signal` aborts, so another replica takes over at once. Default: true. */
  releaseOnCancel?: boolean;
}

/** Options of `runSharder`. */
export interface SharderOptions {
  /** The cluster and credentials (a @kubernetes/client-node `KubeConfig`). */
  kubeConfig: KubeConfigLike;
  /** Namespace of the shard Leases and of the sharder's election Lease: the controller's. */
  namespace: string;
  /** The ring's name: a DNS-1123 label of at most 40 characters. */
  ring: string;
  /** The ring's resources: at least one primary, and the kinds its controller owns. */
  resources: readonly RingResource[];
  /** Virtual nodes per shard on the hash ring. Default 100. Every replica must use the same. */
  virtualNodes?: number;
  /** The sharder's election. */
  leaderElection?: SharderLeaderElectionOptions;
  /**
   * How often the leading sharder re-checks shard liveness and every object even without
   * events, in ms. Default 1 000.
   */
  resyncIntervalMs?: number;
  /** At most this many label writes in flight at once. Default 16. */
  maxConcurrentWrites?: number;
  /** Runs until it aborts; then the sharder stops (releasing its election Lease) and resolves. */
  signal: AbortSignal;
  /** Pino-shaped logger (`component: 'sharding'`). Default: core's `defaultLogger`. */
  logger?: Logger;
  /** Metrics hooks (see `createShardingMetrics` for a `MetricsProvider` adapter). Default: none. */
  metrics?: ShardingMetrics;
  /** Clock of every timer and observation. Default: the system clock. */
  clock?: Clock;
}
