// The per-kind write rules of kube-apiserver's registry ("strategies"), as of the version in
// version.ts (1.32): which kinds have `metadata.generation` and what moves it, what status a
// created object starts with, and what a write to the object or to its `/status` subresource may
// change. Sources, each read for its PrepareForCreate / PrepareForUpdate and status strategy:
// pkg/registry/core/{pod,configmap,namespace,node,service}/strategy.go,
// pkg/registry/apps/deployment/strategy.go, pkg/registry/coordination/lease/strategy.go and
// k8s.io/apiextensions-apiserver pkg/registry/customresource/{strategy,status_strategy}.go.
// The rules every kind shares (server-owned metadata, finalizers) live in strategy.ts.
import type { KubeObject, ObjectMeta } from '@kubecache/core';
import { defaultCrd, initialCrdStatus, validateCrd } from './crds.js';
import { jsonEqual } from './json-equal.js';
import { podQosClass } from './qos.js';
import type { ResourceDefinition } from './resources.js';

/** An object as the strategies read and write it. */
export type PlainObject = Record<string, unknown> & { metadata?: ObjectMeta };

/** What `metadata.generation` of a kind tracks. */
export type GenerationRule =
  /** The kind has no generation (ConfigMaps, Secrets, Services, Leases, Events, Namespaces, Nodes; Pods before 1.33). */
  | 'none'
  /** Set to 1 on create, bumped when `spec` changes (ReplicaSets, StatefulSets, DaemonSets, Jobs, …). */
  | 'spec'
  /** As `spec`, and bumped when `metadata.annotations` change (Deployments: they copy annotations to their ReplicaSets). */
  | 'specAndAnnotations'
  /** Set to 1 on create, bumped by any change outside `metadata` (custom resources; `status` excluded with a status subresource). */
  | 'nonMetadata';

/** The write rules of one kind. */
export interface KindStrategy {
  /** The upstream strategy followed, e.g. `pkg/registry/apps/deployment/strategy.go`. */
  readonly source: string;
  /** What `metadata.generation` tracks. */
  readonly generation: GenerationRule;
  /** Whether the kind has a `/status` subresource. */
  readonly statusSubresource: boolean;
  /**
   * The metadata fields a `/status` write cannot change (its status strategy resets them): a
   * pod's `ownerReferences`, a deployment's `labels`; `'all'` for a custom resource. The field
   * manager does not record them for `/status` writes.
   */
  readonly statusResetMetadata: readonly string[] | 'all';
  /**
   * The status a created object starts with (HTTP writes; the programmatic API stores status as
   * given): `{ keep: true }` keeps the given status, `{ status: undefined }` drops it.
   */
  createStatus(input: PlainObject): { keep: true } | { keep?: false; status: unknown };
  /** Rules of a create besides status (the namespace's `kubernetes` finalizer), on a copy. */
  prepareForCreate(obj: PlainObject): void;
  /** Rules of an update of the object besides status (a namespace keeps `spec.finalizers`), on a copy. */
  prepareForUpdate(next: PlainObject, prev: PlainObject): void;
  /**
   * Rules of a `/status` write, on a copy of the request's object: everything but `status` comes
   * back from the stored object, and the metadata the kind's status strategy resets (a pod's
   * `ownerReferences`, a deployment's `labels`, everything for a custom resource).
   */
  prepareForStatusUpdate(next: PlainObject, prev: PlainObject): void;
  /** Whether an update from `prev` to `next` (both prepared) moves `metadata.generation`. */
  generationChanged(prev: PlainObject, next: PlainObject): boolean;
  /**
   * Whether a patch may move `metadata.generation`: false for kinds without one and for merge
   * patches of only what the generation does not track (a cheap test before comparing objects).
   */
  patchMayChangeGeneration(patch: unknown): boolean;
}

/** Now as an RFC 3339 timestamp with second precision, as kube-apiserver writes them. */
const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

