// CustomResourceDefinitions served over HTTP, as apiextensions-apiserver serves them: the
// `apiextensions.k8s.io/v1` `customresourcedefinitions` resource (cluster-scoped, with `/status`),
// its create/update rules (pkg/registry/customresourcedefinition/strategy.go: defaults, validation
// of names, scope and versions, `status.storedVersions`) and the controllers that act on a stored
// definition (pkg/controller/status naming controller, pkg/apiserver customresource_handler,
// pkg/controller/finalizer): a definition's storage version becomes a served resource — group,
// names, scope, `/status` and `/scale` subresources and `openAPIV3Schema` as the definition says —
// its status gets `NamesAccepted` and `Established`, and deleting the definition removes the
// resource and its objects. Registration goes through the cluster's register path, so the
// resources appear in discovery like any registered with `registerResource`.
import type { KubeObject, StatusCause } from '@kubecache/core';
import type { ChangeEvent, Cluster } from './cluster.js';
import type { OpenApiV3Schema } from './fieldmanager/crd-schema.js';
import type { PlainObject } from './kind-strategies.js';
import { resourceId, type ResourceDefinition, type ScaleSubresource } from './resources.js';
import { invalid } from './status.js';

/** The id of the CustomResourceDefinition resource. */
export const CRD_RESOURCE_ID = 'customresourcedefinitions.apiextensions.k8s.io';

/** The fields of a CustomResourceDefinition the server reads. */
interface CrdVersion {
  name?: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: OpenApiV3Schema };
  subresources?: {
    status?: object;
    scale?: { specReplicasPath?: string; statusReplicasPath?: string; labelSelectorPath?: string };
  };
}
interface CrdNames {
  plural?: string;
  singular?: string;
  kind?: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}
interface CrdSpec {
  group?: string;
  scope?: string;
  names?: CrdNames;
  versions?: CrdVersion[];
}

const objectOf = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const specOf = (o: PlainObject | KubeObject): CrdSpec => objectOf((o as PlainObject).spec);

/** Now as an RFC 3339 timestamp with second precision. */
const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** `names` with its fields in the order kube-apiserver serialises CustomResourceDefinitionNames. */
function orderedNames(names: CrdNames): CrdNames {
  const out: Record<string, unknown> = {};
  for (const k of ['plural', 'singular', 'shortNames', 'kind', 'listKind', 'categories'] as const)
    if (names[k] !== undefined) out[k] = names[k];
  for (const [k, v] of Object.entries(names)) if (!(k in out)) out[k] = v;
  return out;
}

/**
 * The defaults kube-apiserver gives a definition (SetDefaults_CustomResourceDefinition):
 * `names.singular` (lower-cased kind), `names.listKind` (`<kind>List`) and
 * `conversion.strategy: None`. Works on `crd` in place.
 */
export function defaultCrd(crd: PlainObject): void {
  const spec = { ...objectOf(crd.spec) } as Record<string, unknown>;
  const names = { ...objectOf(spec.names) } as CrdNames;
  if (typeof names.kind === 'string') {
    if (names.singular === undefined || names.singular === '')
      names.singular = names.kind.toLowerCase();
    if (names.listKind === undefined || names.listKind === '') names.listKind = `${names.kind}List`;
  }
  spec.names = orderedNames(names);
  if (spec.conversion === undefined) spec.conversion = { strategy: 'None' };
  crd.spec = spec;
}

/**
 * Validates a definition as ValidateCustomResourceDefinition does for the parts the server
 * reads: `metadata.name` must be `<plural>.<group>`, a group with a dot, plural and kind set,
 * scope `Cluster` or `Namespaced`, at least one version and exactly one storage version.
 * Throws 422 Invalid with one cause per problem.
 */
