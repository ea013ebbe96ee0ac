// Resource scope for the informer factory: a cluster-scoped resource ignores the factory's
// namespace (as client-go's typed factory does: its node and namespace informers take none).
// Scope comes from an explicit option, a table of built-in resources, or API discovery.
import { gvrString, type GroupVersionResource, type KubeObject } from '@kubecache/core';
import {
  createListWatch,
  discoverNamespaced,
  type KubeConfigLike,
  type ListerWatcher,
  type ListWatchOptions,
} from '@kubecache/listwatch';

/** Built-in cluster-scoped resources, as `group/resource` (core group: `/resource`). */
const clusterScoped = new Set([
  '/nodes',
  '/namespaces',
  '/persistentvolumes',
  '/componentstatuses',
  'rbac.authorization.k8s.io/clusterroles',
  'rbac.authorization.k8s.io/clusterrolebindings',
  'storage.k8s.io/storageclasses',
  'storage.k8s.io/csidrivers',
  'storage.k8s.io/csinodes',
  'storage.k8s.io/volumeattachments',
  'apiextensions.k8s.io/customresourcedefinitions',
  'apiregistration.k8s.io/apiservices',
  'admissionregistration.k8s.io/mutatingwebhookconfigurations',
  'admissionregistration.k8s.io/validatingwebhookconfigurations',
  'admissionregistration.k8s.io/validatingadmissionpolicies',
  'admissionregistration.k8s.io/validatingadmissionpolicybindings',
  'scheduling.k8s.io/priorityclasses',
  'node.k8s.io/runtimeclasses',
  'networking.k8s.io/ingressclasses',
  'certificates.k8s.io/certificatesigningrequests',
  'flowcontrol.apiserver.k8s.io/flowschemas',
  'flowcontrol.apiserver.k8s.io/prioritylevelconfigurations',
]);

/** Built-in namespaced resources the factory has helpers for, or that are common. */
const namespacedBuiltins = new Set([
  '/pods',
  '/configmaps',
  '/services',
  '/secrets',
  '/serviceaccounts',
  '/endpoints',
  '/events',
  '/persistentvolumeclaims',
  '/replicationcontrollers',
  '/limitranges',
  '/resourcequotas',
  'apps/deployments',
  'apps/replicasets',
  'apps/statefulsets',
  'apps/daemonsets',
  'batch/jobs',
  'batch/cronjobs',
  'coordination.k8s.io/leases',
  'networking.k8s.io/ingresses',
  'networking.k8s.io/networkpolicies',
  'discovery.k8s.io/endpointslices',
  'policy/poddisruptionbudgets',
  'autoscaling/horizontalpodautoscalers',
  'rbac.authorization.k8s.io/roles',
  'rbac.authorization.k8s.io/rolebindings',
  'events.k8s.io/events',
]);

/** The scope of a built-in resource, or undefined when it is not in the tables. */
export function builtinNamespaced(gvr: GroupVersionResource): boolean | undefined {
  const id = `${gvr.group}/${gvr.resource}`;
  if (clusterScoped.has(id)) return false;
  if (namespacedBuiltins.has(id)) return true;
  return undefined;
}

/** Options of {@link createScopedListWatch}. */
export interface ScopedListWatchOptions extends Omit<ListWatchOptions, 'namespace'> {
  /** The namespace to apply if the resource is namespaced; `''`/undefined = all namespaces. */
  namespace?: string | undefined;
  /** Known scope; undefined = ask discovery (once, on the first list or watch). */
  namespaced?: boolean | undefined;
  /** Resolves the scope of a GVR (shared per factory so discovery is asked once per resource). */
  discover: (gvr: GroupVersionResource, signal?: AbortSignal) => Promise<boolean | undefined>;
}

/**
 * A ListWatch that applies `namespace` only to namespaced resources. With a known scope (or no
 * namespace to apply) it is a plain `createListWatch`. Otherwise the first list or watch asks
 * discovery, then builds the ListWatch: a failure rejects that call (the Reflector reports it and
 * retries after backoff) and is asked again next time; a resource discovery does not list is
 * treated as namespaced (the request then fails with the server's own error).
 */
export function createScopedListWatch<T = KubeObject>(
  kubeConfig: KubeConfigLike,
  o: ScopedListWatchOptions,
): ListerWatcher<T> {
  const { namespace, namespaced, discover, ...rest } = o;
  const make = (isNamespaced: boolean): ListerWatcher<T> =>
    createListWatch<T>(kubeConfig, {
      ...rest,
      ...(isNamespaced && namespace !== undefined && namespace !== '' ? { namespace } : {}),
    });
  if (namespace === undefined || namespace === '' || namespaced !== undefined) {
    return make(namespaced ?? true);
  }
  let resolved: ListerWatcher<T> | undefined;
  const resolve = async (signal?: AbortSignal): Promise<ListerWatcher<T>> => {
    resolved ??= make((await discover(rest, signal)) ?? true);
    return resolved;
  };
  return {
    supportsPaging: true,
    supportsWatchList: true,
    description: `${gvrString(rest)} (scope from discovery; namespace ${namespace} if namespaced)`,
    ...(rest.kind !== undefined ? { expectedKind: rest.kind } : {}),
    ...(rest.kindSource !== undefined ? { expectedKindSource: rest.kindSource } : {}),
    list: async (options, signal) => (await resolve(signal)).list(options, signal),
    watch: async (options, signal) => (await resolve(signal)).watch(options, signal),
  };
}

/** A per-factory discovery cache: one successful answer per group/version/resource. */
export function createScopeCache(
  kubeConfig: KubeConfigLike,
): (gvr: GroupVersionResource, signal?: AbortSignal) => Promise<boolean | undefined> {
  const answers = new Map<string, boolean | undefined>();
  return async (gvr, signal) => {
    const id = `${gvr.group}/${gvr.version}/${gvr.resource}`;
    if (answers.has(id)) return answers.get(id);
    const namespaced = await discoverNamespaced(kubeConfig, gvr, signal ? { signal } : {});
    answers.set(id, namespaced);
    return namespaced;
  };
}
