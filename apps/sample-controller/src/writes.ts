// The reconciler's requests to the API server, made through @kubecache/controller's client (the
// reconcile context's `client`): its writes are recorded, so the next reconcile of the Foo waits
// until the informers have seen them (read-your-writes), and all of them share its keep-alive
// connection pool (@kubecache/listwatch's JSON client). client-go's sample-controller makes the
// same requests through its typed clientsets (kubeclientset.AppsV1().Deployments(ns).Create /
// Update, sampleclientset.SamplecontrollerV1alpha1().Foos(ns).UpdateStatus).
import type { Client } from '@kubecache/controller';
import { Deployments, Foos, type Deployment, type Foo } from './types.js';

/**
 * The requests the reconciler makes. Each rejects with `@kubecache/listwatch`'s `ApiStatusError`
 * for a non-2xx answer (`isAlreadyExistsError`, `isConflict`, … classify it) and with core's
 * `AbortedError` when `signal` aborts (the request's socket is destroyed).
 */
export interface FooWrites {
  /** POST the Deployment to `namespace` (409 AlreadyExists when the name is taken). */
  createDeployment(namespace: string, body: Deployment, signal: AbortSignal): Promise<unknown>;
  /** PUT the Deployment; its `metadata.resourceVersion` is a precondition (409 Conflict). */
  replaceDeployment(namespace: string, body: Deployment, signal: AbortSignal): Promise<unknown>;
  /** PUT on `foos/<name>/status`, with the resourceVersion as precondition. */
  replaceFooStatus(foo: Foo, signal: AbortSignal): Promise<Foo>;
  /** GET of the Foo from the server (after a status conflict). */
  readFoo(namespace: string, name: string, signal: AbortSignal): Promise<Foo>;
  /**
   * GET of a Deployment from the server: after a create answered AlreadyExists for one the
   * cache does not show (a sharded controller caches only the Deployments labelled for its
   * shard). Optional: without it, that create fails and is retried.
   */
  readDeployment?(namespace: string, name: string, signal: AbortSignal): Promise<Deployment>;
}

/**
 * The {@link FooWrites} of `client` (the reconcile context's `client`, `createController`'s
 * `kubeConfig` option): `create`/`update` of apps/v1 Deployments, `updateStatus` and `get` of
 * Foos, `get` of Deployments. Writes send the client's field manager.
 */
export function fooWrites(client: Client): FooWrites {
  return {
    createDeployment: (namespace, body, signal) =>
      client.create(
        Deployments,
        { ...body, metadata: { ...body.metadata, namespace } },
        { signal },
      ),
    replaceDeployment: (namespace, body, signal) =>
      client.update(
        Deployments,
        { ...body, metadata: { ...body.metadata, namespace } },
        { signal },
      ),
    replaceFooStatus: (foo, signal) => client.updateStatus(Foos, foo, { signal }),
    readFoo: (namespace, name, signal) => client.get(Foos, { namespace, name }, { signal }),
    readDeployment: (namespace, name, signal) =>
      client.get(Deployments, { namespace, name }, { signal }),
  };
}
