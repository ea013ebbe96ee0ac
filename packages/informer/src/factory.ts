// Port of k8s.io/client-go/informers/factory.go (SharedInformerFactory), for any GVR over a
// KubeConfig: one informer per resource (and namespace), started and stopped together; indexers
// asked for later are added to that informer (client-go's AddIndexers). Cluster-scoped resources
// ignore the factory's namespace (scope.ts). Built-ins are typed with kubernetes-types.
import {
  createRateLimitedLogger,
  defaultLogger,
  gvrString,
  isResourceDef,
  type GroupVersionResource,
  type KubeObject,
  type Logger,
  type MetricsProvider,
  type ResourceDef,
} from '@kubecache/core';
import type { KubeConfigLike } from '@kubecache/listwatch';
import {
  metaNamespaceIndexFunc,
  namespaceIndex,
  type IndexFunc,
  type Indexers,
  type TransformFunc,
} from '@kubecache/store';
import {
  createSharedIndexInformer,
  type SharedIndexInformer,
  type SharedIndexInformerOptions,
} from './shared-informer.js';
import {
  configMapsResource,
  deploymentsResource,
  namespacesResource,
  nodesResource,
  podsResource,
  servicesResource,
  type ConfigMap,
  type Deployment,
  type Namespace,
  type Node,
  type Pod,
  type Service,
} from './builtin-resources.js';
import { builtinNamespaced, createScopeCache, createScopedListWatch } from './scope.js';

/** Options of {@link createSharedInformerFactory}; they apply to every informer it makes. */
export interface SharedInformerFactoryOptions {
  /**
   * Restrict every informer of a namespaced resource to one namespace. Cluster-scoped resources
   * (nodes, namespaces, cluster-scoped CRDs, …) ignore it, as client-go's typed factory does.
   * Default: all namespaces.
   */
  namespace?: string;
  /** Label selector for every informer. */
  labelSelector?: string;
  /** Field selector for every informer. */
  fieldSelector?: string;
  /** Default resync period, in ms. Default 0 (none). */
  resyncPeriodMs?: number;
  /** Transform for every informer (e.g. `stripManagedFields`). */
  transform?: TransformFunc;
  /**
   * Logger of every informer and ListWatch. Default: core's `defaultLogger` (stderr,
   * rate-limited, redacted). A logger given here (pino) is wrapped once with core's
   * `createRateLimitedLogger` and shared: the first line of a cause with its `err` (pino prints
   * the stack), its repeats as one call per 30 s with `repeated`, `keys` (the first 5) and
   * `keyCount`; each informer flushes it when it stops.
   */
  logger?: Logger;
  /** Where every informer's and Reflector's metrics are created. Default: none. */
  metricsProvider?: MetricsProvider;
  /**
   * Every informer's `onPermanentError`: `'stop'` makes an informer stop at an error retrying
   * cannot fix (its `lastError()` is then a `PermanentFailureError`, and
   * `waitForCacheSyncOrThrow` rejects with it at once). Default: `'retry'`.
   */
  onPermanentError?: 'retry' | 'stop';
  /** Extra informer options (queue kind, reflector options, …). */
  informer?: Omit<
    SharedIndexInformerOptions<unknown>,
    'resyncPeriodMs' | 'transform' | 'logger' | 'indexers'
  >;
}

/**
 * Per-resource options of {@link SharedInformerFactory.forResource} with a
 * {@link ResourceDef} (its kind and scope come from the definition).
 */
export interface ResourceInformerOptions<T = KubeObject> {
  /**
   * Indexers to add to the informer (the namespace index is always there). The factory has one
   * informer per resource and namespace: asking again with more indexers adds them to it, before
   * or after it started (client-go `AddIndexers`). The same function under the same name is
   * already there and is skipped; a different function under a name already indexed throws the
   * store's `IndexError`; a stopped informer throws {@link InformerStoppedError}.
   */
  indexers?: Indexers<T>;
  /**
   * This informer's namespace, overriding the factory's; `''` = all namespaces. Ignored for
   * cluster-scoped resources. A different namespace is a different informer. Default: the
   * factory's `namespace`.
   */
  namespace?: string;
}

/** Per-resource options of {@link SharedInformerFactory.forResource} with a plain GVR. */
export interface ForResourceOptions<T = KubeObject> extends ResourceInformerOptions<T> {
  /** Expected kind (checked by the Reflector). */
  kind?: string;
  /** Metadata-only (PartialObjectMetadata) informer: a separate informer of the same GVR. */
  metadataOnly?: boolean;
  /**
   * Whether the resource is namespaced. `false`: the namespace (factory's or this informer's) is
   * ignored. Default: known for built-in resources; otherwise asked of API discovery (once per
   * resource, on the informer's first list or watch) when there is a namespace to apply.
   */
  namespaced?: boolean;
}

