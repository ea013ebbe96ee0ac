// Wiring of the sample controller: informers for Foos and Deployments over a KubeConfig, the Foo
// reconciler, and the controller runtime around them, whose client (its `kubeConfig` option) makes
// the reconciler's writes and reads them back (read-your-writes).
import {
  createController,
  generationChanged,
  type ControllerSharding,
  resourceVersionChanged,
  type Controller,
  type ControllerLeaderElection,
  type ReadYourWritesOptions,
} from '@kubecache/controller';
import type { Logger, MetricsProvider } from '@kubecache/core';
import {
  createSharedInformerFactory,
  stripManagedFields,
  type SharedInformerFactory,
} from '@kubecache/informer';
import { shardLabel, shardSelector } from '@kubecache/sharding';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  createClusterEventRecorder,
  type ClusterEventRecorder,
  type EventRecorder,
  type RecordedEvent,
} from './events.js';
import { createFooReconciler } from './reconciler.js';
import {
  deploymentResource,
  Deployments,
  fooResource,
  Foos,
  type Deployment,
  type Foo,
} from './types.js';
import type { FooWrites } from './writes.js';

/**
 * The field manager of the reconciler's writes: what client-go's sample-controller binary gets
 * from its User-Agent (`sample-controller/<version> …`).
 */
export const fieldManager = 'sample-controller';

/** Options of {@link createSampleController}. */
export interface SampleControllerOptions {
  /** Only Foos and Deployments of this namespace. Default: all namespaces. */
  namespace?: string;
  /** Workers. Default: 2 (as the sample's `controller.Run(ctx, 2)`). */
  workers?: number;
  logger: Logger;
  metricsProvider?: MetricsProvider;
  leaderElection?: ControllerLeaderElection;
  /**
   * Run as one shard of a ring: the informers list and watch only the Foos and Deployments
   * labelled for `shardId`, the controller holds the shard Lease `<shardId>` in
   * `leaseNamespace`, campaigns for the ring's sharder and hands drained Foos back. Cannot be
   * combined with `leaderElection`. Default: not sharded.
   */
  sharding?: SampleSharding;
  /** The controller's name (metrics, logs). Default: `foo-controller`. */
  name?: string;
  /** Shutdown deadline for reconciles in flight, ms. Default: 30 000. */
  shutdownTimeoutMs?: number;
  /**
   * The informers' `onPermanentError`: `'stop'` stops an informer on an error retrying cannot
   * fix, which fails the controller (`ControllerFailedError`, reason `informer`). Default:
   * `'retry'` (client-go).
   */
  onPermanentError?: 'retry' | 'stop';
  /** Full requeue period of every Foo, ms (the controller's syncPeriodMs). Default: 600 000. */
  syncPeriodMs?: number;
  /** Instrumentation hook (tests). */
  onReconcile?: (key: string, phase: 'start' | 'end') => void;
  /**
   * Wraps the reconciler's requests, which go through the controller's client (tests: delay or
   * fail one). Default: as they are.
   */
  writes?: (defaults: FooWrites) => FooWrites;
  /**
   * The controller's read-your-writes (`createController`'s `readYourWrites`): a reconcile of a
   * Foo starts only once the informers have seen the controller's own writes to it and to
   * Deployments, for at most `timeoutMs` (then the Foo is requeued with a warning). Default: on,
   * 10 000 ms.
   */
  readYourWrites?: false | ReadYourWritesOptions;
}

/** The sharding of {@link SampleControllerOptions.sharding}. */
export interface SampleSharding {
  /** The ring's name (a DNS-1123 label ≤ 40 characters). */
  ring: string;
  /** This shard's id (a DNS-1123 name ≤ 63 characters; the pod name in a cluster). */
  shardId: string;
  /** Namespace of the shard Leases and of the sharder's Lease. */
  leaseNamespace: string;
  /** Shard Lease duration, renew deadline and retry period, ms (defaults 15 000/10 000/2 000). */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Run the sharder election in this shard. Default: true. */
  sharder?: boolean;
}

/** The running pieces, for main and the tests. */
export interface SampleController {
  readonly controller: Controller;
  readonly factory: SharedInformerFactory;
  readonly events: readonly RecordedEvent[];
  readonly recorder: EventRecorder;
  /**
   * The same recorder, writing events.k8s.io/v1 Events once `run` started; call `shutdown`
   * after the controller stopped (main does).
   */
  readonly eventRecorder: ClusterEventRecorder;
}

