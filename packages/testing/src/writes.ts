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

/** The target of a write: a collection (name undefined) or one object, or its `/status`. */
export interface WriteTarget {
  resource: ResourceStore;
  namespace: string | undefined;
  name: string | undefined;
  subresource?: 'status' | undefined;
}

/** How HTTP writes reach storage: the status-subresource rules apply. */
const writeOptions = (t: WriteTarget) =>
  t.subresource === 'status'
    ? { subresource: 'status' as const }
    : { enforceStatusSubresource: true };

/** POST on a collection: creates an object, 201 with the stored object. */
export async function serveCreate(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  t: WriteTarget,
): Promise<void> {
  // kubectl create sends protobuf for built-in kinds (client-go's generated clients always do).
  requireJsonBody(req, { builtin: servedByKubeApiserver(t.resource.def) });
  const body = (await readJsonBody(req)) as KubeObject;
  checkEventCreate(t.resource.id, body, t.namespace ?? body.metadata?.namespace ?? 'default');
  const { entry } = cluster.create(t.resource, body, t.namespace, writeOptions(t));
  sendJsonText(res, 201, entry.json);
}

/** PUT on an object: replaces it (the name in the body must match the URL). */
export async function serveUpdate(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  t: WriteTarget & { name: string },
): Promise<void> {
  requireJsonBody(req, { builtin: servedByKubeApiserver(t.resource.def) });
  const body = (await readJsonBody(req)) as KubeObject;
  if (body.metadata?.name !== undefined && body.metadata.name !== t.name)
    throw badRequest('the name of the object does not match the name on the URL');
  const { entry } = cluster.update(
    t.resource,
    { ...body, metadata: { ...body.metadata, name: t.name } },
    t.namespace,
    writeOptions(t),
  );
  sendJsonText(res, 200, entry.json);
}

/** PATCH on an object: merge, strategic-merge (schema-free, see strategicMergePatch) or JSON Patch. */
export async function servePatch(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  t: WriteTarget & { name: string },
): Promise<void> {
  const ct = req.headers['content-type'] ?? '';
  if (/apply-patch/.test(ct)) {
    throw new ServerApiError(
      failure(
        415,
        'UnsupportedMediaType',
        `server-side apply (${ct.split(';')[0] ?? ct}) is not supported by the in-process API server (@kubecache/testing): use a merge patch (application/merge-patch+json), a strategic merge patch or a JSON patch, or client-side kubectl apply`,
      ),
    );
  }
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
    ...writeOptions(t),
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
