// Routing of the in-process API server: maps a request path onto discovery, a collection or an
// object of a registered resource (core `/api/v1/...` and grouped `/apis/<g>/<v>/...`), checks the
// bearer token, records the request, applies injected answers, and dispatches to list, watch, get
// and the writes. Errors become metav1.Status answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cluster } from './cluster.js';
import { coreVersions, groupList, resourceList, versionInfo } from './discovery.js';
import { openApiV2Json, openApiV2Protobuf, openApiV3Document, openApiV3Root } from './openapi.js';
import { sendInjected, type FaultState } from './faults.js';
import type { ListServer, ResponseFormat } from './list.js';
import { includeObjectOf, renderTable, tableVersionOf } from './table.js';
import type { RecordingRequestLog, RequestRecord, RequestVerb } from './request-log.js';
import { keyOf, resourceId, type ResourceStore } from './resources.js';
import { hasScale, serveScale } from './scale.js';
import { failure, isServerApiError, notFound, ServerApiError } from './status.js';
import type { WatchHub } from './watch.js';
import { sendJson, sendJsonText, sendStatus } from './wire.js';
import {
  serveCreate,
  serveDelete,
  serveDeleteCollection,
  servePatch,
  serveUpdate,
} from './writes.js';

/** What a request path names. */
export type ParsedPath =
  | { kind: 'discovery'; discovery: unknown; protobuf?: Buffer }
  | { kind: 'collection'; resource: ResourceStore; namespace: string | undefined }
  | {
      kind: 'item';
      resource: ResourceStore;
      namespace: string | undefined;
      name: string;
      subresource: 'status' | 'scale' | undefined;
    };

/**
 * The `/status` or `/scale` suffix of an object path, for resources that have the subresource;
 * 404 otherwise.
 */
function subresourceOf(
  r: ResourceStore,
  rest: string[],
  at: number,
): 'status' | 'scale' | undefined {
  if (rest.length === at) return undefined;
  if (rest.length === at + 1 && rest[at] === 'status' && r.def.statusSubresource) return 'status';
  if (rest.length === at + 1 && rest[at] === 'scale' && hasScale(r)) return 'scale';
  throw notFound('path', rest.join('/'));
}

function findResource(
  cluster: Cluster,
  group: string,
  version: string,
  resource: string,
): ResourceStore {
  const r = cluster.find(resourceId({ group, resource }));
  if (!r || r.def.version !== version) {
    throw new ServerApiError(
      failure(
        404,
        'NotFound',
        `the server could not find the requested resource (${resource}${group ? `.${group}` : ''})`,
      ),
    );
  }
  return r;
}

function parseResourcePath(
  cluster: Cluster,
  group: string,
  version: string,
  rest: string[],
): ParsedPath {
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const r = findResource(cluster, group, version, rest[2]!);
    if (!r.def.namespaced) throw notFound('path', rest.join('/'));
    if (rest.length === 3) return { kind: 'collection', resource: r, namespace: rest[1]! };
    return {
      kind: 'item',
      resource: r,
      namespace: rest[1]!,
      name: rest[3]!,
      subresource: subresourceOf(r, rest, 4),
    };
  }
  const r = findResource(cluster, group, version, rest[0]!);
  if (rest.length === 1) return { kind: 'collection', resource: r, namespace: undefined };
  if (rest.length >= 2 && !r.def.namespaced)
    return {
      kind: 'item',
      resource: r,
      namespace: undefined,
      name: rest[1]!,
      subresource: subresourceOf(r, rest, 2),
    };
  throw notFound('path', rest.join('/'));
}

/** Parses a request path; 404 for anything the server does not serve. */
export function parsePath(cluster: Cluster, pathname: string): ParsedPath {
  const seg = pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  if (seg[0] === 'api') {
    if (seg.length === 1) return { kind: 'discovery', discovery: coreVersions() };
    if (seg.length === 2)
      return { kind: 'discovery', discovery: resourceList(cluster, '', seg[1]!) };
    return parseResourcePath(cluster, '', seg[1]!, seg.slice(2));
  }
  if (seg[0] === 'apis') {
    if (seg.length === 1) return { kind: 'discovery', discovery: groupList(cluster) };
    if (seg.length === 3)
      return { kind: 'discovery', discovery: resourceList(cluster, seg[1]!, seg[2]!) };
    if (seg.length >= 4) return parseResourcePath(cluster, seg[1]!, seg[2]!, seg.slice(3));
  }
  if (seg.length === 1 && seg[0] === 'version')
    return { kind: 'discovery', discovery: versionInfo() };
  if (seg[0] === 'openapi' && seg[1] === 'v2' && seg.length === 2)
    return { kind: 'discovery', discovery: openApiV2Json(), protobuf: openApiV2Protobuf() };
  if (seg[0] === 'openapi' && seg[1] === 'v3') {
    if (seg.length === 2) return { kind: 'discovery', discovery: openApiV3Root(cluster) };
    const doc = openApiV3Document(cluster, seg.slice(2).join('/'));
    if (doc !== undefined) return { kind: 'discovery', discovery: doc };
  }
  throw notFound('path', pathname);
}