const objectOf = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

const envelope = new Set(['metadata', 'apiVersion', 'kind']);

/** Puts `prev[key]` into `next` (removing it when `prev` has none). */
function copyField(
  next: Record<string, unknown>,
  prev: Record<string, unknown>,
  key: string,
): void {
  if (prev[key] === undefined) Reflect.deleteProperty(next, key);
  else next[key] = prev[key];
}

interface TypedKindRules {
  source: string;
  generation: 'none' | 'spec' | 'specAndAnnotations';
  statusSubresource: boolean;
  /** The status of a new object; undefined keeps the given one (nodes, kinds without status). */
  createStatus?: (input: PlainObject) => unknown;
  /** Metadata fields a `/status` write takes from the stored object. */
  statusKeepsMeta?: readonly (keyof ObjectMeta)[];
  prepareForCreate?: (obj: PlainObject) => void;
  prepareForUpdate?: (next: PlainObject, prev: PlainObject) => void;
  prepareForStatusUpdate?: (next: PlainObject, prev: PlainObject) => void;
}

/** A built-in kind: a Go type with `spec` and `status`, compared with Semantic equality. */
function typedKind(rules: TypedKindRules): KindStrategy {
  const { generation } = rules;
  return {
    source: rules.source,
    generation,
    statusSubresource: rules.statusSubresource,
    statusResetMetadata: rules.statusKeepsMeta ?? [],
    createStatus: (input) =>
      rules.createStatus === undefined ? { keep: true } : { status: rules.createStatus(input) },
    prepareForCreate: (obj) => rules.prepareForCreate?.(obj),
    prepareForUpdate: (next, prev) => rules.prepareForUpdate?.(next, prev),
    prepareForStatusUpdate: (next, prev) => {
      // newObj.Spec = oldObj.Spec: every field but metadata and status comes from the stored object.
      for (const k of new Set([...Object.keys(prev), ...Object.keys(next)])) {
        if (!envelope.has(k) && k !== 'status') copyField(next, prev, k);
      }
      const meta: Record<string, unknown> = { ...objectOf(next.metadata) };
      const pm = objectOf(prev.metadata);
      for (const k of rules.statusKeepsMeta ?? []) copyField(meta, pm, k);
      next.metadata = meta;
      rules.prepareForStatusUpdate?.(next, prev);
    },
    generationChanged: (prev, next) =>
      generation !== 'none' &&
      (!jsonEqual(prev.spec, next.spec, { typed: true }) ||
        (generation === 'specAndAnnotations' &&
          !jsonEqual(prev.metadata?.annotations, next.metadata?.annotations, { typed: true }))),
    patchMayChangeGeneration: (patch) => {
      if (generation === 'none') return false;
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return true;
      const p = patch as Record<string, unknown>;
      if (Object.keys(p).some((k) => !envelope.has(k) && k !== 'status')) return true;
      if (generation !== 'specAndAnnotations' || p.metadata === undefined) return false;
      return p.metadata === null || typeof p.metadata !== 'object' || 'annotations' in p.metadata;
    },
  };
}

/** core/v1 pods (pkg/registry/core/pod/strategy.go, 1.32: no generation; 1.33 adds it). */
const podStrategy = typedKind({
  source: 'pkg/registry/core/pod/strategy.go',
  generation: 'none',
  statusSubresource: true,
  createStatus: (input) => {
    const spec = objectOf(input.spec);
    const given = objectOf(input.status).qosClass;
    const gates = spec.schedulingGates;
    return {
      phase: 'Pending',
      ...(Array.isArray(gates) && gates.length > 0
        ? {
            conditions: [
              {
                type: 'PodScheduled',
                status: 'False',
                lastProbeTime: null,
                lastTransitionTime: now(),
                reason: 'SchedulingGated',
                message: 'Scheduling is blocked due to non-empty scheduling gates',
              },
            ],
          }
        : {}),
      // GetPodQOS: a qosClass given in the created pod's status is kept.
      qosClass: typeof given === 'string' && given !== '' ? given : podQosClass(spec),
    };
  },
  // podStatusStrategy: old kubelets corrupt ownerReferences, so /status never changes them.
  statusKeepsMeta: ['ownerReferences'],
  prepareForStatusUpdate: (next, prev) => {
    // The QoS class is immutable: a status without one gets the stored one back.
    const old = objectOf(prev.status).qosClass;
    const status = objectOf(next.status);
    if (old !== undefined && (status.qosClass === undefined || status.qosClass === ''))
      next.status = { ...status, qosClass: old };
  },
});

