// Writes over HTTP for the in-process API server: create (POST), update (PUT), patch (PATCH with
// merge, strategic-merge or JSON Patch bodies), delete and deletecollection. The storage rules
// (preconditions, generation, revisions) live in cluster.ts; this file maps requests onto them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '@kubecache/core';
import type { Cluster, DeleteOptions } from './cluster.js';
import { checkEventCreate } from './events.js';
import { servedByKubeApiserver } from './kind-strategies.js';
import type { ResourceStore } from './resources.js';
import { compileFilter } from './selectors.js';
import { badRequest, failure, ServerApiError } from './status.js';
import { apiVersionOf, readJsonBody, requireJsonBody, sendJsonText } from './wire.js';
import { parseYamlBody } from './yaml-body.js';

/** The target of a write: a collection (name undefined) or one object, or its `/status`. */
export interface WriteTarget {
  resource: ResourceStore;
  namespace: string | undefined;
  name: string | undefined;
  subresource?: 'status' | undefined;
}

/**
 * The manager a write is recorded under, as kube-apiserver's managerOrUserAgent derives it: the
 * `fieldManager` query parameter, else the User-Agent up to its first `/` (non-printable
 * characters dropped, at most 128 bytes) — `kubectl`, `node-fetch`, …
 */
export function managerOf(req: IncomingMessage, q: URLSearchParams): string {
  const given = q.get('fieldManager');
  if (given !== null && given !== '') return given;
  const ua = (req.headers['user-agent'] ?? '').split('/')[0] ?? '';
  let out = '';
  for (const ch of ua) {
    if (!/[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(ch)) continue;
    if (Buffer.byteLength(out + ch) > 128) break;
    out += ch;
  }
  return out;
}

/** How HTTP writes reach storage: the status-subresource rules apply, the field manager records. */
const writeOptions = (t: WriteTarget, req: IncomingMessage, q: URLSearchParams) => ({
  ...(t.subresource === 'status'
    ? { subresource: 'status' as const }
    : { enforceStatusSubresource: true }),
  fieldManager: managerOf(req, q),
});

/** A 422 for bad PatchOptions (ValidatePatchOptions), as kube-apiserver words it. */
function invalidPatchOptions(field: string, reason: string, message: string): ServerApiError {
  return new ServerApiError(
    failure(422, 'Invalid', `PatchOptions.meta.k8s.io "" is invalid: ${field}: ${message}`, {
      group: 'meta.k8s.io',
      kind: 'PatchOptions',
      causes: [{ reason, message, field }],
    }),
  );
}

/** Parses an apply body: YAML (JSON is YAML too); 400 as kube-apiserver when it does not decode. */
function readApplyBody(req: IncomingMessage): Promise<KubeObject> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      try {
        const v: unknown = parseYamlBody(Buffer.concat(chunks).toString('utf8'));
        if (v === null || typeof v !== 'object' || Array.isArray(v))
          throw new Error('the apply configuration is not an object');
        resolve(v);
      } catch (err) {
        reject(
          badRequest(`error decoding YAML: ${err instanceof Error ? err.message : String(err)}`),
        );
      }
    });
  });
}

/** POST on a collection: creates an object, 201 with the stored object. */
export async function serveCreate(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  t: WriteTarget,
  q: URLSearchParams,
): Promise<void> {
  // kubectl create sends protobuf for built-in kinds (client-go's generated clients always do).
  requireJsonBody(req, { builtin: servedByKubeApiserver(t.resource.def) });
  const body = (await readJsonBody(req)) as KubeObject;
  checkEventCreate(t.resource.id, body, t.namespace ?? body.metadata?.namespace ?? 'default');
  const { entry } = cluster.create(t.resource, body, t.namespace, writeOptions(t, req, q));
  sendJsonText(res, 201, entry.json);
}

/** PUT on an object: replaces it (the name in the body must match the URL). */
export async function serveUpdate(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  t: WriteTarget & { name: string },
  q: URLSearchParams,
): Promise<void> {
  requireJsonBody(req, { builtin: servedByKubeApiserver(t.resource.def) });
  const body = (await readJsonBody(req)) as KubeObject;
  if (body.metadata?.name !== undefined && body.metadata.name !== t.name)
    throw badRequest('the name of the object does not match the name on the URL');
  const { entry } = cluster.update(
    t.resource,
    { ...body, metadata: { ...body.metadata, name: t.name } },
    t.namespace,
    writeOptions(t, req, q),
  );
  sendJsonText(res, 200, entry.json);
}