/** The verb of a request, as kube-apiserver's request info names it. */
function verbOf(parsed: ParsedPath, method: string, isWatch: boolean): RequestVerb {
  if (parsed.kind === 'discovery') return 'discovery';
  const collection = parsed.kind === 'collection';
  switch (method) {
    case 'GET':
      return collection ? (isWatch ? 'watch' : 'list') : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    default:
      return collection ? 'deletecollection' : 'delete';
  }
}

/** What the request handler needs of the server. */
export interface RouterDeps {
  cluster: Cluster;
  faults: FaultState;
  lists: ListServer;
  watches: WatchHub;
  log: RecordingRequestLog;
  /** Required bearer token, if any. */
  token: string | undefined;
}

/** Creates the server's request handler. */
export function createRequestHandler(
  deps: RouterDeps,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { cluster, faults, lists, watches, log } = deps;
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const q = url.searchParams;
    const record: RequestRecord = {
      verb: 'get',
      resource: '',
      path: url.pathname,
      query: Object.fromEntries(q),
      status: 200,
    };
    try {
      if (deps.token !== undefined && req.headers.authorization !== `Bearer ${deps.token}`) {
        log.push(record);
        throw new ServerApiError(failure(401, 'Unauthorized', 'Unauthorized'));
      }
      const parsed = parsePath(cluster, url.pathname);
      const isWatch = q.get('watch') === '1' || q.get('watch') === 'true';
      const method = req.method ?? 'GET';
      record.resource = parsed.kind === 'discovery' ? '' : parsed.resource.id;
      record.verb = verbOf(parsed, method, isWatch);
      log.push(record);
      if (faults.takeStall(record.verb, record.resource)) {
        // A hung server: keep the socket open and never answer (closed with the server).
        record.status = 0;
        req.resume();
        return;
      }
      const delayMs = faults.latencyFor(record.verb, record.resource);
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (res.destroyed) return;
      const inj = faults.takeInjected(record.verb, record.resource);
      if (inj) {
        record.status = inj.status;
        sendInjected(res, inj);
        return;
      }
      if (parsed.kind === 'discovery') {
        if (parsed.protobuf !== undefined && /protobuf/.test(req.headers.accept ?? '')) {
          res.writeHead(200, {
            'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
            'Content-Length': parsed.protobuf.length,
          });
          res.end(parsed.protobuf);
        } else sendJson(res, 200, parsed.discovery);
        return;
      }
      await dispatch(req, res, parsed, method, q, isWatch);
      record.status = res.statusCode;
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status = isServerApiError(err)
        ? err.status
        : failure(500, 'InternalError', `internal error: ${String(err)}`);
      record.status = status.code ?? 500;
      sendStatus(res, status);
    }
  };

  async function dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    parsed: Exclude<ParsedPath, { kind: 'discovery' }>,
    method: string,
    q: URLSearchParams,
    isWatch: boolean,
  ): Promise<void> {
    const r = parsed.resource;
    const accept = req.headers.accept ?? '';
    const tableVersion = tableVersionOf(accept);
    const format: ResponseFormat =
      tableVersion !== undefined
        ? { kind: 'table', version: tableVersion, include: includeObjectOf(q) }
        : /as=PartialObjectMetadata/.test(accept)
          ? { kind: 'meta' }
          : { kind: 'json' };
    if (parsed.kind === 'collection') {
      if (method === 'GET') {
        if (isWatch) watches.serve(req, res, r, parsed.namespace, q, format);
        else await lists.serve(res, r, parsed.namespace, q, format);
        return;
      }
      if (method === 'POST')
        return serveCreate(cluster, req, res, { ...parsed, name: undefined }, q);
      if (method === 'DELETE')
        return serveDeleteCollection(cluster, req, res, { ...parsed, name: undefined }, q);
    } else {
      const subresource = parsed.subresource;
      if (subresource === 'scale') return serveScale(cluster, req, res, parsed, method, q);
      if (method === 'GET') {
        const e = r.items.get(keyOf(parsed.namespace, parsed.name));
        if (!e) throw notFound(r.id, parsed.name);
        if (format.kind === 'table') {
          const t = renderTable(
            r,
            [e],
            { resourceVersion: e.obj.metadata?.resourceVersion ?? '' },
            format.version,
            format.include,
          );
          sendJsonText(res, 200, `${t.head}${t.rows.join(',')}]}`);
        } else sendJsonText(res, 200, format.kind === 'meta' ? e.metaJson() : e.json);
        return;
      }
      if (method === 'PUT') return serveUpdate(cluster, req, res, { ...parsed, subresource }, q);
      if (method === 'PATCH') return servePatch(cluster, req, res, { ...parsed, subresource }, q);
      if (method === 'DELETE' && subresource === undefined)
        return serveDelete(cluster, req, res, { ...parsed, subresource }, q);
    }
    throw new ServerApiError(failure(405, 'MethodNotAllowed', `method ${method} not allowed`));
  }
}
