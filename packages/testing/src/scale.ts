// The `/scale` subresource of the in-process API server: an autoscaling/v1 Scale view of an object
// (spec.replicas, status.replicas, status.selector as a string) that GET, PUT and PATCH read and
// write. Built-in Deployments follow kube-apiserver's ScaleREST (k8s.io/kubernetes
// pkg/registry/apps/deployment/storage/storage.go: scaleFromDeployment, scaleUpdatedObjectInfo);
// a registered resource with `scaleSubresource` paths follows the CRD handler's ScaleREST
// (k8s.io/apiextensions-apiserver pkg/registry/customresource/etcd.go: scaleFromCustomResource).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '@kubecache/core';
import type { Cluster } from './cluster.js';
import { jsonPatch, mergePatch, strategicMergePatch, type JsonPatchOp } from './patches.js';
import { keyOf, type ResourceStore } from './resources.js';

export type { ScaleSubresource } from './resources.js';
import { badRequest, conflict, failure, invalid, notFound, ServerApiError } from './status.js';
import { readJsonBody, requireJsonBody, sendJsonText } from './wire.js';
import { managerOf } from './writes.js';

/** The built-in kinds whose strategy serves `/scale`, and how their selector is shaped. */
const builtinScale: Record<string, 'labelSelector' | 'map'> = {
  'deployments.apps': 'labelSelector',
  'replicasets.apps': 'labelSelector',
  'statefulsets.apps': 'labelSelector',
  replicationcontrollers: 'map',
};

/** Whether resource `r` has a `/scale` subresource. */
export function hasScale(r: ResourceStore): boolean {
  return builtinScale[r.id] !== undefined || r.def.scaleSubresource !== undefined;
}

interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}

/**
 * A metav1.LabelSelector as `labels.Selector.String()` prints it after LabelSelectorAsSelector:
 * requirements sorted by key, `k=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`; `''` for none.
 */
export function labelSelectorString(
  sel: { matchLabels?: Record<string, string>; matchExpressions?: Requirement[] } | undefined,
): string {
  const reqs: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {}))
    reqs.push({ key: k, text: `${k}=${v}` });
  for (const e of sel?.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    const text =
      e.operator === 'In'
        ? `${e.key} in (${values})`
        : e.operator === 'NotIn'
          ? `${e.key} notin (${values})`
          : e.operator === 'Exists'
            ? e.key
            : `!${e.key}`;
    reqs.push({ key: e.key, text });
  }
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

const splitPath = (p: string): string[] => p.replace(/^\./, '').split('.');

function getPath(o: unknown, path: string): unknown {
  let cur = o;
  for (const k of splitPath(path)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function setPath(o: Record<string, unknown>, path: string, value: unknown): void {
  const keys = splitPath(path);
  let cur = o;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]!] = value;
}

const intOr = (v: unknown, fallback: number): number =>
  typeof v === 'number' && Number.isInteger(v) ? v : fallback;

/** The autoscaling/v1 Scale of `obj` (a stored object of `r`). */
export function scaleOf(r: ResourceStore, obj: KubeObject): KubeObject {
  const m = obj.metadata ?? {};
  const o = obj as KubeObject & {
    spec?: { replicas?: unknown; selector?: unknown };
    status?: { replicas?: unknown };
  };
  const shape = builtinScale[r.id];
  let spec: number;
  let status: number;
  let selector: string;
  if (shape !== undefined) {
    // Built-in kinds are defaulted to one replica when the field is unset.
    spec = intOr(o.spec?.replicas, 1);
    status = intOr(o.status?.replicas, 0);
    const sel = o.spec?.selector;
    selector =
      shape === 'map'
        ? labelSelectorString({ matchLabels: (sel ?? {}) as Record<string, string> })
        : labelSelectorString(sel as Parameters<typeof labelSelectorString>[0]);
  } else {
    const paths = r.def.scaleSubresource!;
    spec = intOr(getPath(obj, paths.specReplicasPath), 0);
    status = intOr(getPath(obj, paths.statusReplicasPath), 0);
    const s =
      paths.labelSelectorPath !== undefined ? getPath(obj, paths.labelSelectorPath) : undefined;
    selector = typeof s === 'string' ? s : '';
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    // autoscaling/v1 ScaleSpec.replicas is omitempty; ScaleStatus.replicas is not.
    spec: spec !== 0 ? { replicas: spec } : {},
    status: { replicas: status, ...(selector !== '' ? { selector } : {}) },
  } as KubeObject;
}