/** PATCH on an object: merge, strategic-merge (schema-free, see strategicMergePatch) or JSON Patch. */
export async function servePatch(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  t: WriteTarget & { name: string },
  q: URLSearchParams,
): Promise<void> {
  const ct = req.headers['content-type'] ?? '';
  const force = q.get('force');
  if (/^application\/apply-patch\+(yaml|json)/.test(ct)) {
    const manager = q.get('fieldManager') ?? '';
    if (manager === '')
      throw invalidPatchOptions(
        'fieldManager',
        'FieldValueRequired',
        'Required value: is required for apply patch',
      );
    const config = await readApplyBody(req);
    const { entry, created } = cluster.apply(t.resource, t.namespace, t.name, config, {
      fieldManager: manager,
      force: force === 'true' || force === '1',
      ...(t.subresource === 'status' ? { subresource: 'status' as const } : {}),
    });
    sendJsonText(res, created ? 201 : 200, entry.json);
    return;
  }
  if (force !== null)
    throw invalidPatchOptions(
      'force',
      'FieldValueForbidden',
      'Forbidden: may not be specified for non-apply patch',
    );
  requireJsonBody(req);
  if (!/merge-patch\+json|strategic-merge-patch\+json|json-patch\+json/.test(ct)) {
    throw new ServerApiError(
      failure(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
      ),
    );
  }
  const { entry } = cluster.patch(t.resource, t.namespace, t.name, await readJsonBody(req), {
    ...writeOptions(t, req, q),
    strategic: /strategic-merge-patch\+json/.test(ct),
  });
  sendJsonText(res, 200, entry.json);
}

/** The DeleteOptions of a request: its JSON body (kubectl and client-node send one) and query. */
async function deleteOptionsOf(req: IncomingMessage, q: URLSearchParams): Promise<DeleteOptions> {
  requireJsonBody(req);
  const body = ((await readJsonBody(req, { optional: true })) ?? {}) as {
    propagationPolicy?: unknown;
    orphanDependents?: unknown;
    preconditions?: { uid?: unknown; resourceVersion?: unknown };
  };
  const policy = q.get('propagationPolicy') ?? body.propagationPolicy;
  const orphan = q.get('orphanDependents') ?? body.orphanDependents;
  const out: DeleteOptions = {};
  if (policy === 'Orphan' || policy === 'Background' || policy === 'Foreground')
    out.propagationPolicy = policy;
  else if (policy !== undefined && policy !== null)
    throw badRequest(`unsupported propagationPolicy ${JSON.stringify(policy)}`);
  else if (orphan === true || orphan === 'true') out.propagationPolicy = 'Orphan';
  const pre = body.preconditions;
  if (pre !== undefined) {
    out.preconditions = {
      ...(typeof pre.uid === 'string' ? { uid: pre.uid } : {}),
      ...(typeof pre.resourceVersion === 'string' ? { resourceVersion: pre.resourceVersion } : {}),
    };
  }
  return out;
}

/**
 * DELETE on an object: 200 with its final state — or, when finalizers keep it, with its state
 * carrying `deletionTimestamp` (DeleteOptions: propagationPolicy, orphanDependents, preconditions).
 */
export async function serveDelete(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  t: WriteTarget & { name: string },
  q: URLSearchParams,
): Promise<void> {
  const options = await deleteOptionsOf(req, q);
  const { entry } = cluster.delete(t.resource, t.namespace, t.name, options);
  sendJsonText(res, 200, entry.json);
}

/** DELETE on a collection: every object matching the namespace and selectors, one DELETED each. */
export async function serveDeleteCollection(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  t: WriteTarget,
  q: URLSearchParams,
): Promise<void> {
  const options = await deleteOptionsOf(req, q);
  const r = t.resource;
  const filter = compileFilter(r.def.resource, q.get('labelSelector'), q.get('fieldSelector'));
  const deleted: string[] = [];
  for (const key of [...r.sortedKeys()]) {
    const e = r.items.get(key)!;
    const ns = e.view.metadata?.namespace;
    if (t.namespace !== undefined && ns !== t.namespace) continue;
    if (filter && !filter(e.view)) continue;
    deleted.push(cluster.delete(r, ns, e.view.metadata?.name ?? '', options).entry.json);
  }
  sendJsonText(
    res,
    200,
    `{"kind":"${r.def.kind}List","apiVersion":"${apiVersionOf(r)}","metadata":{"resourceVersion":"${cluster.currentRv()}"},"items":[${deleted.join(',')}]}`,
  );
}