/** core/v1 configmaps: no status, no generation (pkg/registry/core/configmap/strategy.go). */
const configMapStrategy = typedKind({
  source: 'pkg/registry/core/configmap/strategy.go',
  generation: 'none',
  statusSubresource: false,
});

/** coordination.k8s.io/v1 leases: no status, no generation. */
const leaseStrategy = typedKind({
  source: 'pkg/registry/coordination/lease/strategy.go',
  generation: 'none',
  statusSubresource: false,
});

/** core/v1 namespaces: Active on create, the `kubernetes` finalizer in `spec.finalizers`. */
const namespaceStrategy = typedKind({
  source: 'pkg/registry/core/namespace/strategy.go',
  generation: 'none',
  statusSubresource: true,
  createStatus: () => ({ phase: 'Active' }),
  prepareForCreate: (obj) => {
    const spec = objectOf(obj.spec);
    const finalizers = Array.isArray(spec.finalizers) ? (spec.finalizers as unknown[]) : [];
    if (!finalizers.includes('kubernetes'))
      obj.spec = { ...spec, finalizers: [...finalizers, 'kubernetes'] };
  },
  prepareForUpdate: (next, prev) => {
    // Only the finalize subresource (not served here) changes spec.finalizers.
    const finalizers = objectOf(prev.spec).finalizers;
    const spec: Record<string, unknown> = { ...objectOf(next.spec) };
    if (finalizers === undefined) delete spec.finalizers;
    else spec.finalizers = finalizers;
    next.spec = spec;
  },
});

/** core/v1 nodes: all fields, status included, may be set on create (a kubelet registers so). */
const nodeStrategy = typedKind({
  source: 'pkg/registry/core/node/strategy.go',
  generation: 'none',
  statusSubresource: true,
});

/** core/v1 services: status reset on create (`{ loadBalancer: {} }`, the zero ServiceStatus). */
const serviceStrategy = typedKind({
  source: 'pkg/registry/core/service/strategy.go',
  generation: 'none',
  statusSubresource: true,
  createStatus: () => ({ loadBalancer: {} }),
});

/** apps/v1 deployments: generation on spec and annotation changes; /status keeps labels. */
const deploymentStrategy = typedKind({
  source: 'pkg/registry/apps/deployment/strategy.go',
  generation: 'specAndAnnotations',
  statusSubresource: true,
  createStatus: () => ({}),
  statusKeepsMeta: ['labels'],
});

/**
 * apiextensions.k8s.io/v1 customresourcedefinitions (pkg/registry/customresourcedefinition/
 * strategy.go): generation on spec changes, status reset on create (storedVersions), defaults and
 * validation on create and update.
 */
const crdStrategy = typedKind({
  source: 'k8s.io/apiextensions-apiserver pkg/registry/customresourcedefinition/strategy.go',
  generation: 'spec',
  statusSubresource: true,
  createStatus: (input) => initialCrdStatus(input),
  prepareForCreate: (obj) => {
    defaultCrd(obj);
    validateCrd(obj);
  },
  prepareForUpdate: (next) => {
    defaultCrd(next);
    validateCrd(next);
  },
});