/** The target of a `/scale` request. */
export interface ScaleTarget {
  resource: ResourceStore;
  namespace: string | undefined;
  name: string;
}

function current(t: ScaleTarget): KubeObject {
  const e = t.resource.items.get(
    keyOf(t.resource.def.namespaced ? t.namespace : undefined, t.name),
  );
  if (!e) throw notFound(t.resource.id, t.name);
  return e.obj;
}

/**
 * Writes the replicas of `scale` into the object, as scaleUpdatedObjectInfo does: validates
 * (spec.replicas ≥ 0), checks a uid precondition, and updates the object with the scale's
 * resourceVersion as its precondition (empty: unconditional). Returns the new Scale.
 */
function writeScale(
  cluster: Cluster,
  t: ScaleTarget,
  scale: KubeObject,
  manager: string,
): KubeObject {
  const obj = current(t);
  const replicas = (scale as { spec?: { replicas?: unknown } }).spec?.replicas ?? 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas)) {
    throw badRequest(
      `Scale in version "v1" cannot be handled as a Scale: spec.replicas: expected an integer, got ${JSON.stringify(replicas)}`,
    );
  }
  if (replicas < 0) {
    throw invalid('Scale.autoscaling', t.name, [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.replicas',
        message: `Invalid value: ${replicas}: must be greater than or equal to 0`,
      },
    ]);
  }
  const uid = scale.metadata?.uid;
  if (uid !== undefined && uid !== '' && uid !== obj.metadata?.uid) {
    const qualified =
      t.resource.def.group === ''
        ? `${t.resource.def.resource}/scale`
        : `${t.resource.def.resource}/scale.${t.resource.def.group}`;
    throw new ServerApiError(
      failure(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${qualified} "${t.name}": Precondition failed: UID in precondition: ${uid}, UID in object meta: ${obj.metadata?.uid ?? ''}`,
        { name: t.name, kind: qualified },
      ),
    );
  }
  const next = obj as KubeObject & Record<string, unknown>;
  setPath(
    next,
    builtinScale[t.resource.id] !== undefined
      ? '.spec.replicas'
      : t.resource.def.scaleSubresource!.specReplicasPath,
    replicas,
  );
  next.metadata = { ...next.metadata, resourceVersion: scale.metadata?.resourceVersion ?? '' };
  const { obj: written } = cluster.update(t.resource, next, t.namespace, {
    enforceStatusSubresource: true,
    fieldManager: manager,
    fieldManagerSubresource: 'scale',
  });
  return scaleOf(t.resource, written);
}

/** Serves GET, PUT and PATCH on `…/<name>/scale`. */
export async function serveScale(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  t: ScaleTarget,
  method: string,
  q: URLSearchParams,
): Promise<void> {
  if (method === 'GET') {
    sendJsonText(res, 200, JSON.stringify(scaleOf(t.resource, current(t))));
    return;
  }
  if (method === 'PUT') {
    requireJsonBody(req);
    const body = (await readJsonBody(req)) as KubeObject;
    if (body.metadata?.name !== undefined && body.metadata.name !== t.name)
      throw badRequest('the name of the object does not match the name on the URL');
    sendJsonText(res, 200, JSON.stringify(writeScale(cluster, t, body, managerOf(req, q))));
    return;
  }
  if (method === 'PATCH') {
    const ct = req.headers['content-type'] ?? '';
    requireJsonBody(req);
    if (!/merge-patch\+json|strategic-merge-patch\+json|json-patch\+json/.test(ct)) {
      throw new ServerApiError(
        failure(
          415,
          'UnsupportedMediaType',
          'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json',
        ),
      );
    }
    const patch = await readJsonBody(req);
    const before = scaleOf(t.resource, current(t));
    const patched = (
      Array.isArray(patch)
        ? jsonPatch(before, patch as JsonPatchOp[])
        : /strategic/.test(ct)
          ? strategicMergePatch(before, patch)
          : mergePatch(before, patch)
    ) as KubeObject;
    // A resourceVersion the patch names is a precondition; otherwise the one just read.
    if (patched.metadata?.resourceVersion !== before.metadata?.resourceVersion)
      throw conflict(t.resource.id, t.name);
    sendJsonText(res, 200, JSON.stringify(writeScale(cluster, t, patched, managerOf(req, q))));
    return;
  }
  throw new ServerApiError(failure(405, 'MethodNotAllowed', `method ${method} not allowed`));
}
