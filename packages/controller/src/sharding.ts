// The `sharding` option of a controller: this replica is one shard of a ring (@kubecache/sharding,
// the design of timebertt/kubernetes-controller-sharding). It holds its shard Lease while its
// workers run, campaigns for the ring's sharder, and hands drained objects back (ShardGate).
import {
  isResourceDef,
  noMetricsProvider,
  type Clock,
  type Logger,
  type MetricsProvider,
  type ResourceDef,
} from '@kubecache/core';
import type { SharedIndexInformer } from '@kubecache/informer';
import type { KubeConfigLike } from '@kubecache/listwatch';
import {
  createShardingMetrics,
  drainLabel,
  runShardMembership,
  runSharder,
  shardLabel,
  validateRingName,
  validateShardId,
  type SharderLeaderElectionOptions,
} from '@kubecache/sharding';
import { createClient } from './client.js';
import { ControllerOptionsError } from './errors.js';
import { groupOf } from './owner.js';
import { ledgerResourceOf, watchedResourceOfInformerName } from './read-your-writes.js';
import { requestKey } from './request.js';
import { clientAcknowledge, ShardGate, type OwnedDrainTarget } from './shard-gate.js';
import { ownerMapper } from './sources.js';
import { errorOf } from './safe.js';

/**
 * The `sharding` option of `createController`: this replica is shard `shardId` of `ring`. The
 * primary and owned informers must be created with the shard's label selector
 * (`shardSelector(ring, shardId)` from `@kubecache/sharding`), so that this replica lists,
 * watches and caches only its objects. Replaces `leaderElection` (both cannot be set): every
 * shard runs its workers; the sharder is elected among the shards.
 */
export interface ControllerSharding {
  /** The ring's name: a DNS-1123 label of at most 40 characters, the same on every shard. */
  readonly ring: string;
  /**
   * This replica's shard id (the pod name): its Lease name and the value of the shard label on
   * its objects; a lower-case DNS-1123 name of at most 63 characters, unique in the ring.
   */
  readonly shardId: string;
  /** Namespace of the shard Leases and of the sharder's election Lease (`<ring>-sharder`). */
  readonly namespace: string;
  /**
   * The shard Lease's duration, in ms (a whole number of seconds): how long after this shard's
   * last renewal the sharder declares it dead and moves its objects. Default 15 000.
   */
  readonly leaseDurationMs?: number;
  /**
   * How long this shard goes on without a successful renewal before it stops its workers and
   * fails (`ControllerFailedError`, reason `'sharding'`), in ms; below `leaseDurationMs` — the
   * gap is the time its reconciles have to stop before another shard may start. Default 10 000.
   */
  readonly renewDeadlineMs?: number;
  /** Time between renewals, in ms. Default 2 000. */
  readonly retryPeriodMs?: number;
  /**
   * The resources the controller owns (the `owns` informers' kinds, as `defineResource`
   * definitions): the sharder labels each such object with its controller owner's shard.
   * Default: none.
   */
  readonly owns?: readonly ResourceDef[];
  /**
   * Where the sharder watches the ring's objects: a namespace, or `''` for all. Default: all.
   */
  readonly objectNamespace?: string;
  /**
   * The sharder: every shard campaigns for the ring's `<ring>-sharder` Lease and the leader
   * assigns objects (`runSharder`). `false`: this replica never runs it (another deployment
   * does). Default: its election uses this shard's `leaseDurationMs` / `renewDeadlineMs` /
   * `retryPeriodMs` (else `runSharder`'s defaults, 15 s / 10 s / 2 s), released on stop,
   * identity = `shardId`; `sharder.leaderElection` overrides each.
   */
  readonly sharder?:
    | false
    | {
        readonly leaderElection?: SharderLeaderElectionOptions;
        readonly virtualNodes?: number;
        readonly resyncIntervalMs?: number;
        readonly maxConcurrentWrites?: number;
      };
}

