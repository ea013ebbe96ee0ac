// What the field manager needs to know of a kind's schema: which maps and lists are atomic (owned
// as one field), which lists are associative and by which keys, which are sets, and which map
// entries are declared struct fields. The in-process server serves no OpenAPI schemas
// (openapi.ts), so the built-in kinds' list types come from this table, taken from the
// `+listType` / `+listMapKey` / `+patchMergeKey` / `+structType=atomic` markers of k8s.io/api
// (core/v1/types.go, apps/v1/types.go, meta/v1/types.go, v1.32) as kube-openapi compiles them into
// `x-kubernetes-list-type` / `x-kubernetes-list-map-keys` / `x-kubernetes-map-type`. Fields not in
// the table follow the value: an object is a struct, a list is atomic (the default for a list
// without markers). Custom resources follow their definition's `openAPIV3Schema` when it has one
// (crd-schema.ts); without, the CRD handler's schema for a definition that preserves unknown
// fields: typed `metadata`, everything else deduced (maps granular, lists atomic).
import type { ResourceDefinition } from '../resources.js';
import { schemaFromOpenApiV3 } from './crd-schema.js';

/** How the field manager treats one node of an object. */
export type SchemaNode =
  /** A scalar, or an atomic map or list: one field, owned and replaced as a whole. */
  | { readonly kind: 'atomic' }
  /** A granular map or struct. */
  | {
      readonly kind: 'map';
      /** Schemas of known fields. */
      readonly fields?: Readonly<Record<string, SchemaNode>>;
      /**
       * The schema of other entries: a node, `'typed'` (a struct field of a built-in kind,
       * resolved from its value) or `'deduced'` (a custom resource's unknown field).
       */
      readonly elem?: SchemaNode | 'typed' | 'deduced';
      /** Whether entries are struct fields (true) or map keys (false, e.g. labels). */
      readonly declared: boolean;
    }
  /** An associative list (`x-kubernetes-list-type: map`): items merged by their key fields. */
  | {
      readonly kind: 'keyedList';
      readonly keys: readonly string[];
      /** Defaults of key fields an item may omit (a port's `protocol` is `TCP`). */
      readonly keyDefaults?: Readonly<Record<string, unknown>>;
      readonly elem?: SchemaNode;
    }
  /** A set of scalars (`x-kubernetes-list-type: set`). */
  | { readonly kind: 'set' };

const atomic: SchemaNode = { kind: 'atomic' };
const set: SchemaNode = { kind: 'set' };
const struct = (fields: Record<string, SchemaNode> = {}): SchemaNode => ({
  kind: 'map',
  fields,
  elem: 'typed',
  declared: true,
});
const map = (): SchemaNode => ({ kind: 'map', elem: 'typed', declared: false });
const keyed = (
  keys: string[],
  elem?: SchemaNode,
  keyDefaults?: Record<string, unknown>,
): SchemaNode => ({
  kind: 'keyedList',
  keys,
  ...(elem !== undefined ? { elem } : {}),
  ...(keyDefaults !== undefined ? { keyDefaults } : {}),
});

/**
 * Struct fields of built-in kinds whose types are `+structType=atomic` wherever they appear:
 * metav1.LabelSelector, NodeSelector, ObjectReference (an event's `involvedObject`, `regarding`,
 * `related`) and the key selectors of an env var's `valueFrom`.
 */
const atomicFieldNames = new Set([
  'selector',
  'labelSelector',
  'namespaceSelector',
  'requiredDuringSchedulingIgnoredDuringExecution',
  'involvedObject',
  'regarding',
  'related',
  'secretKeyRef',
  'configMapKeyRef',
  'fieldRef',
  'resourceFieldRef',
]);

/** ObjectMeta (meta/v1/types.go). */
export const objectMeta = struct({
  labels: map(),
  annotations: map(),
  // OwnerReference is +structType=atomic: an item is owned as a whole.
  ownerReferences: keyed(['uid'], atomic),
  finalizers: set,
  managedFields: atomic,
});

const resources = struct({ limits: map(), requests: map(), claims: keyed(['name']) });
/** core/v1 Container. */
const container = struct({
  ports: keyed(['containerPort', 'protocol'], undefined, { protocol: 'TCP' }),
  env: keyed(['name']),
  volumeMounts: keyed(['mountPath']),
  volumeDevices: keyed(['devicePath']),
  resources,
});
/** core/v1 PodSpec. */
const podSpec = struct({
  containers: keyed(['name'], container),
  initContainers: keyed(['name'], container),
  ephemeralContainers: keyed(['name'], container),
  volumes: keyed(['name']),
  imagePullSecrets: keyed(['name']),
  hostAliases: keyed(['ip']),
  topologySpreadConstraints: keyed(['topologyKey', 'whenUnsatisfiable']),
  resourceClaims: keyed(['name']),
  schedulingGates: keyed(['name']),
  nodeSelector: map(),
  overhead: map(),
  resources,
});
const conditions = keyed(['type']);
const podTemplate = struct({ metadata: objectMeta, spec: podSpec });
const workload = (spec: Record<string, SchemaNode> = {}): SchemaNode =>
  struct({
    metadata: objectMeta,
    spec: struct({ selector: atomic, template: podTemplate, ...spec }),
    status: struct({ conditions }),
  });