/** Makes and owns shared informers (client-go `SharedInformerFactory`). */
export interface SharedInformerFactory {
  /**
   * The informer of a resource defined with `defineResource`: typed by the definition, with its
   * kind and scope. One informer per resource and namespace: the same instance every time, with
   * any `indexers` added to it. Only the definition decides `T`: indexers written for a wider
   * type (`metaNamespaceIndexFunc` takes any `KubeObject`) are accepted and keep it.
   */
  forResource<T extends KubeObject>(
    resource: ResourceDef<T>,
    options?: ResourceInformerOptions<NoInfer<T>>,
  ): SharedIndexInformer<T>;
  /**
   * The informer for `gvr` (the same instance for the same GVR and namespace; metadata-only is a
   * separate one). A cluster-scoped resource ignores the namespace; its scope comes from
   * `options.namespaced`, the built-in table, or discovery. Prefer a `defineResource`
   * definition: `T` here is not checked against the resource. (A definition never matches
   * this signature: its `plural` keeps it to the typed one above.)
   */
  forResource<T = KubeObject>(
    gvr: GroupVersionResource & { readonly plural?: never },
    options?: ForResourceOptions<T>,
  ): SharedIndexInformer<T>;
  /** A metadata-only informer for `gvr`. */
  metadataFor(gvr: GroupVersionResource): SharedIndexInformer;
  /** Pods (core/v1), in the factory's namespace. */
  pods(): SharedIndexInformer<Pod>;
  /** ConfigMaps (core/v1), in the factory's namespace. */
  configMaps(): SharedIndexInformer<ConfigMap>;
  /** Services (core/v1), in the factory's namespace. */
  services(): SharedIndexInformer<Service>;
  /** Nodes (core/v1): cluster-scoped, the factory's namespace does not apply. */
  nodes(): SharedIndexInformer<Node>;
  /** Namespaces (core/v1): cluster-scoped, the factory's namespace does not apply. */
  namespaces(): SharedIndexInformer<Namespace>;
  /** Deployments (apps/v1), in the factory's namespace. */
  deployments(): SharedIndexInformer<Deployment>;
  /** Starts every informer not started yet; they run until `signal` aborts or `shutdown()`. */
  start(signal?: AbortSignal): void;
  /** Waits for every started informer to sync; returns the result per informer key. */
  waitForCacheSync(signal: AbortSignal): Promise<Map<string, boolean>>;
  /** Stops every informer and resolves when all have stopped. */
  shutdown(): Promise<void>;
  /** Every informer made so far (for `informerHealthCheck` and `waitForCacheSyncOrThrow`). */
  informers(): SharedIndexInformer<unknown>[];
}