/** What the controller needs of a sharded run. */
export interface ShardRunner {
  /** The admission of each reconcile (`WorkerPool`'s `admit`). */
  readonly gate: ShardGate;
  /**
   * Holds the shard Lease, runs the sharder, and — once the Lease is held — the workers
   * (`term`), until `shutdown` aborts (the workers stop first, then the Lease is deleted) or the
   * controller failed. A lost Lease or a failed sharder is reported through `fail` and stops the
   * workers (the controller's failure path). Resolves with `term`'s result (0 when the workers
   * never ran).
   */
  run(options: {
    readonly shutdown: AbortSignal;
    readonly failed: AbortSignal;
    readonly term: (term: AbortSignal) => Promise<number>;
    readonly fail: (message: string, cause: unknown) => void;
  }): Promise<number>;
}

/**
 * Checks the `sharding` option against the others.
 *
 * @throws ControllerOptionsError (`option: 'sharding'`) when `leaderElection` is set too, when
 *   `kubeConfig` is missing, when the primary is not given as a `defineResource` definition
 *   (`for.resource`), or for an invalid ring name or shard id (`cause`: the
 *   `ShardingConfigError`).
 */
export function validateSharding(o: {
  readonly sharding: ControllerSharding;
  readonly leaderElection: unknown;
  readonly kubeConfig: KubeConfigLike | undefined;
  readonly primary: unknown;
}): void {
  const fail = (message: string, cause?: unknown): never => {
    throw new ControllerOptionsError('sharding', message, cause === undefined ? {} : { cause });
  };
  if (o.leaderElection !== undefined) {
    fail(
      'cannot be combined with leaderElection: every shard runs its workers, the sharder is elected among the shards',
    );
  }
  if (o.kubeConfig === undefined) {
    fail('needs the kubeConfig option (shard Lease, sharder, drain acknowledgements)');
  }
  if (!isResourceDef(o.primary)) {
    fail(
      'needs the primary as a defineResource definition (for: { informer, resource }): the sharder and the drain acknowledgement address it by its plural',
    );
  }
  if (typeof o.sharding.namespace !== 'string' || o.sharding.namespace === '') {
    fail('needs the namespace of the shard Leases');
  }
  try {
    validateRingName(o.sharding.ring);
    validateShardId(o.sharding.shardId);
  } catch (err) {
    fail(errorOf(err).message, err);
  }
}