export function validateCrd(crd: PlainObject): void {
  const spec = specOf(crd);
  const names = spec.names ?? {};
  const name = crd.metadata?.name ?? '';
  const causes: StatusCause[] = [];
  const add = (reason: string, field: string, message: string): void =>
    void causes.push({ reason, field, message });
  if (name !== `${names.plural ?? ''}.${spec.group ?? ''}`)
    add(
      'FieldValueInvalid',
      'metadata.name',
      `Invalid value: "${name}": must be spec.names.plural+"."+spec.group`,
    );
  if (spec.group === undefined || spec.group === '')
    add('FieldValueRequired', 'spec.group', 'Required value');
  else if (!spec.group.includes('.'))
    add(
      'FieldValueInvalid',
      'spec.group',
      `Invalid value: "${spec.group}": should be a domain with at least one dot`,
    );
  if (names.plural === undefined || names.plural === '')
    add('FieldValueRequired', 'spec.names.plural', 'Required value');
  if (names.kind === undefined || names.kind === '')
    add('FieldValueRequired', 'spec.names.kind', 'Required value');
  if (spec.scope !== 'Cluster' && spec.scope !== 'Namespaced')
    add(
      'FieldValueNotSupported',
      'spec.scope',
      `Unsupported value: "${spec.scope ?? ''}": supported values: "Cluster", "Namespaced"`,
    );
  const versions = spec.versions ?? [];
  if (versions.length === 0) add('FieldValueRequired', 'spec.versions', 'Required value');
  else if (versions.filter((v) => v.storage === true).length !== 1)
    add(
      'FieldValueInvalid',
      'spec.versions',
      'Invalid value: ' +
        JSON.stringify(versions.map((v) => v.name)) +
        ': must have exactly one version marked as storage version',
    );
  if (causes.length > 0)
    throw invalid('CustomResourceDefinition.apiextensions.k8s.io', name, causes);
}

/**
 * The status a created definition starts with (the strategy's PrepareForCreate): no conditions,
 * empty accepted names and its storage version as the only stored version.
 */
export function initialCrdStatus(crd: PlainObject): unknown {
  const storage = (specOf(crd).versions ?? []).find((v) => v.storage === true)?.name;
  return {
    acceptedNames: { plural: '', kind: '' },
    ...(storage !== undefined ? { storedVersions: [storage] } : {}),
  };
}

const scaleOf = (v: CrdVersion): ScaleSubresource | undefined => {
  const s = v.subresources?.scale;
  if (s?.specReplicasPath === undefined || s.statusReplicasPath === undefined) return undefined;
  return {
    specReplicasPath: s.specReplicasPath,
    statusReplicasPath: s.statusReplicasPath,
    ...(s.labelSelectorPath !== undefined ? { labelSelectorPath: s.labelSelectorPath } : {}),
  };
};

/**
 * The resource a stored definition serves: its storage version (the server keeps one version per
 * resource) with the definition's names, scope, subresources and schema.
 */
export function resourceOfCrd(crd: KubeObject): ResourceDefinition | undefined {
  const spec = specOf(crd);
  const names = spec.names ?? {};
  const version = (spec.versions ?? []).find((v) => v.storage === true);
  if (
    version?.name === undefined ||
    spec.group === undefined ||
    names.plural === undefined ||
    names.kind === undefined
  )
    return undefined;
  const scale = scaleOf(version);
  const schema = version.schema?.openAPIV3Schema;
  return {
    group: spec.group,
    version: version.name,
    resource: names.plural,
    kind: names.kind,
    namespaced: spec.scope === 'Namespaced',
    singular: names.singular ?? names.kind.toLowerCase(),
    statusSubresource: version.subresources?.status !== undefined,
    ...(names.shortNames !== undefined ? { shortNames: [...names.shortNames] } : {}),
    ...(names.categories !== undefined ? { categories: [...names.categories] } : {}),
    ...(scale !== undefined ? { scaleSubresource: scale } : {}),
    ...(schema !== undefined ? { schema } : {}),
  };
}