/** The served built-in kinds, by resource id. */
const servedKinds: Record<string, KindStrategy> = {
  pods: podStrategy,
  configmaps: configMapStrategy,
  namespaces: namespaceStrategy,
  nodes: nodeStrategy,
  services: serviceStrategy,
  'deployments.apps': deploymentStrategy,
  'leases.coordination.k8s.io': leaseStrategy,
  'customresourcedefinitions.apiextensions.k8s.io': crdStrategy,
};

/** Built-in kinds not served by default whose strategy bumps generation on spec changes. */
const specGenerationKinds = new Set([
  'replicationcontrollers',
  'replicasets.apps',
  'statefulsets.apps',
  'daemonsets.apps',
  'jobs.batch',
  'cronjobs.batch',
]);

/** The API groups kube-apiserver 1.32 serves itself (a definition in one of them is not a custom resource). */
const builtinGroups = new Set([
  '',
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'storagemigration.k8s.io',
]);

/** Whether a resource's group is one kube-apiserver serves itself (not a custom resource). */
export function servedByKubeApiserver(def: Pick<ResourceDefinition, 'group'>): boolean {
  return builtinGroups.has(def.group);
}

/** A custom resource, as the CRD handler serves it (status subresource as the CRD declares). */
function customResourceStrategy(statusSubresource: boolean): KindStrategy {
  const tracked = (o: PlainObject): Record<string, unknown> => {
    const rest: Record<string, unknown> = { ...o };
    delete rest.metadata;
    if (statusSubresource) delete rest.status;
    return rest;
  };
  return {
    source: 'k8s.io/apiextensions-apiserver pkg/registry/customresource/strategy.go',
    generation: 'nonMetadata',
    statusSubresource,
    statusResetMetadata: 'all',
    createStatus: () => (statusSubresource ? { status: undefined } : { keep: true }),
    prepareForCreate: () => undefined,
    prepareForUpdate: () => undefined,
    prepareForStatusUpdate: (next, prev) => {
      // statusStrategy: the stored object with the request's status.
      const status = next.status;
      for (const k of new Set([...Object.keys(prev), ...Object.keys(next)])) {
        if (k !== 'status') copyField(next, prev, k);
      }
      if (status === undefined) delete next.status;
      else next.status = status;
      next.metadata = { ...objectOf(prev.metadata) };
    },
    generationChanged: (prev, next) => !jsonEqual(tracked(prev), tracked(next)),
    patchMayChangeGeneration: (patch) =>
      patch === null ||
      typeof patch !== 'object' ||
      Array.isArray(patch) ||
      Object.keys(patch).some((k) => !envelope.has(k) && !(k === 'status' && statusSubresource)),
  };
}

const cache = new WeakMap<ResourceDefinition, KindStrategy>();

/**
 * The write rules of a resource: the served built-in kinds' own; for a registered definition in a
 * built-in API group, generation on spec changes for the kinds that have one (ReplicaSets,
 * StatefulSets, DaemonSets, Jobs, CronJobs, ReplicationControllers) and none otherwise, with the
 * status rules of its `statusSubresource`; for any other group, a custom resource's.
 */
export function strategyFor(def: ResourceDefinition): KindStrategy {
  let s = cache.get(def);
  if (s !== undefined) return s;
  const id = def.group === '' ? def.resource : `${def.resource}.${def.group}`;
  const statusSubresource = def.statusSubresource === true;
  s = servedKinds[id];
  if (s === undefined && builtinGroups.has(def.group)) {
    s = typedKind({
      source: `the ${def.kind} strategy of kube-apiserver (generation and status rules only)`,
      generation: specGenerationKinds.has(id) ? 'spec' : 'none',
      statusSubresource,
      ...(statusSubresource ? { createStatus: () => undefined } : {}),
    });
  }
  s ??= customResourceStrategy(statusSubresource);
  cache.set(def, s);
  return s;
}

/** The object as a plain record (for the strategies). */
export const plain = (o: KubeObject): PlainObject => o as PlainObject;