/** Builds the shard side of a controller (nothing runs yet). */
export function createShardRunner(o: {
  readonly controller: string;
  readonly sharding: ControllerSharding;
  readonly kubeConfig: KubeConfigLike;
  readonly resource: ResourceDef;
  readonly primary: SharedIndexInformer;
  /** The `owns` informers: drains of their objects are acknowledged (see `sharding.owns`). */
  readonly owns: readonly SharedIndexInformer[];
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metricsProvider: MetricsProvider | undefined;
}): ShardRunner {
  const { sharding, logger, clock } = o;
  const labels = { shardLabel: shardLabel(sharding.ring), drainLabel: drainLabel(sharding.ring) };
  const client = createClient(o.kubeConfig, { userAgent: 'kubecache-controller-shard' });
  const owners = ownerMapper({
    group: groupOf(o.resource.apiVersion),
    kind: o.resource.kind,
    ownerNamespaced: o.resource.namespaced,
  });
  // Each `owns` informer with the definition of its resource among `sharding.owns` (matched by
  // the informer factory's name, `plural.version.group@namespace`).
  const owned: OwnedDrainTarget[] = [];
  for (const informer of o.owns) {
    const served = watchedResourceOfInformerName(informer.name)?.resource;
    const resource = (sharding.owns ?? []).find((d) => ledgerResourceOf(d) === served);
    if (resource === undefined) continue;
    owned.push({
      informer,
      owners: (object) => [...owners(object)].map(requestKey),
      acknowledge: clientAcknowledge({
        client,
        resource,
        shardId: sharding.shardId,
        ...labels,
      }),
    });
  }
  const gate = new ShardGate({
    controller: o.controller,
    ring: sharding.ring,
    shardId: sharding.shardId,
    ...labels,
    primary: o.primary,
    owned,
    acknowledge: clientAcknowledge({
      client,
      resource: o.resource,
      shardId: sharding.shardId,
      ...labels,
    }),
    logger,
    clock,
    metricsProvider: o.metricsProvider,
  });
  const timings = {
    ...(sharding.leaseDurationMs !== undefined
      ? { leaseDurationMs: sharding.leaseDurationMs }
      : {}),
    ...(sharding.renewDeadlineMs !== undefined
      ? { renewDeadlineMs: sharding.renewDeadlineMs }
      : {}),
    ...(sharding.retryPeriodMs !== undefined ? { retryPeriodMs: sharding.retryPeriodMs } : {}),
  };
  const context = {
    component: 'controller',
    controller: o.controller,
    ring: sharding.ring,
    shard: sharding.shardId,
  };
  return {
    gate,
    async run({ shutdown, failed, term, fail }) {
      const membershipStop = new AbortController();
      const sharderStop = new AbortController();
      let acquired: () => void = () => undefined;
      const held = new Promise<'held'>((resolve) => (acquired = () => resolve('held')));
      const membership = runShardMembership({
        kubeConfig: o.kubeConfig,
        namespace: sharding.namespace,
        ring: sharding.ring,
        shardId: sharding.shardId,
        ...timings,
        signal: membershipStop.signal,
        onAcquired: () => {
          logger.info(context, 'shard Lease held; starting workers');
          acquired();
        },
        logger,
        clock,
      }).then(
        () => {
          if (!membershipStop.signal.aborted) fail('the shard Lease ended', undefined);
        },
        (err: unknown) =>
          fail(`lost the shard Lease: ${errorOf(err).message}; workers stopped`, err),
      );
      const s = sharding.sharder;
      const sharder =
        s === false
          ? Promise.resolve()
          : runSharder({
              kubeConfig: o.kubeConfig,
              namespace: sharding.namespace,
              ring: sharding.ring,
              resources: [
                {
                  definition: o.resource,
                  primary: true,
                  ...(sharding.objectNamespace !== undefined
                    ? { namespace: sharding.objectNamespace }
                    : {}),
                },
                ...(sharding.owns ?? []).map((definition) => ({
                  definition,
                  primary: false,
                  ...(sharding.objectNamespace !== undefined
                    ? { namespace: sharding.objectNamespace }
                    : {}),
                })),
              ],
              // The sharder's election follows the shard Lease's timings unless given its own: a
              // user who shortened the shard Lease expects the first assignment sooner too.
              leaderElection: {
                identity: sharding.shardId,
                ...(sharding.leaseDurationMs !== undefined
                  ? { leaseDurationMs: sharding.leaseDurationMs }
                  : {}),
                ...(sharding.renewDeadlineMs !== undefined
                  ? { renewDeadlineMs: sharding.renewDeadlineMs }
                  : {}),
                ...(sharding.retryPeriodMs !== undefined
                  ? { retryPeriodMs: sharding.retryPeriodMs }
                  : {}),
                ...s?.leaderElection,
              },
              ...(s?.virtualNodes !== undefined ? { virtualNodes: s.virtualNodes } : {}),
              ...(s?.resyncIntervalMs !== undefined
                ? { resyncIntervalMs: s.resyncIntervalMs }
                : {}),
              ...(s?.maxConcurrentWrites !== undefined
                ? { maxConcurrentWrites: s.maxConcurrentWrites }
                : {}),
              signal: sharderStop.signal,
              logger,
              clock,
              ...(o.metricsProvider !== undefined && o.metricsProvider !== noMetricsProvider
                ? { metrics: createShardingMetrics(o.metricsProvider) }
                : {}),
            }).then(
              () => {
                if (!sharderStop.signal.aborted) fail('the sharder stopped', undefined);
              },
              (err: unknown) => fail(`the sharder failed: ${errorOf(err).message}`, err),
            );
      const ended = (signal: AbortSignal): Promise<'ended'> =>
        new Promise((resolve) => {
          if (signal.aborted) resolve('ended');
          else signal.addEventListener('abort', () => resolve('ended'), { once: true });
        });
      try {
        const first = await Promise.race([held, ended(shutdown), ended(failed)]);
        if (first !== 'held' || failed.aborted || shutdown.aborted) return 0;
        return await term(new AbortController().signal);
      } finally {
        // The workers have stopped: only now may other shards get this shard's objects.
        membershipStop.abort();
        sharderStop.abort();
        await Promise.all([membership, sharder]);
      }
    },
  };
}
