// Wiring of the sample controller: informers for Foos and Deployments over a KubeConfig, the Foo
// reconciler with client-node API clients for writes, and the controller runtime around them.
import {
  createController,
  generationChanged,
  type ControllerSharding,
  resourceVersionChanged,
  type Controller,
  type ControllerLeaderElection,
} from '@kubecache/controller';
import type { Logger, MetricsProvider } from '@kubecache/core';
import {
  createSharedInformerFactory,
  stripManagedFields,
  type SharedInformerFactory,
} from '@kubecache/informer';
import { shardLabel, shardSelector } from '@kubecache/sharding';
import {
  AppsV1Api,
  CustomObjectsApi,
  Observable,
  type ConfigurationOptions,
  type KubeConfig,
  type V1Deployment,
} from '@kubernetes/client-node';
import {
  createClusterEventRecorder,
  type ClusterEventRecorder,
  type EventRecorder,
  type RecordedEvent,
} from './events.js';
import { createFooReconciler, type FooWrites } from './reconciler.js';
import { withSharedDispatcher } from './shared-dispatcher.js';
import {
  deploymentResource,
  Deployments,
  fooResource,
  Foos,
  type Deployment,
  type Foo,
} from './types.js';

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
  /** Overrides the client-node writes (tests). */
  writes?: (defaults: FooWrites) => FooWrites;
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
  /**
   * Closes the connection pool of the client-node writes (requests in flight finish first);
   * call after the controller stopped. Resolves when closed; never rejects.
   */
  closeWrites(): Promise<void>;
}

/**
 * client-node 2.x options that abort the request when `signal` aborts: a middleware sets the
 * signal on the request context (client-node's fetch passes it on), appended to the
 * KubeConfig's own middleware (authentication).
 */
export function withSignal(signal: AbortSignal): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (context) => {
          context.setSignal(signal);
          return new Observable(Promise.resolve(context));
        },
        post: (response) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

/** Builds the informers, the client-node writes and the controller (nothing runs yet). */
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
  // One keep-alive connection pool for all writes: client-node 2.x would open a connection per
  // request (see withSharedDispatcher).
  const writesConfig = withSharedDispatcher(kubeConfig);
  const apps = writesConfig.kubeConfig.makeApiClient(AppsV1Api);
  const custom = writesConfig.kubeConfig.makeApiClient(CustomObjectsApi);
  const fooPath = (namespace: string, name: string) => ({
    group: fooResource.group,
    version: fooResource.version,
    plural: fooResource.resource,
    namespace,
    name,
  });
  // Every write carries the reconcile's signal (see withSignal): when the controller aborts it —
  // leadership lost, reconcileTimeoutMs, the shutdown deadline — the request in flight is
  // aborted, so no socket outlives the shutdown.
  const defaults: FooWrites = {
    async createDeployment(namespace, body, signal) {
      signal.throwIfAborted();
      return apps.createNamespacedDeployment(
        { namespace, body: body as V1Deployment },
        withSignal(signal),
      );
    },
    async replaceDeployment(namespace, body, signal) {
      signal.throwIfAborted();
      return apps.replaceNamespacedDeployment(
        { namespace, name: body.metadata?.name ?? '', body: body as V1Deployment },
        withSignal(signal),
      );
    },
    async replaceFooStatus(foo, signal) {
      signal.throwIfAborted();
      const path = fooPath(foo.metadata?.namespace ?? '', foo.metadata?.name ?? '');
      return (await custom.replaceNamespacedCustomObjectStatus(
        { ...path, body: foo },
        withSignal(signal),
      )) as Foo;
    },
    async readFoo(namespace, name, signal) {
      signal.throwIfAborted();
      return (await custom.getNamespacedCustomObject(
        fooPath(namespace, name),
        withSignal(signal),
      )) as Foo;
    },
    async readDeployment(namespace, name, signal) {
      signal.throwIfAborted();
      return (await apps.readNamespacedDeployment(
        { namespace, name },
        withSignal(signal),
      )) as Deployment;
    },
  };
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
      writes: options.writes ? options.writes(defaults) : defaults,
      recorder,
      ...(sharding !== undefined ? { shardLabel: shardLabel(sharding.ring) } : {}),
    }),
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
      ? {
          // The shard Lease, the sharder's label writes and the drain acknowledgements; the
          // reconciler writes through client-node, so read-your-writes has nothing to wait for.
          kubeConfig,
          readYourWrites: false as const,
          sharding: shardingOf(sharding, options.namespace),
        }
      : {}),
  });
  return {
    controller,
    factory,
    events: recorder.events,
    recorder,
    eventRecorder: recorder,
    closeWrites: () => writesConfig.close(),
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
