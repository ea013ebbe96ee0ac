// The in-process Kubernetes API server: real HTTP(S) on 127.0.0.1 speaking kube-apiserver's wire
// protocol, assembled from its parts — storage and history (cluster.ts), list (list.ts), watch
// (watch.ts), writes (writes.ts), faults (faults.ts) and routing (routing.ts). This file owns the
// options, the listener's lifecycle, the kubeconfig and the programmatic API.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject, ResourceDef } from '@kubecache/core';
import { Cluster, type DeleteOptions } from './cluster.js';
import { startCrdController } from './crds.js';
import { createFaults, FaultState, type Faults } from './faults.js';
import { startGarbageCollector } from './garbage-collector.js';
import { ListServer } from './list.js';
import type { ListPaging } from './list-options.js';
import { createRequestLog, type RequestLog } from './request-log.js';
import {
  builtinResources,
  keyOf,
  resourceIdOf,
  type ResourceDefinition,
  type ResourceRef,
  type ResourceStore,
} from './resources.js';
import { createRequestHandler } from './routing.js';
import { testCaPem, testServerCertPem, testServerKeyPem } from './tls-fixture.js';
import { WatchHub } from './watch.js';

export type { FaultHandle, Faults, InjectedResponse, RequestFilter } from './faults.js';
export type { ListPaging } from './list-options.js';
export type { DeleteOptions } from './cluster.js';
export type { RequestLog, RequestRecord, RequestVerb } from './request-log.js';

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
  /** Serve HTTPS with the public test certificate (CA in the kubeconfig). Default: false. */
  tls?: boolean;
  /** Require `Authorization: Bearer <token>`; otherwise 401. Default: no auth. */
  token?: string;
  /** Interval of BOOKMARK events on watches that allow them, in ms. Default: 1000. */
  bookmarkIntervalMs?: number;
  /** Events kept for watch resume and consistent paging; older revisions answer 410. Default: 10000. */
  historySize?: number;
  /** Extra resources (e.g. CRDs) besides the built-in ones (see `builtinResources`). */
  resources?: ResourceDefinition[];
  /** Port; default 0 (a free port). */
  port?: number;
  /**
   * How lists honour `limit`. `'watchCache'` (default) answers like kube-apiserver with its watch
   * cache: `resourceVersion=0` lists ignore `limit` and come whole in one streamed body; consistent
   * (resourceVersion unset), NotOlderThan and Exact lists are paged. `'always'` pages every list,
   * as kube-apiserver with `--watch-cache=false` does. See the README.
   */
  listPaging?: ListPaging;
}

