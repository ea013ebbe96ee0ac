// Port of k8s.io/client-go/informers/factory.go (SharedInformerFactory), for any GVR over a
// KubeConfig: one informer per resource and options, started and stopped together.
import type { GroupVersionResource, KubeObject, Logger } from '@kubecache/core';
import { createListWatch, type KubeConfigLike } from '@kubecache/listwatch';
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

/** Options of {@link createSharedInformerFactory}; they apply to every informer it makes. */
export interface SharedInformerFactoryOptions {
  /** Restrict every informer to one namespace. Default: all namespaces. */
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
}

/** Makes and owns shared informers (client-go `SharedInformerFactory`). */
export interface SharedInformerFactory {
  /** The informer for `gvr` (the same instance for the same GVR and options). */
  forResource<T = KubeObject>(
    gvr: GroupVersionResource,
    options?: ForResourceOptions,
  ): SharedIndexInformer<T>;
  /** A metadata-only informer for `gvr`. */
  metadataFor(gvr: GroupVersionResource): SharedIndexInformer;
  pods<T = KubeObject>(): SharedIndexInformer<T>;
  configMaps<T = KubeObject>(): SharedIndexInformer<T>;
  services<T = KubeObject>(): SharedIndexInformer<T>;
  nodes<T = KubeObject>(): SharedIndexInformer<T>;
  namespaces<T = KubeObject>(): SharedIndexInformer<T>;
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

  const forResource = <T>(
    gvr: GroupVersionResource,
    o: ForResourceOptions = {},
  ): SharedIndexInformer<T> => {
    const key = `${gvr.group}/${gvr.version}/${gvr.resource}${o.metadataOnly ? '#meta' : ''}${o.indexers ? `#${Object.keys(o.indexers).sort().join(',')}` : ''}`;
    const existing = informers.get(key);
    if (existing) return existing as SharedIndexInformer<T>;
    if (shuttingDown) throw new Error('factory is shut down');
    const lw = createListWatch<T>(kubeConfig, {
      ...gvr,
      ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
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
    (resource: string, kind: string) =>
    <T>() =>
      forResource<T>({ group: '', version: 'v1', resource }, { kind });

  return {
    forResource,
    metadataFor: (gvr) => forResource<KubeObject>(gvr, { metadataOnly: true }),
    pods: core('pods', 'Pod'),
    configMaps: core('configmaps', 'ConfigMap'),
    services: core('services', 'Service'),
    nodes: core('nodes', 'Node'),
    namespaces: core('namespaces', 'Namespace'),
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