/** Creates a {@link SharedInformerFactory} over `kubeConfig`. */
export function createSharedInformerFactory(
  kubeConfig: KubeConfigLike,
  options: SharedInformerFactoryOptions = {},
): SharedInformerFactory {
  const informers = new Map<string, SharedIndexInformer<unknown>>();
  const running = new Map<string, Promise<void>>();
  const stop = new AbortController();
  let shuttingDown = false;
  // Wrapped once and shared by every informer and ListWatch of the factory: one repeat window
  // per cause across them, a user's logger (pino) held to the default logger's policy.
  const logger = createRateLimitedLogger(options.logger ?? defaultLogger);

  const discover = createScopeCache(kubeConfig);
  /** Scopes known from definitions, options or the built-in table, per `group/version/resource`. */
  const knownScopes = new Map<string, boolean>();

  const forResource = <T>(
    gvr: GroupVersionResource | ResourceDef,
    o: ForResourceOptions<T> = {},
  ): SharedIndexInformer<T> => {
    const def = isResourceDef(gvr) ? gvr : undefined;
    const id = `${gvr.group}/${gvr.version}/${gvr.resource}`;
    const namespaced = def
      ? def.namespaced
      : (o.namespaced ?? builtinNamespaced(gvr) ?? knownScopes.get(id));
    if (namespaced !== undefined) knownScopes.set(id, namespaced);
    const kind = def ? def.kind : o.kind;
    const requested = o.namespace ?? options.namespace ?? '';
    const namespace = namespaced === false ? '' : requested;
    // One informer per resource and namespace (metadata-only is another object type): indexers
    // are not part of the identity, they are added to the one informer.
    const keyOf = (ns: string): string =>
      `${id}${ns !== '' ? `@${ns}` : ''}${o.metadataOnly ? '#meta' : ''}`;
    const key = keyOf(namespace);
    // A cluster-scoped resource first asked for when its scope was unknown (left to discovery)
    // was keyed by the namespace asked for; that informer lists cluster-wide all the same.
    const existing = (informers.get(key) ??
      (namespaced === false ? informers.get(keyOf(requested)) : undefined)) as
      SharedIndexInformer<T> | undefined;
    if (existing) {
      addNewIndexers(existing, o.indexers);
      return existing;
    }
    if (shuttingDown) throw new Error('factory is shut down');
    const lw = createScopedListWatch<T>(kubeConfig, {
      group: gvr.group,
      version: gvr.version,
      resource: gvr.resource,
      namespace,
      namespaced,
      discover,
      ...(options.labelSelector !== undefined ? { labelSelector: options.labelSelector } : {}),
      ...(options.fieldSelector !== undefined ? { fieldSelector: options.fieldSelector } : {}),
      ...(o.metadataOnly ? { metadataOnly: true } : {}),
      ...(kind !== undefined ? { kind } : {}),
      ...(def ? { kindSource: `the defineResource definition of ${gvrString(def)}` } : {}),
      logger,
    });
    const informer = createSharedIndexInformer<T>(lw, {
      ...(options.informer as SharedIndexInformerOptions<T> | undefined),
      indexers: { [namespaceIndex]: metaNamespaceIndexFunc as IndexFunc<T> },
      ...(options.resyncPeriodMs !== undefined ? { resyncPeriodMs: options.resyncPeriodMs } : {}),
      ...(options.transform ? { transform: options.transform as TransformFunc<T> } : {}),
      logger,
      name: `${gvrString(gvr)}${namespace !== '' ? `@${namespace}` : ''}${o.metadataOnly ? '#meta' : ''}`,
      ...(options.metricsProvider ? { metricsProvider: options.metricsProvider } : {}),
      resource: { group: gvr.group, version: gvr.version, resource: gvr.resource },
      ...(options.onPermanentError ? { onPermanentError: options.onPermanentError } : {}),
    });
    // Before the informer is shared: a clashing indexer leaves no informer behind.
    addNewIndexers(informer, o.indexers);
    informers.set(key, informer);
    return informer;
  };

  const builtin =
    <T extends KubeObject>(def: ResourceDef<T>) =>
    (): SharedIndexInformer<T> =>
      forResource<T>(def);

  return {
    forResource,
    metadataFor: (gvr) => forResource<KubeObject>(gvr, { metadataOnly: true }),
    pods: builtin(podsResource),
    configMaps: builtin(configMapsResource),
    services: builtin(servicesResource),
    nodes: builtin(nodesResource),
    namespaces: builtin(namespacesResource),
    deployments: builtin(deploymentsResource),
    start(signal) {
      if (signal) {
        if (signal.aborted) stop.abort();
        else signal.addEventListener('abort', () => stop.abort(), { once: true });
      }
      for (const [key, informer] of informers) {
        if (running.has(key) || informer.isStarted()) continue;
        // A run that gave up (onPermanentError: 'stop') keeps its error in lastError().
        running.set(
          key,
          informer.run(stop.signal).catch(() => undefined),
        );
      }
    },
    async waitForCacheSync(signal) {
      const out = new Map<string, boolean>();
      await Promise.all(
        [...informers]
          .filter(([key]) => running.has(key))
          .map(async ([key, informer]) => {
            out.set(key, await informer.whenSynced(signal));
          }),
      );
      return out;
    },
    informers: () => [...informers.values()],
    async shutdown() {
      shuttingDown = true;
      stop.abort();
      await Promise.all(running.values());
    },
  };
}

/**
 * Adds the indexers `informer` does not have yet (client-go `AddIndexers`): a name already bound
 * to the same function is skipped, so asking twice with the same indexers is harmless; a name
 * bound to another function is the store's IndexError.
 */
function addNewIndexers<T>(
  informer: SharedIndexInformer<T>,
  indexers: Indexers<T> | undefined,
): void {
  if (!indexers) return;
  const have = informer.getIndexer().getIndexers();
  const fresh = Object.entries(indexers).filter(([name, fn]) => have[name] !== fn);
  if (fresh.length > 0) informer.addIndexers(Object.fromEntries(fresh));
}
