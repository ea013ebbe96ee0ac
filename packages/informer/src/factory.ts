// Port of k8s.io/client-go/informers/factory.go (SharedInformerFactory), for any GVR over a
// KubeConfig: one informer per resource and options, started and stopped together. Cluster-scoped
// resources ignore the factory's namespace (scope.ts).
import type { GroupVersionResource, KubeObject, Logger } from '@kubecache/core';
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
  /** Logger. */
  logger?: Logger;
  /** Extra informer options (queue kind, reflector options, …). */
  informer?: Omit<
    SharedIndexInformerOptions<unknown>,
    'resyncPeriodMs' | 'transform' | 'logger' | 'indexers'
  >;
}

/** Per-resource options of {@link SharedInformerFactory.forResource}. */
export interface ForResourceOptions {
  /** Expected kind (checked by the Reflector). */
  kind?: string;
  /** Extra indexers (the namespace index is always there). */
  indexers?: Indexers<unknown>;
  /** Metadata-only (PartialObjectMetadata) informer. */
  metadataOnly?: boolean;
  /**
   * Whether the resource is namespaced. `false`: the namespace (factory's or this informer's) is
   * ignored. Default: known for built-in resources; otherwise asked of API discovery (once per
   * resource, on the informer's first list or watch) when there is a namespace to apply.
   */
  namespaced?: boolean;
  /**
   * This informer's namespace, overriding the factory's; `''` = all namespaces. Ignored for
   * cluster-scoped resources. Default: the factory's `namespace`.
   */
  namespace?: string;
}

/** Makes and owns shared informers (client-go `SharedInformerFactory`). */
export interface SharedInformerFactory {
  /**
   * The informer for `gvr` (the same instance for the same GVR, namespace and options). A
   * cluster-scoped resource ignores the namespace; its scope comes from `options.namespaced`, the
   * built-in table, or discovery.
   */
  forResource<T = KubeObject>(
    gvr: GroupVersionResource,
    options?: ForResourceOptions,
  ): SharedIndexInformer<T>;
  /** A metadata-only informer for `gvr`. */
  metadataFor(gvr: GroupVersionResource): SharedIndexInformer;
  /** Pods (core/v1), in the factory's namespace. */
  pods<T = KubeObject>(): SharedIndexInformer<T>;
  /** ConfigMaps (core/v1), in the factory's namespace. */
  configMaps<T = KubeObject>(): SharedIndexInformer<T>;
  /** Services (core/v1), in the factory's namespace. */
  services<T = KubeObject>(): SharedIndexInformer<T>;
  /** Nodes (core/v1): cluster-scoped, the factory's namespace does not apply. */
  nodes<T = KubeObject>(): SharedIndexInformer<T>;
  /** Namespaces (core/v1): cluster-scoped, the factory's namespace does not apply. */
  namespaces<T = KubeObject>(): SharedIndexInformer<T>;
  /** Deployments (apps/v1), in the factory's namespace. */
  deployments<T = KubeObject>(): SharedIndexInformer<T>;
  /** Starts every informer not started yet; they run until `signal` aborts or `shutdown()`. */
  start(signal?: AbortSignal): void;
  /** Waits for every started informer to sync; returns the result per informer key. */
  waitForCacheSync(signal: AbortSignal): Promise<Map<string, boolean>>;
  /** Stops every informer and resolves when all have stopped. */
  shutdown(): Promise<void>;
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

  const discover = createScopeCache(kubeConfig);

  const forResource = <T>(
    gvr: GroupVersionResource,
    o: ForResourceOptions = {},
  ): SharedIndexInformer<T> => {
    const namespaced = o.namespaced ?? builtinNamespaced(gvr);
    const namespace = namespaced === false ? '' : (o.namespace ?? options.namespace ?? '');
    const key = `${gvr.group}/${gvr.version}/${gvr.resource}${namespace !== '' ? `@${namespace}` : ''}${o.metadataOnly ? '#meta' : ''}${o.indexers ? `#${Object.keys(o.indexers).sort().join(',')}` : ''}`;
    const existing = informers.get(key);
    if (existing) return existing as SharedIndexInformer<T>;
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
      ...(o.kind !== undefined ? { kind: o.kind } : {}),
    });
    const informer = createSharedIndexInformer<T>(lw, {
      ...(options.informer as SharedIndexInformerOptions<T> | undefined),
      indexers: {
        [namespaceIndex]: metaNamespaceIndexFunc as IndexFunc<T>,
        ...(o.indexers as Indexers<T> | undefined),
      },
      ...(options.resyncPeriodMs !== undefined ? { resyncPeriodMs: options.resyncPeriodMs } : {}),
      ...(options.transform ? { transform: options.transform as TransformFunc<T> } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    informers.set(key, informer as SharedIndexInformer<unknown>);
    return informer;
  };

  const core =
    (resource: string, kind: string, namespaced = true) =>
    <T>() =>
      forResource<T>({ group: '', version: 'v1', resource }, { kind, namespaced });

  return {
    forResource,
    metadataFor: (gvr) => forResource<KubeObject>(gvr, { metadataOnly: true }),
    pods: core('pods', 'Pod'),
    configMaps: core('configmaps', 'ConfigMap'),
    services: core('services', 'Service'),
    nodes: core('nodes', 'Node', false),
    namespaces: core('namespaces', 'Namespace', false),
    deployments: <T>() =>
      forResource<T>(
        { group: 'apps', version: 'v1', resource: 'deployments' },
        { kind: 'Deployment' },
      ),
    start(signal) {
      if (signal) {
        if (signal.aborted) stop.abort();
        else signal.addEventListener('abort', () => stop.abort(), { once: true });
      }
      for (const [key, informer] of informers) {
        if (running.has(key) || informer.isStarted()) continue;
        running.set(key, informer.run(stop.signal));
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
    async shutdown() {
      shuttingDown = true;
      stop.abort();
      await Promise.all(running.values());
    },
  };
}