/** A running in-process API server. */
export interface ApiServer {
  /** Base URL, e.g. `http://127.0.0.1:34567`. */
  readonly url: string;
  /** A @kubernetes/client-node KubeConfig pointing at this server (CA and token included). */
  readonly kubeConfig: KubeConfig;
  /** The same configuration as kubeconfig YAML. */
  kubeConfigYaml(): string;
  /**
   * Creates an object (server-set fields filled in: uid, resourceVersion, creationTimestamp, and
   * `generation: 1` for kinds that have one); returns the stored object. Like every method
   * below, it takes the resource as an id (`pods`, `deployments.apps`, `widgets.example.com`) or
   * as a `defineResource` definition (`podsResource` of `@kubecache/informer`, a CRD's), which
   * types the objects it takes and returns. With `fieldManager` the write records
   * `metadata.managedFields` as an HTTP write by that manager does (an `Update` entry); without,
   * the object keeps the `managedFields` it is given.
   */
  create<T extends KubeObject>(
    resource: ResourceDef<T>,
    obj: T,
    options?: { namespace?: string; fieldManager?: string },
  ): T;
  create(
    resource: ResourceRef,
    obj: KubeObject,
    options?: { namespace?: string; fieldManager?: string },
  ): KubeObject;
  /**
   * Replaces an object; a non-empty `metadata.resourceVersion` is a precondition (409 on
   * mismatch). The programmatic API stores `status` as given (a seeding tool); pass
   * `{ subresource: 'status' }` to write like `PUT …/status` (`status` changes, spec does not), and
   * `fieldManager` to record `managedFields` as that manager's HTTP write would (see `create`).
   */
  update<T extends KubeObject>(
    resource: ResourceDef<T>,
    obj: T,
    options?: { subresource?: 'status'; fieldManager?: string },
  ): T;
  update(
    resource: ResourceRef,
    obj: KubeObject,
    options?: { subresource?: 'status'; fieldManager?: string },
  ): KubeObject;
  /**
   * Applies a JSON merge patch (an object) or a JSON Patch (an array). Pass
   * `{ subresource: 'status' }` to patch like `PATCH …/status` (`status` changes, spec does not),
   * and `fieldManager` to record `managedFields` as that manager's HTTP patch would.
   */
  patch<T extends KubeObject>(
    resource: ResourceDef<T>,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options?: { subresource?: 'status'; fieldManager?: string },
  ): T;
  patch(
    resource: ResourceRef,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options?: { subresource?: 'status'; fieldManager?: string },
  ): KubeObject;
  /**
   * Deletes an object. Returns its final state (at the deletion's resource version), or — when it
   * has finalizers — its state with `deletionTimestamp` set (it stays until they are removed).
   * Dependents (ownerReferences naming it) are garbage-collected per `propagationPolicy`.
   */
  delete<T extends KubeObject>(
    resource: ResourceDef<T>,
    namespace: string | undefined,
    name: string,
    options?: DeleteOptions,
  ): T;
  delete(
    resource: ResourceRef,
    namespace: string | undefined,
    name: string,
    options?: DeleteOptions,
  ): KubeObject;
  /** The object, or undefined. */
  get<T extends KubeObject>(
    resource: ResourceDef<T>,
    namespace: string | undefined,
    name: string,
  ): T | undefined;
  get(resource: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined;
  /** Current objects (of one namespace, if given) and the current revision. */
  list<T extends KubeObject>(
    resource: ResourceDef<T>,
    options?: { namespace?: string },
  ): { items: T[]; resourceVersion: string };
  list(
    resource: ResourceRef,
    options?: { namespace?: string },
  ): { items: KubeObject[]; resourceVersion: string };
  /** The current global resource version. */
  resourceVersion(): string;
  /** Compacts history up to `rv` (default: now): older resource versions and continue tokens answer 410. */
  compact(rv?: number): void;
  /**
   * Registers a resource (a CRD); a `defineResource` definition is accepted as it is.
   * `options.schema` is the CRD version's `openAPIV3Schema` (as {@link ResourceDefinition.schema}):
   * the field manager merges the resource's lists and maps as its `x-kubernetes-list-type`,
   * `x-kubernetes-list-map-keys` and `x-kubernetes-map-type` say. A CustomResourceDefinition
   * created through the API (`kubectl apply -f crd.yaml`, or `create('customresourcedefinitions.apiextensions.k8s.io', crd)`)
   * registers its resource the same way, schema included. A resource already registered keeps
   * its first definition.
   */
  registerResource(
    def: ResourceDefinition | ResourceDef,
    options?: { schema?: ResourceDefinition['schema'] },
  ): void;
  /** Fault injection. */
  readonly faults: Faults;
  /** The request log. */
  readonly requests: RequestLog;
  /** Number of watch streams open now. */
  openWatches(): number;
  /** Stops the server and closes every connection. */
  close(): Promise<void>;
}

/** Starts an in-process API server on 127.0.0.1. */
export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const cluster = new Cluster({
    historySize: options.historySize ?? 10_000,
    resources: [...builtinResources, ...(options.resources ?? [])],
  });
  const stopGc = startGarbageCollector(cluster);
  const stopCrds = startCrdController(cluster);
  const faultState = new FaultState();
  const watches = new WatchHub(cluster, faultState, options.bookmarkIntervalMs ?? 1000);
  const lists = new ListServer(cluster, faultState, options.listPaging ?? 'watchCache');
  const log = createRequestLog();
  const sockets = new Set<Socket>();
  let isDown = false;
  const handle = createRequestHandler({
    cluster,
    faults: faultState,
    lists,
    watches,
    log,
    token: options.token,
  });

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res);
  };
  const server = options.tls
    ? https.createServer({ cert: testServerCertPem, key: testServerKeyPem }, listener)
    : http.createServer(listener);
  server.keepAliveTimeout = 5_000; // Node's default; clients that never reuse connections (client-node 2.0) must not pile up sockets
  const trackSocket = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  server.on(options.tls ? 'secureConnection' : 'connection', trackSocket);
  server.on('clientError', (_err, socket) => socket.destroy());

  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const port = await listen(options.port ?? 0);
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  const closeAll = async (): Promise<void> => {
    watches.closeAll();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
    });
  };

  const kubeConfigYaml = (): string =>
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: kubecache-testing',
      '  cluster:',
      `    server: ${url}`,
      ...(options.tls
        ? [`    certificate-authority-data: ${Buffer.from(testCaPem).toString('base64')}`]
        : // client-node 2.x refuses plain http: servers unless insecure-skip-tls-verify is set.
          ['    insecure-skip-tls-verify: true']),
      'users:',
      '- name: kubecache-testing',
      options.token !== undefined ? `  user:\n    token: ${options.token}` : '  user: {}',
      'contexts:',
      '- name: kubecache-testing',
      '  context:',
      '    cluster: kubecache-testing',
      '    user: kubecache-testing',
      'current-context: kubecache-testing',
      '',
    ].join('\n');

  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kubeConfigYaml());

  const faults = createFaults({
    state: faultState,
    watches,
    down: async () => {
      if (isDown) return;
      isDown = true;
      await closeAll();
    },
    up: async () => {
      if (!isDown) return;
      await listen(port);
      isDown = false;
    },
  });

  const store = (resource: ResourceRef): ResourceStore => cluster.get(resourceIdOf(resource));

  return {
    url,
    kubeConfig,
    kubeConfigYaml,
    create: (
      resource: ResourceRef,
      obj: KubeObject,
      opts?: { namespace?: string; fieldManager?: string },
    ) =>
      cluster.create(
        store(resource),
        obj,
        opts?.namespace,
        opts?.fieldManager !== undefined ? { fieldManager: opts.fieldManager } : {},
      ).obj,
    update: (
      resource: ResourceRef,
      obj: KubeObject,
      opts?: { subresource?: 'status'; fieldManager?: string },
    ) => cluster.update(store(resource), obj, obj.metadata?.namespace, opts ?? {}).obj,
    patch: (
      resource: ResourceRef,
      namespace: string | undefined,
      name: string,
      p: unknown,
      opts?: { subresource?: 'status'; fieldManager?: string },
    ) => cluster.patch(store(resource), namespace, name, p, opts ?? {}).obj,
    delete: (
      resource: ResourceRef,
      namespace: string | undefined,
      name: string,
      opts?: DeleteOptions,
    ) => cluster.delete(store(resource), namespace, name, opts ?? {}).obj,
    get: (resource: ResourceRef, namespace: string | undefined, name: string) => {
      const r = store(resource);
      return r.items.get(keyOf(r.def.namespaced ? namespace : undefined, name))?.obj;
    },
    list: (resource: ResourceRef, opts?: { namespace?: string }) => {
      const r = store(resource);
      const items: KubeObject[] = [];
      for (const e of r.items.values()) {
        if (opts?.namespace === undefined || e.view.metadata?.namespace === opts.namespace)
          items.push(e.obj);
      }
      return { items, resourceVersion: String(cluster.currentRv()) };
    },
    resourceVersion: () => String(cluster.currentRv()),
    compact: (rv) => cluster.compact(rv),
    registerResource: (def, opts) =>
      void cluster.register(opts?.schema !== undefined ? { ...def, schema: opts.schema } : def),
    faults,
    requests: log,
    openWatches: () => watches.size,
    close: async () => {
      stopGc();
      stopCrds();
      if (isDown) return;
      isDown = true;
      await closeAll();
    },
  };
}
