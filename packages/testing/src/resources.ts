// The resources the in-process API server serves: their definitions (group, version, plural, kind,
// scope), the built-in ones, and the per-resource object store. The counterpart upstream is the
// REST storage a kube-apiserver installs per resource (k8s.io/apiserver/pkg/registry/generic).
import type { Entry } from './entry.js';
import type { OpenApiV3Schema } from './fieldmanager/crd-schema.js';

export type { OpenApiV3Schema } from './fieldmanager/crd-schema.js';

/** A resource the server serves. */
export interface ResourceDefinition {
  /** API group; `''` for the core group. */
  group: string;
  /** API version, e.g. `v1`. */
  version: string;
  /** Plural resource name, e.g. `pods` or `widgets`. */
  resource: string;
  /** Kind, e.g. `Pod`. */
  kind: string;
  /** Whether objects live in namespaces. */
  namespaced: boolean;
  /** Singular name for discovery. Default: lower-cased kind. */
  singular?: string;
  /**
   * Whether the resource has a `/status` subresource (pods, nodes, namespaces; a CRD with
   * `subresources.status`). Then writes to the object keep the stored `status`, writes to
   * `/status` keep everything but `status` (and what the kind's status strategy lets through),
   * and `metadata.generation` does not count status changes. Which kinds have a generation and
   * what moves it follows the kind: the served built-in kinds as kube-apiserver's strategies,
   * any group kube-apiserver does not serve itself as a custom resource. Default: false.
   */
  statusSubresource?: boolean;
  /** Short names announced in discovery (`po`, `cm`), as kubectl uses them. Default: none. */
  shortNames?: string[];
  /** Categories announced in discovery (`all` for `kubectl get all`). Default: none. */
  categories?: string[];
  /**
   * A `/scale` subresource as a CustomResourceDefinition declares one (`subresources.scale`):
   * `GET`/`PUT`/`PATCH …/<name>/scale` with an autoscaling/v1 Scale, announced in discovery so
   * `kubectl scale` finds it. Built-in Deployments (and registered ReplicaSets, StatefulSets,
   * ReplicationControllers) have theirs without this. Default: none.
   */
  scaleSubresource?: ScaleSubresource;
  /**
   * A custom resource's `openAPIV3Schema`, as a CustomResourceDefinition version gives it. The
   * field manager follows it as kube-apiserver's does for custom resources: lists are atomic
   * unless `x-kubernetes-list-type` says `set` or `map` (merged item by item, by
   * `x-kubernetes-list-map-keys`), objects granular unless `x-kubernetes-map-type: atomic`;
   * fields it does not declare are deduced from their values. It does not validate, prune or
   * default objects. Ignored for the built-in kinds (their list types come from a table). Default:
   * none — every field deduced (maps granular, lists atomic), as for a CRD that preserves unknown
   * fields.
   */
  schema?: OpenApiV3Schema;
}

/**
 * Where a resource keeps the numbers its `/scale` subresource shows, as a CustomResourceDefinition's
 * `subresources.scale` says: dotted paths from the object's root (`.spec.replicas`).
 */
export interface ScaleSubresource {
  /** The desired replicas, e.g. `.spec.replicas` (read as 0 when absent; the scale writes it). */
  specReplicasPath: string;
  /** The observed replicas, e.g. `.status.replicas` (0 when absent). */
  statusReplicasPath: string;
  /** A string field holding the pods' label selector in its serialised form, e.g. `.status.selector`. */
  labelSelectorPath?: string;
}

/**
 * A resource as the programmatic API names it: its id (`pods`, `deployments.apps`,
 * `widgets.example.com`) or a definition carrying group and plural — a `defineResource`
 * definition (`podsResource` of `@kubecache/informer` included) or a {@link ResourceDefinition}.
 */
export type ResourceRef = string | Pick<ResourceDefinition, 'group' | 'resource'>;

/** The id of a {@link ResourceRef}: the string itself, or {@link resourceId} of a definition. */
export function resourceIdOf(ref: ResourceRef): string {
  return typeof ref === 'string' ? ref : resourceId(ref);
}

/**
 * The built-in resources, as kube-apiserver serves them out of the box: core/v1 pods, configmaps,
 * namespaces, nodes, services and events, apps/v1 deployments, coordination.k8s.io/v1 leases,
 * apiextensions.k8s.io/v1 customresourcedefinitions (see crds.ts) and events.k8s.io/v1 events
 * (the same objects as core/v1 events, see events.ts).
 */
export const builtinResources: readonly ResourceDefinition[] = [
  {
    group: '',
    version: 'v1',
    resource: 'pods',
    kind: 'Pod',
    namespaced: true,
    statusSubresource: true,
    shortNames: ['po'],
    categories: ['all'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'configmaps',
    kind: 'ConfigMap',
    namespaced: true,
    shortNames: ['cm'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    statusSubresource: true,
    shortNames: ['ns'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'nodes',
    kind: 'Node',
    namespaced: false,
    statusSubresource: true,
    shortNames: ['no'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'services',
    kind: 'Service',
    namespaced: true,
    statusSubresource: true,
    shortNames: ['svc'],
    categories: ['all'],
  },
  {
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    kind: 'Deployment',
    namespaced: true,
    statusSubresource: true,
    shortNames: ['deploy'],
    categories: ['all'],
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    resource: 'leases',
    kind: 'Lease',
    namespaced: true,
  },
  // apiextensions.k8s.io/v1 CustomResourceDefinitions: creating one serves its resource (crds.ts).
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    resource: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    namespaced: false,
    statusSubresource: true,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
  },
  // core/v1 and events.k8s.io/v1 events: two views of one storage (see events.ts).
  {
    group: '',
    version: 'v1',
    resource: 'events',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
  },
  {
    group: 'events.k8s.io',
    version: 'v1',
    resource: 'events',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
  },
];

/** The id of a resource: `pods` for the core group, `widgets.example.com` otherwise. */
export function resourceId(def: Pick<ResourceDefinition, 'group' | 'resource'>): string {
  return def.group === '' ? def.resource : `${def.resource}.${def.group}`;
}

/** Per-resource storage. */
export class ResourceStore {
  /** The definition; replaced when a CustomResourceDefinition changes (see crds.ts). */
  def: ResourceDefinition;
  readonly id: string;
  readonly items = new Map<string, Entry>();
  private sorted: string[] | undefined;

  constructor(def: ResourceDefinition) {
    this.def = def;
    this.id = resourceId(def);
  }

  /** Keys in lexical order (cached until a key is added or removed). */
  sortedKeys(): string[] {
    this.sorted ??= [...this.items.keys()].sort();
    return this.sorted;
  }

  /** Invalidates the sorted key cache. */
  keysChanged(): void {
    this.sorted = undefined;
  }
}

/** Makes an object key. */
export function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}