/**
 * Builds the informers and the controller (nothing runs yet). The reconciler writes through the
 * controller's client, which the controller closes when `run` ends.
 *
 * @throws ControllerOptionsError (from @kubecache/controller) for an invalid ring name or shard id.
 */
export function createSampleController(
  kubeConfig: KubeConfig,
  options: SampleControllerOptions,
): SampleController {
  const sharding = options.sharding;
  const factory = createSharedInformerFactory(kubeConfig, {
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    // Sharded: this replica lists and watches only its shard's Foos and Deployments.
    ...(sharding !== undefined
      ? { labelSelector: shardSelector(sharding.ring, sharding.shardId) }
      : {}),
    transform: stripManagedFields,
    logger: options.logger,
    ...(options.onPermanentError ? { onPermanentError: options.onPermanentError } : {}),
  });
  const foos = factory.forResource<Foo>(fooResource, { kind: fooResource.kind });
  const deployments = factory.forResource<Deployment>(deploymentResource, {
    kind: deploymentResource.kind,
  });
  const recorder = createClusterEventRecorder(kubeConfig, options.logger);
  const controller = createController<Foo>({
    name: options.name ?? 'foo-controller',
    for: {
      informer: foos,
      resource: Foos,
      // Spec changes, creates and deletes; not our own status writes (Foo has a /status
      // subresource, so they leave metadata.generation alone) nor resyncs.
      predicates: [generationChanged()],
    },
    owns: [{ informer: deployments, predicates: [resourceVersionChanged()] }],
    reconcile: createFooReconciler({
      foos: foos.getLister(),
      deployments: deployments.getLister(),
      ...(options.writes ? { writes: options.writes } : {}),
      recorder,
      ...(sharding !== undefined ? { shardLabel: shardLabel(sharding.ring) } : {}),
    }),
    // The reconciler's writes (context.client): every request aborts with the reconcile's
    // signal — leadership lost, reconcileTimeoutMs, the shutdown deadline — so no socket outlives
    // the shutdown; the next reconcile of a Foo waits until the caches show them.
    kubeConfig,
    fieldManager,
    ...(options.readYourWrites !== undefined ? { readYourWrites: options.readYourWrites } : {}),
    concurrency: options.workers ?? 2,
    logger: options.logger,
    ...(options.metricsProvider ? { metricsProvider: options.metricsProvider } : {}),
    ...(options.leaderElection ? { leaderElection: options.leaderElection } : {}),
    ...(options.shutdownTimeoutMs !== undefined
      ? { shutdownTimeoutMs: options.shutdownTimeoutMs }
      : {}),
    ...(options.onReconcile ? { onReconcile: options.onReconcile } : {}),
    ...(options.syncPeriodMs !== undefined ? { syncPeriodMs: options.syncPeriodMs } : {}),
    ...(sharding !== undefined
      ? // The shard Lease, the sharder's label writes and the drain acknowledgements use
        // `kubeConfig` too.
        { sharding: shardingOf(sharding, options.namespace) }
      : {}),
  });
  return {
    controller,
    factory,
    events: recorder.events,
    recorder,
    eventRecorder: recorder,
  };
}

/** The controller's `sharding` option of a {@link SampleSharding}. */
function shardingOf(s: SampleSharding, namespace: string | undefined): ControllerSharding {
  return {
    ring: s.ring,
    shardId: s.shardId,
    namespace: s.leaseNamespace,
    owns: [Deployments],
    ...(namespace !== undefined ? { objectNamespace: namespace } : {}),
    ...(s.leaseDurationMs !== undefined ? { leaseDurationMs: s.leaseDurationMs } : {}),
    ...(s.renewDeadlineMs !== undefined ? { renewDeadlineMs: s.renewDeadlineMs } : {}),
    ...(s.retryPeriodMs !== undefined ? { retryPeriodMs: s.retryPeriodMs } : {}),
    ...(s.sharder === false
      ? { sharder: false as const }
      : s.leaseDurationMs !== undefined
        ? {
            sharder: {
              leaderElection: {
                ...(s.leaseDurationMs !== undefined ? { leaseDurationMs: s.leaseDurationMs } : {}),
                ...(s.renewDeadlineMs !== undefined ? { renewDeadlineMs: s.renewDeadlineMs } : {}),
                ...(s.retryPeriodMs !== undefined ? { retryPeriodMs: s.retryPeriodMs } : {}),
              },
            },
          }
        : {}),
  };
}