/** The status conditions of an established definition whose names were accepted. */
function establishedStatus(crd: KubeObject, prev: unknown): Record<string, unknown> {
  const status = objectOf(prev);
  const names = specOf(crd).names ?? {};
  const old = Array.isArray(status.conditions)
    ? (status.conditions as Record<string, unknown>[])
    : [];
  const condition = (type: string, reason: string, message: string): Record<string, unknown> => {
    const was = old.find((c) => c.type === type);
    return {
      type,
      status: 'True',
      lastTransitionTime:
        was?.status === 'True' && typeof was.lastTransitionTime === 'string'
          ? was.lastTransitionTime
          : now(),
      reason,
      message,
    };
  };
  return {
    ...status,
    conditions: [
      condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
      condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ],
    acceptedNames: orderedNames(names),
  };
}

const sameDefinition = (a: ResourceDefinition, b: ResourceDefinition): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

/**
 * Starts the CRD controllers on `cluster`: every stored CustomResourceDefinition (created over
 * HTTP or the programmatic API) is served at once — its resource registered or redefined in the
 * same turn as the write, so the next request finds it — and, in a microtask, gets the
 * `NamesAccepted` and `Established` conditions and `acceptedNames` (written to `/status` by
 * manager `kube-apiserver`). When a definition is deleted its resource is unregistered and its
 * objects removed (one DELETED event each). Returns a function that stops the controllers.
 *
 * Differs from kube-apiserver: a definition is removed at once and its objects after it (a real
 * server adds the `customresourcecleanup.apiextensions.k8s.io` finalizer, sets `Terminating`,
 * deletes the objects — waiting for their finalizers — and only then the definition); names are
 * not checked against other definitions' (NamesAccepted is always True); only the storage
 * version is served.
 */
export function startCrdController(cluster: Cluster): () => void {
  let stopped = false;
  const served = new Map<string, string>(); // CRD uid → resource id it serves
  const pending = new Set<string>(); // CRD names whose status is to be written
  let scheduled = false;

  const writeStatus = (): void => {
    scheduled = false;
    if (stopped) return;
    const store = cluster.find(CRD_RESOURCE_ID);
    for (const name of [...pending]) {
      pending.delete(name);
      const crd = store?.items.get(name)?.obj;
      if (store === undefined || crd === undefined || crd.metadata?.deletionTimestamp) continue;
      const status = establishedStatus(crd, (crd as PlainObject).status);
      if (JSON.stringify(status) === JSON.stringify((crd as PlainObject).status)) continue;
      cluster.update(store, { ...crd, status } as KubeObject, undefined, {
        subresource: 'status',
        fieldManager: 'kube-apiserver',
      });
    }
  };

  // Removing objects commits changes: never inside a listener, so every listener sees the
  // definition's change before its objects' deletions. A resource a definition serves again by
  // then (deleted and re-created in one turn) loses its objects but stays served.
  const unserve = (id: string): void =>
    queueMicrotask(() => {
      if (stopped) return;
      const def = cluster.find(id)?.def;
      cluster.unregister(id);
      if (def !== undefined && [...served.values()].includes(id)) cluster.register(def);
    });

  const observe = (ev: ChangeEvent): void => {
    if (ev.resource !== CRD_RESOURCE_ID || stopped) return;
    const crd = ev.entry.obj;
    const uid = ev.entry.uid;
    if (ev.type === 'DELETED') {
      const id = served.get(uid);
      served.delete(uid);
      if (id !== undefined) unserve(id);
      return;
    }
    const def = resourceOfCrd(crd);
    if (def === undefined) return;
    const id = resourceId(def);
    const was = served.get(uid);
    served.set(uid, id);
    if (was !== undefined && was !== id) unserve(was);
    const existing = cluster.find(id);
    if (existing === undefined) cluster.register(def);
    else if (!sameDefinition(existing.def, def)) existing.def = def;
    const status = objectOf((crd as PlainObject).status);
    if (
      JSON.stringify(status.acceptedNames) !==
        JSON.stringify(orderedNames(specOf(crd).names ?? {})) ||
      !JSON.stringify(status.conditions ?? []).includes('"Established"')
    ) {
      pending.add(crd.metadata?.name ?? '');
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(writeStatus);
      }
    }
  };

  const unsubscribe = cluster.onChange(observe);
  return () => {
    stopped = true;
    unsubscribe();
  };
}