/** The built-in kinds, by resource id. */
const builtinSchemas: Record<string, SchemaNode> = {
  pods: struct({
    metadata: objectMeta,
    spec: podSpec,
    status: struct({
      conditions,
      podIPs: keyed(['ip']),
      hostIPs: keyed(['ip']),
      resourceClaimStatuses: keyed(['name']),
    }),
  }),
  configmaps: struct({ metadata: objectMeta, data: map(), binaryData: map() }),
  secrets: struct({ metadata: objectMeta, data: map(), stringData: map() }),
  namespaces: struct({
    metadata: objectMeta,
    spec: struct({ finalizers: atomic }),
    status: struct({ conditions }),
  }),
  nodes: struct({
    metadata: objectMeta,
    spec: struct({ podCIDRs: set, taints: atomic }),
    status: struct({
      conditions,
      addresses: keyed(['type']),
      capacity: map(),
      allocatable: map(),
    }),
  }),
  services: struct({
    metadata: objectMeta,
    spec: struct({
      ports: keyed(['port', 'protocol'], undefined, { protocol: 'TCP' }),
      selector: map(),
    }),
    status: struct({ conditions, loadBalancer: struct({ ingress: atomic }) }),
  }),
  'deployments.apps': workload(),
  'replicasets.apps': workload(),
  'statefulsets.apps': workload(),
  'daemonsets.apps': workload(),
  replicationcontrollers: struct({
    metadata: objectMeta,
    spec: struct({ selector: map(), template: podTemplate }),
    status: struct({ conditions }),
  }),
  'jobs.batch': workload(),
  'customresourcedefinitions.apiextensions.k8s.io': struct({
    metadata: objectMeta,
    status: struct({ conditions, storedVersions: atomic }),
  }),
};

const deducedRoot: SchemaNode = {
  kind: 'map',
  fields: { metadata: objectMeta, apiVersion: atomic, kind: atomic },
  elem: 'deduced',
  declared: false,
};
const typedRoot = struct({ metadata: objectMeta });

/**
 * The schema the field manager uses for a resource: the table above for built-in kinds (a
 * built-in kind not in it: typed metadata, other fields by value); for a custom resource, its
 * definition's `schema` (the CRD version's `openAPIV3Schema`, see crd-schema.ts) or, without one,
 * the deduced schema.
 */
export function schemaFor(
  def: Pick<ResourceDefinition, 'group' | 'resource' | 'schema'>,
  builtin: boolean,
): SchemaNode {
  const id = def.group === '' ? def.resource : `${def.resource}.${def.group}`;
  const table = builtinSchemas[id];
  if (table !== undefined) return table;
  if (def.schema !== undefined) return schemaFromOpenApiV3(def.schema, objectMeta);
  return builtin ? typedRoot : deducedRoot;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

const deducedMap: SchemaNode = { kind: 'map', elem: 'deduced', declared: false };

/** The schema of entry `name` of map node `node`, given the entry's value (either side's). */
export function fieldSchema(node: SchemaNode, name: string, value: unknown): SchemaNode {
  if (node.kind !== 'map') return atomic;
  const known = node.fields?.[name];
  if (known !== undefined) return known;
  const elem = node.elem;
  if (elem === 'deduced') return isRecord(value) ? deducedMap : atomic;
  if (elem === 'typed' || elem === undefined) {
    if (node.declared && atomicFieldNames.has(name)) return atomic;
    return isRecord(value) ? struct() : atomic;
  }
  return elem;
}

/** Whether entry `name` of map node `node` is a declared struct field. */
export function isDeclared(node: SchemaNode, name: string): boolean {
  return node.kind === 'map' && (node.declared || node.fields?.[name] !== undefined);
}

/**
 * The object a create starts from, as `scope.Creater.New(kind)` converted to unstructured gives
 * it: the Go type's zero value, whose always-present structs (a Deployment's `spec.template`)
 * make the fields the create sets below them not "added" themselves. Custom resources: `{}`.
 */
export function zeroObject(
  def: Pick<ResourceDefinition, 'group' | 'resource'>,
  builtin: boolean,
): Record<string, unknown> {
  const id = def.group === '' ? def.resource : `${def.resource}.${def.group}`;
  const meta = { creationTimestamp: null };
  const template = { metadata: { creationTimestamp: null }, spec: { containers: null } };
  switch (id) {
    case 'pods':
      return { metadata: meta, spec: { containers: null }, status: {} };
    case 'namespaces':
    case 'nodes':
      return { metadata: meta, spec: {}, status: {} };
    case 'services':
      return { metadata: meta, spec: {}, status: { loadBalancer: {} } };
    case 'deployments.apps':
      return { metadata: meta, spec: { selector: null, template, strategy: {} }, status: {} };
    case 'replicasets.apps':
    case 'statefulsets.apps':
    case 'daemonsets.apps':
      return { metadata: meta, spec: { selector: null, template }, status: {} };
    case 'leases.coordination.k8s.io':
      return { metadata: meta, spec: {} };
    case 'events':
      return {
        metadata: meta,
        involvedObject: {},
        source: {},
        firstTimestamp: null,
        lastTimestamp: null,
        eventTime: null,
        reportingComponent: '',
        reportingInstance: '',
      };
    default:
      return builtin ? { metadata: meta } : {};
  }
}
