// The Foo reconciler: sample-controller's syncHandler on @kubecache/controller. Reads the Foo and
// its Deployment from the informers' listers, creates or updates the Deployment through the
// controller's client (the reconcile context's `client`, so the next reconcile reads these writes
// back), refuses Deployments it does not control, and records the Deployment's
// availableReplicas on the Foo's /status subresource (conflicts retried).
import {
  isAlreadyExistsError,
  isControlledBy,
  updateStatus,
  type ReconcileContext,
  type ReconcileRequest,
  type Reconciler,
} from '@kubecache/controller';
import type { Lister } from '@kubecache/store';
import { newDeployment } from './deployment.js';
import type { EventRecorder } from './events.js';
import type { Deployment, Foo } from './types.js';
import { fooWrites, type FooWrites } from './writes.js';

/** Options of {@link createFooReconciler}. */
export interface FooReconcilerOptions {
  foos: Lister<Foo>;
  deployments: Lister<Deployment>;
  /**
   * Wraps the requests each reconcile makes through its context's `client` (tests: delay or
   * fail one). Default: {@link fooWrites} of the context's client as they are.
   */
  writes?: (defaults: FooWrites) => FooWrites;
  recorder: EventRecorder;
  /**
   * Sharded: the ring's shard label key (`shard.kubecache.io/<ring>`). A Deployment the
   * reconciler creates carries the Foo's value of it, so it is in the shard's cache at once
   * instead of after the sharder labelled it; a replace keeps the Deployment's value.
   */
  shardLabel?: string;
}

/** sample-controller's `MessageResourceExists`. */
export const messageResourceExists = (name: string): string =>
  `Resource "${name}" already exists and is not managed by Foo`;

/**
 * Creates the reconciler. A Deployment that exists but is controlled by something else is
 * reported as a Warning event (ErrResourceExists) and the reconcile throws, so it is retried with
 * backoff — as the sample returns an error.
 */
export function createFooReconciler(options: FooReconcilerOptions): Reconciler {
  const { foos, deployments, recorder, shardLabel } = options;
  const wrap = options.writes ?? ((defaults: FooWrites) => defaults);
  /** `desired` with the shard label of `from` (the Foo, or the Deployment being replaced). */
  const withShard = (desired: Deployment, from: Foo | Deployment): Deployment => {
    const value = shardLabel === undefined ? undefined : from.metadata?.labels?.[shardLabel];
    if (shardLabel === undefined || value === undefined) return desired;
    return {
      ...desired,
      metadata: {
        ...desired.metadata,
        labels: { ...desired.metadata?.labels, [shardLabel]: value },
      },
    };
  };
  return async (request: ReconcileRequest, { signal, logger, client }: ReconcileContext) => {
    const foo = foos.get(request.namespace, request.name);
    if (foo === undefined) {
      // Deleted: its Deployment is garbage-collected through the owner reference.
      logger.debug(`foo ${request.namespace}/${request.name} no longer exists`);
      return;
    }
    const deploymentName = foo.spec?.deploymentName;
    if (deploymentName === undefined || deploymentName === '') {
      // Retrying cannot help until the Foo changes (the sample logs and forgets it).
      logger.error({ component: 'sample-controller' }, 'deployment name must be specified');
      return;
    }
    const writes = wrap(fooWrites(client));
    let deployment = deployments.get(request.namespace, deploymentName);
    if (deployment === undefined) {
      try {
        await writes.createDeployment(
          request.namespace,
          withShard(newDeployment(foo), foo),
          signal,
        );
      } catch (err) {
        // Sharded, the cache holds only this shard's Deployments: one by that name may exist
        // outside it (someone else's, or the Foo's own not yet labelled). Read it from the server.
        if (!isAlreadyExistsError(err) || writes.readDeployment === undefined) throw err;
        deployment = await writes.readDeployment(request.namespace, deploymentName, signal);
      }
    }
    if (deployment === undefined) {
      // just created
    } else if (!isControlledBy(deployment, foo)) {
      const message = messageResourceExists(deploymentName);
      recorder.event(foo, 'Warning', 'ErrResourceExists', message);
      throw new Error(message);
    } else if (
      foo.spec?.replicas !== undefined &&
      foo.spec.replicas !== deployment.spec?.replicas
    ) {
      logger.info(
        {
          component: 'sample-controller',
          want: foo.spec.replicas,
          have: deployment.spec?.replicas,
        },
        'updating deployment replicas',
      );
      const desired = withShard(newDeployment(foo), deployment);
      const resourceVersion = deployment.metadata?.resourceVersion;
      await writes.replaceDeployment(
        request.namespace,
        {
          ...desired,
          metadata: {
            ...desired.metadata,
            ...(resourceVersion !== undefined ? { resourceVersion } : {}),
          },
        },
        signal,
      );
    }
    const available = deployment?.status?.availableReplicas ?? 0;
    await updateStatus(foo, {
      status: (latest) => ({ ...latest.status, availableReplicas: available }),
      write: (obj) => writes.replaceFooStatus(obj, signal),
      read: () => writes.readFoo(request.namespace, request.name, signal),
      signal,
    });
    // client-go's sample-controller: SuccessSynced = "Synced", MessageResourceSynced.
    recorder.event(foo, 'Normal', 'Synced', 'Foo synced successfully');
    return undefined;
  };
}
