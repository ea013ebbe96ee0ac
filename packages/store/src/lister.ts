// Port of k8s.io/client-go/tools/cache/listers.go (generic listers over an Indexer).
import type { KubeObject } from '@kubecache/core';
import type { Indexer } from './indexer.js';
import { namespaceIndex } from './indexer.js';
import { parseSelector, type LabelSelector } from './labels.js';

/** A selector argument: parsed, as a string (`app=web,tier in (a,b)`), or absent for everything. */
export type SelectorInput = LabelSelector | string | undefined;

/** Reads objects of one namespace. */
export interface NamespaceLister<T> {
  /** Objects of the namespace matching `selector`. */
  list(selector?: SelectorInput): T[];
  /** The object `name` of the namespace, or `undefined`. */
  get(name: string): T | undefined;
}

/**
 * Typed read access to an informer's cache (client-go `GenericLister`). Objects are the cached
 * instances: never mutate them.
 */
export interface Lister<T> {
  /** Every cached object matching `selector`. */
  list(selector?: SelectorInput): T[];
  /** The object `namespace/name` (or `name` when `namespace` is `''`), or `undefined`. */
  get(namespace: string, name: string): T | undefined;
  /**
   * A lister restricted to one namespace (uses the namespace index when present, else filters a
   * full list). `''` means all namespaces for `list`, as client-go's `NamespaceAll`; its `get(name)`
   * looks up the cluster-scoped key `name`.
   */
  byNamespace(namespace: string): NamespaceLister<T>;
}

function toSelector(s: SelectorInput): LabelSelector | undefined {
  if (s === undefined) return undefined;
  if (typeof s === 'string') {
    const parsed = parseSelector(s);
    return parsed.empty() ? undefined : parsed;
  }
  return s.empty() ? undefined : s;
}

const labelsOf = (obj: unknown): Record<string, string> | undefined =>
  (obj as KubeObject | undefined)?.metadata?.labels;

/** Creates a {@link Lister} over `indexer`. */
export function createLister<T>(indexer: Indexer<T>): Lister<T> {
  const filter = (objs: T[], s: SelectorInput): T[] => {
    const sel = toSelector(s);
    return sel ? objs.filter((o) => sel.matches(labelsOf(o))) : objs;
  };
  return {
    list: (selector) => filter(indexer.list(), selector),
    get: (namespace, name) => indexer.getByKey(namespace === '' ? name : `${namespace}/${name}`),
    byNamespace(namespace) {
      const all = (): T[] =>
        namespace === ''
          ? indexer.list()
          : namespaceIndex in indexer.getIndexers()
            ? indexer.byIndex(namespaceIndex, namespace)
            : indexer
                .list()
                .filter((o) => ((o as KubeObject).metadata?.namespace ?? '') === namespace);
      return {
        list: (selector) => filter(all(), selector),
        // Differs from client-go: its namespace lister looks up "/name" for namespace "", which
        // never matches; here it finds the cluster-scoped object `name`.
        get: (name) => indexer.getByKey(namespace === '' ? name : `${namespace}/${name}`),
      };
    },
  };
}
