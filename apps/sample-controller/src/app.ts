// Wiring of the sample controller: informers for Foos and Deployments over a KubeConfig, the Foo
// reconciler with client-node API clients for writes, and the controller runtime around them.
import {
  createController,
  generationChanged,
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
import { deploymentResource, fooResource, type Deployment, type Foo } from './types.js';

/** Options of {@link createSampleController}. */
export interface SampleControllerOptions {
  /** Only Foos and Deployments of this namespace. Default: all namespaces. */
  namespace?: string;
  /** Workers. Default: 2 (as the sample's `controller.Run(ctx, 2)`). */
  workers?: number;
  logger: Logger;
  metricsProvider?: MetricsProvider;
  leaderElection?: ControllerLeaderElection;
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
  const factory = createSharedInformerFactory(kubeConfig, {
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    transform: stripManagedFields,
    logger: options.logger,
    ...(options.onPermanentError ? { onPermanentError: options.onPermanentError } : {}),
  });
  const foos = factory.forResource<Foo>(fooResource, { kind: fooResource.kind });
  const deployments = factory.forResource<Deployment>(deploymentResource, {
    kind: deploymentResource.kind,
  });
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
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
  };
  const recorder = createClusterEventRecorder(kubeConfig, options.logger);
  const controller = createController<Foo>({
    name: 'foo-controller',
    for: {
      informer: foos,
      apiVersion: fooResource.apiVersion,
      kind: fooResource.kind,
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
  });
  return { controller, factory, events: recorder.events, recorder, eventRecorder: recorder };
}
