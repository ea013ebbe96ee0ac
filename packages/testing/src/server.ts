// The in-process Kubernetes API server: real HTTP(S) on 127.0.0.1, the list/watch protocol of
// kube-apiserver (resource versions, chunked lists with continue tokens, watch resume, bookmarks,
// WatchList with the initial-events-end bookmark, 410 and 504 answers), discovery, CRUD, and fault
// injection for tests. Reference: client-go tools/cache/testing/fake_controller_source.go (what a
// fake source must do) and the Kubernetes API concepts (resource versions, watch, chunking).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject, Status } from '@kubecache/core';
import {
  builtinResources,
  Cluster,
  keyOf,
  resourceId,
  type ChangeEvent,
  type Entry,
  type ResourceDefinition,
  type ResourceStore,
} from './cluster.js';
import { compileFilter, type ObjectFilter } from './selectors.js';
import {
  badRequest,
  expired,
  failure,
  invalid,
  isServerApiError,
  notFound,
  ServerApiError,
  tooLargeResourceVersion,
} from './status.js';
import { testCaPem, testServerCertPem, testServerKeyPem } from './tls-fixture.js';

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
  /** Serve HTTPS with the public test certificate (CA in the kubeconfig). Default: false. */
  tls?: boolean;
  /** Require `Authorization: Bearer <token>`; otherwise 401. Default: no auth. */
  token?: string;
  /** Interval of BOOKMARK events on watches that allow them, in ms. Default: 1000. */
  bookmarkIntervalMs?: number;
  /** Events kept for watch resume and consistent paging; older revisions answer 410. Default: 10000. */
  historySize?: number;
  /** Extra resources (e.g. CRDs) besides pods, configmaps, namespaces and nodes. */
  resources?: ResourceDefinition[];
  /** Port; default 0 (a free port). */
  port?: number;
}

/** Verbs recorded in the request log. */
export type RequestVerb =
  | 'list'
  | 'watch'
  | 'get'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection'
  | 'discovery';

/** One logged request. */
export interface RequestRecord {
  verb: RequestVerb;
  /** Resource id (`pods`, `widgets.example.com`), `''` for discovery. */
  resource: string;
  path: string;
  query: Record<string, string>;
  /** HTTP status sent (for watches: the status of the response head). */
  status: number;
}

/** The request log. */
export interface RequestLog {
  /** Every request since start or the last `clear()`. */
  readonly entries: readonly RequestRecord[];
  /** Number of requests matching `filter`. */
  count(filter?: { verb?: RequestVerb; resource?: string }): number;
  /** Forgets every record. */
  clear(): void;
}

/** A canned answer for the next matching requests. */
export interface InjectedResponse {
  /** HTTP status, e.g. 429, 500, 503, 410. */
  status: number;
  /** Sent as the Retry-After header and in the Status details. */
  retryAfterSeconds?: number;
  /** Only requests of this verb are answered (default: list and watch). */
  verb?: RequestVerb;
  /** Only requests for this resource id (default: any). */
  resource?: string;
  /** A raw body to send instead of a Status object (e.g. an HTML error page or a truncated JSON). */
  body?: string;
  /** Content-Type of `body`. Default: `application/json`. */
  contentType?: string;
}

/**
 * Fault injection. Every switch applies to the server as a whole; "watches" means the watch
 * streams open at the time of the call unless stated otherwise.
 */
export interface Faults {
  /** Destroys the sockets of open watches (connection reset mid-stream). */
  resetWatches(): void;
  /** Ends open watches cleanly (as a server-side timeout would). */
  endWatches(): void;
  /** Stops writing to open watches while keeping their sockets open (a half-open stall). Events they miss stay in history. */
  stallWatches(): void;
  /** Makes the next `count` watches send headers and then nothing at all (headers, then stall). */
  stallNextWatches(count: number): void;
  /** Writes `data` verbatim to every open watch (malformed or truncated lines, invalid UTF-8 bytes). */
  writeRawToWatches(data: string | Buffer): void;
  /** Sends an ERROR event with a 410 Expired Status to open watches and ends them. */
  expireWatches(): void;
  /** Answers the next `count` matching requests with `response`. */
  nextResponses(count: number, response: InjectedResponse): void;
  /** The next `count` watches end right after their headers (very short watches). */
  shortWatches(count: number): void;
  /** While on, new events are not delivered to watches that are open now or later (events hidden from watchers); history keeps them. */
  hideEventsFromWatchers(on: boolean): void;
  /** Drops the next `count` events for every watcher (never delivered; history keeps them). */
  dropEventsForWatchers(count: number): void;
  /** While on, WatchList streams omit the `k8s.io/initial-events-end` bookmark. */
  omitInitialEventsEnd(on: boolean): void;
  /** The next `count` lists are served as of revision `rv` (a stale cache read), if still in history. */
  staleLists(count: number, rv: number): void;
  /** The next list is served as of revision `rv` (shorthand for `staleLists(1, rv)`). */
  staleList(rv: number): void;
  /** Takes the server down: closes the listener and every connection; new connections are refused. */
  down(): Promise<void>;
  /** Brings the server back on the same port. */
  up(): Promise<void>;
}

/** A running in-process API server. */
export interface ApiServer {
  /** Base URL, e.g. `http://127.0.0.1:34567`. */
  readonly url: string;
  /** A @kubernetes/client-node KubeConfig pointing at this server (CA and token included). */
  readonly kubeConfig: KubeConfig;
  /** The same configuration as kubeconfig YAML. */
  kubeConfigYaml(): string;
  /** Creates an object (server-set fields filled in); returns the stored object. */
  create(resource: string, obj: KubeObject, options?: { namespace?: string }): KubeObject;
  /** Replaces an object; a non-empty `metadata.resourceVersion` is a precondition (409 on mismatch). */
  update(resource: string, obj: KubeObject): KubeObject;
  /** Applies a JSON merge patch. */
  patch(resource: string, namespace: string | undefined, name: string, patch: unknown): KubeObject;
  /** Deletes an object; returns its final state (at the deletion's resource version). */
  delete(resource: string, namespace: string | undefined, name: string): KubeObject;
  /** The object, or undefined. */
  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined;
  /** Current objects and revision. */
  list(
    resource: string,
    options?: { namespace?: string },
  ): { items: KubeObject[]; resourceVersion: string };
  /** The current global resource version. */
  resourceVersion(): string;
  /** Compacts history up to `rv` (default: now): older resource versions and continue tokens answer 410. */
  compact(rv?: number): void;
  /** Registers a resource (a CRD). */
  registerResource(def: ResourceDefinition): void;
  /** Fault injection. */
  readonly faults: Faults;
  /** The request log. */
  readonly requests: RequestLog;
  /** Number of watch streams open now. */
  openWatches(): number;
  /** Stops the server and closes every connection. */
  close(): Promise<void>;
}

interface Watcher {
  res: ServerResponse;
  resource: string;
  namespace: string | undefined;
  filter: ObjectFilter;
  metaOnly: boolean;
  stalled: boolean;
  /** Events with rv ≤ this were already sent (replay) — live events at or below are skipped. */
  sentUpTo: number;
  bookmarkTimer: NodeJS.Timeout | undefined;
  timeoutTimer: NodeJS.Timeout | undefined;
  close(): void;
}

interface ParsedPath {
  kind: 'discovery' | 'collection' | 'item';
  resource?: ResourceStore;
  namespace?: string;
  name?: string;
  discovery?: unknown;
}

const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

/** The apiVersion of a resource's objects (`v1`, `example.com/v1`). */
function apiVersionOf(r: ResourceStore): string {
  return r.def.group === '' ? r.def.version : `${r.def.group}/${r.def.version}`;
}

/** Index of the first key ≥ `k` in sorted `keys`. */
function lowerBound(keys: readonly string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first key > `k` in sorted `keys`. */
function upperBound(keys: readonly string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The smallest string greater than every string that starts with `prefix` (`"ns/"` → `"ns0"`). */
function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** Starts an in-process API server on 127.0.0.1. */
export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const cluster = new Cluster({
    historySize: options.historySize ?? 10_000,
    resources: [...builtinResources, ...(options.resources ?? [])],
  });
  const bookmarkIntervalMs = options.bookmarkIntervalMs ?? 1000;
  const watchers = new Set<Watcher>();
  const sockets = new Set<Socket>();
  const log: RequestRecord[] = [];
  const injected: (InjectedResponse & { remaining: number })[] = [];
  let shortWatchesLeft = 0;
  let stallNextLeft = 0;
  let hideEvents = false;
  let dropEvents = 0;
  let omitEnd = false;
  let stale: { remaining: number; rv: number } | undefined;
  let isDown = false;

  // ---- watch fan-out --------------------------------------------------------------------------

  const eventLine = (type: string, entry: Entry, metaOnly: boolean): string =>
    metaOnly
      ? `{"type":"${type}","object":${entry.metaJson()}}\n`
      : `{"type":"${type}","object":${entry.json}}\n`;

  /** What a watcher with a filter sees of a change: selector transitions become ADDED/DELETED. */
  const visibleType = (
    w: Watcher,
    ev: ChangeEvent,
  ): 'ADDED' | 'MODIFIED' | 'DELETED' | undefined => {
    const nsOk = (e: Entry | undefined): boolean =>
      e !== undefined &&
      (w.namespace === undefined || (e.view.metadata?.namespace ?? '') === w.namespace);
    const match = (e: Entry | undefined): boolean =>
      nsOk(e) && (w.filter === undefined || w.filter(e!.view));
    if (ev.type === 'ADDED') return match(ev.entry) ? 'ADDED' : undefined;
    if (ev.type === 'DELETED') return match(ev.prev) || match(ev.entry) ? 'DELETED' : undefined;
    const was = match(ev.prev);
    const is = match(ev.entry);
    if (was && is) return 'MODIFIED';
    if (is) return 'ADDED';
    if (was) return 'DELETED';
    return undefined;
  };

  /**
   * Writes what watcher `w` sees of `ev`. `lines` caches the serialised lines of one event so that
   * every watcher of a live event shares one string per (type, projection) instead of building its own.
   */
  const sendEvent = (w: Watcher, ev: ChangeEvent, lines?: Map<string, string>): void => {
    const type = visibleType(w, ev);
    if (type === undefined) return;
    const cacheKey = w.metaOnly ? `m${type}` : type;
    let line = lines?.get(cacheKey);
    if (line === undefined) {
      line = eventLine(type, ev.entry, w.metaOnly);
      lines?.set(cacheKey, line);
    }
    w.res.write(line);
  };

  cluster.onChange((ev) => {
    if (hideEvents) return;
    if (dropEvents > 0) {
      dropEvents--;
      return;
    }
    const lines = new Map<string, string>();
    for (const w of watchers) {
      if (w.resource !== ev.resource || w.stalled || ev.rv <= w.sentUpTo) continue;
      sendEvent(w, ev, lines);
    }
  });

  // ---- helpers ----------------------------------------------------------------------------------

  const sendJson = (
    res: ServerResponse,
    code: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void => {
    const text = JSON.stringify(body);
    res.writeHead(code, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };

  const sendStatus = (
    res: ServerResponse,
    status: Status,
    headers: Record<string, string> = {},
  ): void => {
    const retry = status.details?.retryAfterSeconds;
    sendJson(
      res,
      status.code ?? 500,
      status,
      retry !== undefined ? { 'Retry-After': String(retry), ...headers } : headers,
    );
  };

  const discoveryFor = (group: string, version: string): unknown => ({
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources: cluster
      .all()
      .filter((r) => r.def.group === group && r.def.version === version)
      .map((r) => ({
        name: r.def.resource,
        singularName: r.def.singular ?? r.def.kind.toLowerCase(),
        namespaced: r.def.namespaced,
        kind: r.def.kind,
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      })),
  });

  const parsePath = (pathname: string): ParsedPath => {
    const seg = pathname
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
    if (seg[0] === 'api') {
      if (seg.length === 1)
        return {
          kind: 'discovery',
          discovery: { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
        };
      if (seg.length === 2) return { kind: 'discovery', discovery: discoveryFor('', seg[1]!) };
      return parseResourcePath('', seg[1]!, seg.slice(2));
    }
    if (seg[0] === 'apis') {
      if (seg.length === 1) {
        const groups = new Map<string, Set<string>>();
        for (const r of cluster.all()) {
          if (r.def.group === '') continue;
          let set = groups.get(r.def.group);
          if (!set) groups.set(r.def.group, (set = new Set()));
          set.add(r.def.version);
        }
        return {
          kind: 'discovery',
          discovery: {
            kind: 'APIGroupList',
            apiVersion: 'v1',
            groups: [...groups].map(([name, versions]) => ({
              name,
              versions: [...versions].map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
              preferredVersion: {
                groupVersion: `${name}/${[...versions][0]!}`,
                version: [...versions][0],
              },
            })),
          },
        };
      }
      if (seg.length === 3) return { kind: 'discovery', discovery: discoveryFor(seg[1]!, seg[2]!) };
      if (seg.length >= 4) return parseResourcePath(seg[1]!, seg[2]!, seg.slice(3));
    }
    throw notFound('path', pathname);
  };

  const findResource = (group: string, version: string, resource: string): ResourceStore => {
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
  };

  const parseResourcePath = (group: string, version: string, rest: string[]): ParsedPath => {
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const r = findResource(group, version, rest[2]!);
      if (!r.def.namespaced) throw notFound('path', rest.join('/'));
      if (rest.length === 3) return { kind: 'collection', resource: r, namespace: rest[1]! };
      if (rest.length === 4)
        return { kind: 'item', resource: r, namespace: rest[1]!, name: rest[3]! };
      throw notFound('path', rest.join('/'));
    }
    const r = findResource(group, version, rest[0]!);
    if (rest.length === 1) return { kind: 'collection', resource: r };
    if (rest.length === 2 && !r.def.namespaced)
      return { kind: 'item', resource: r, name: rest[1]! };
    throw notFound('path', rest.join('/'));
  };

  const readBody = (req: IncomingMessage): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', reject);
      req.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          reject(badRequest('request body is not valid JSON'));
        }
      });
    });

  const parseRv = (value: string | null): number | undefined => {
    if (value === null || value === '') return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw badRequest(`invalid resource version: ${JSON.stringify(value)}`);
    return n;
  };

  // ---- LIST -------------------------------------------------------------------------------------

  const encodeContinue = (rv: number, start: string): string =>
    Buffer.from(JSON.stringify({ v: 'kubecache/testing', rv, start })).toString('base64url');

  const decodeContinue = (token: string): { rv: number; start: string } => {
    try {
      const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
        rv?: unknown;
        start?: unknown;
      };
      if (typeof t.rv === 'number' && typeof t.start === 'string')
        return { rv: t.rv, start: t.start };
    } catch {
      // fall through
    }
    throw badRequest('continue key is not valid: malformed token');
  };

  /** Sorted-key snapshots of past revisions, reused by the pages of one paginated list. */
  const snapshots = new Map<
    string,
    { state: ReadonlyMap<string, Entry>; keys: readonly string[] }
  >();
  const snapshotAt = (
    r: ResourceStore,
    at: number,
  ): { state: ReadonlyMap<string, Entry>; keys: readonly string[] } => {
    const id = `${r.id}@${at}`;
    const cached = snapshots.get(id);
    // A past revision's state never changes, but it may have been compacted away meanwhile.
    if (cached !== undefined && at >= cluster.compactedRv) return cached;
    const state = cluster.stateAt(r, at);
    if (state === r.items) return { state, keys: r.sortedKeys() };
    let snap = cached;
    if (snap === undefined) {
      snap = { state, keys: [...state.keys()].sort() };
      snapshots.set(id, snap);
      // Keep a few: concurrent paginated lists at different revisions.
      if (snapshots.size > 4) snapshots.delete(snapshots.keys().next().value!);
    }
    return snap;
  };

  const handleList = async (
    res: ServerResponse,
    r: ResourceStore,
    namespace: string | undefined,
    q: URLSearchParams,
    metaOnly: boolean,
  ): Promise<void> => {
    const filter = compileFilter(r.def.resource, q.get('labelSelector'), q.get('fieldSelector'));
    const limit = Number(q.get('limit') ?? '0') || 0;
    const token = q.get('continue');
    const rvParam = parseRv(q.get('resourceVersion'));
    const match = q.get('resourceVersionMatch');
    let at: number;
    let start = '';
    if (token) {
      if (rvParam !== undefined && q.get('resourceVersion') !== '0')
        throw badRequest('specifying resource version is not allowed when using continue');
      const t = decodeContinue(token);
      if (t.rv < cluster.compactedRv) {
        throw expired(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
      }
      at = t.rv;
      start = t.start;
    } else if (match === 'Exact') {
      if (rvParam === undefined)
        throw badRequest('resourceVersionMatch=Exact requires a resourceVersion');
      at = rvParam;
    } else {
      if (rvParam !== undefined && rvParam > cluster.currentRv())
        throw tooLargeResourceVersion(rvParam, cluster.currentRv());
      at = cluster.currentRv();
    }
    if (stale && stale.remaining > 0 && !token) {
      stale.remaining--;
      if (stale.rv >= cluster.compactedRv && stale.rv <= cluster.currentRv()) at = stale.rv;
    }
    const { state, keys } = snapshotAt(r, at);
    const nsPrefix = namespace !== undefined ? `${namespace}/` : undefined;
    // The namespace's keys are one contiguous range of the sorted keys.
    let i = Math.max(
      start !== '' ? upperBound(keys, start) : 0,
      nsPrefix !== undefined ? lowerBound(keys, nsPrefix) : 0,
    );
    const end = nsPrefix !== undefined ? lowerBound(keys, prefixEnd(nsPrefix)) : keys.length;
    const pieces: string[] = [];
    let count = 0;
    let lastKey = '';
    for (; i < end; i++) {
      const key = keys[i]!;
      const e = state.get(key)!;
      if (filter && !filter(e.view)) continue;
      if (limit > 0 && count === limit) break;
      pieces.push(metaOnly ? e.metaJson() : e.json);
      count++;
      lastKey = key;
    }
    let more = false;
    let remaining = 0;
    if (limit > 0 && i < end) {
      if (filter) {
        // kube-apiserver omits remainingItemCount with selectors: only find out whether more exist.
        for (let j = i; j < end && !more; j++) more = filter(state.get(keys[j]!)!.view);
      } else {
        more = true;
        remaining = end - i;
      }
    }
    const listMeta: Record<string, unknown> = { resourceVersion: String(at) };
    if (more) {
      listMeta.continue = encodeContinue(at, lastKey);
      if (!filter) listMeta.remainingItemCount = remaining;
    }
    const kind = metaOnly ? 'PartialObjectMetadataList' : `${r.def.kind}List`;
    const apiVersion = metaOnly ? 'meta.k8s.io/v1' : apiVersionOf(r);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write(
      `{"kind":"${kind}","apiVersion":"${apiVersion}","metadata":${JSON.stringify(listMeta)},"items":[`,
    );
    // Stream the items in slices, never one giant string, and respect backpressure so that an
    // unpaginated list of 100k pods is not buffered whole in the socket.
    const slice = 256;
    for (let k = 0; k < pieces.length; k += slice) {
      const ok = res.write((k === 0 ? '' : ',') + pieces.slice(k, k + slice).join(','));
      if (!ok) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
        if (res.destroyed) return;
      }
    }
    res.end(']}');
  };

  // ---- WATCH ------------------------------------------------------------------------------------

  const handleWatch = (
    req: IncomingMessage,
    res: ServerResponse,
    r: ResourceStore,
    namespace: string | undefined,
    q: URLSearchParams,
    metaOnly: boolean,
  ): void => {
    const filter = compileFilter(r.def.resource, q.get('labelSelector'), q.get('fieldSelector'));
    const rvText = q.get('resourceVersion');
    const rv = parseRv(rvText);
    const bookmarks =
      q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1';
    const sendInitial = q.get('sendInitialEvents') === 'true';
    const timeoutSeconds = Number(q.get('timeoutSeconds') ?? '0') || 0;
    if (sendInitial) {
      if (q.get('resourceVersionMatch') !== 'NotOlderThan') {
        throw invalid(r.id, '', [
          {
            reason: 'FieldValueInvalid',
            field: 'resourceVersionMatch',
            message: 'sendInitialEvents requires resourceVersionMatch=NotOlderThan',
          },
        ]);
      }
      if (!bookmarks) {
        throw invalid(r.id, '', [
          {
            reason: 'FieldValueInvalid',
            field: 'allowWatchBookmarks',
            message: 'sendInitialEvents requires allowWatchBookmarks=true',
          },
        ]);
      }
    }
    if (rv !== undefined && rv > cluster.currentRv())
      throw tooLargeResourceVersion(rv, cluster.currentRv());
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    if (shortWatchesLeft > 0) {
      shortWatchesLeft--;
      res.end();
      return;
    }
    const w: Watcher = {
      res,
      resource: r.id,
      namespace,
      filter,
      metaOnly,
      stalled: false,
      sentUpTo: cluster.currentRv(),
      bookmarkTimer: undefined,
      timeoutTimer: undefined,
      close() {
        if (!watchers.delete(w)) return;
        clearInterval(w.bookmarkTimer);
        clearTimeout(w.timeoutTimer);
      },
    };
    if (stallNextLeft > 0) {
      stallNextLeft--;
      w.stalled = true;
    }
    const inNs = (e: Entry): boolean =>
      namespace === undefined || (e.view.metadata?.namespace ?? '') === namespace;
    const snapshot = (): void => {
      for (const key of r.sortedKeys()) {
        const e = r.items.get(key)!;
        if (!inNs(e) || (filter && !filter(e.view))) continue;
        res.write(eventLine('ADDED', e, metaOnly));
      }
    };
    if (!w.stalled) {
      if (sendInitial) {
        snapshot();
        if (!omitEnd) {
          res.write(
            `{"type":"BOOKMARK","object":${JSON.stringify({ kind: r.def.kind, apiVersion: apiVersionOf(r), metadata: { resourceVersion: String(cluster.currentRv()), annotations: { [INITIAL_EVENTS_END]: 'true' } } })}}\n`,
          );
        }
      } else if (rv === undefined || rv === 0) {
        snapshot();
      } else {
        let events: ChangeEvent[];
        try {
          events = cluster.eventsAfter(r.id, rv);
        } catch (err) {
          if (isServerApiError(err)) {
            res.end(`{"type":"ERROR","object":${JSON.stringify(err.status)}}\n`);
            return;
          }
          throw err;
        }
        for (const ev of events) sendEvent(w, ev);
      }
    }
    watchers.add(w);
    if (bookmarks) {
      w.bookmarkTimer = setInterval(() => {
        if (w.stalled) return;
        res.write(
          `{"type":"BOOKMARK","object":{"kind":"${r.def.kind}","apiVersion":"${apiVersionOf(r)}","metadata":{"resourceVersion":"${cluster.currentRv()}"}}}\n`,
        );
      }, bookmarkIntervalMs);
    }
    if (timeoutSeconds > 0) {
      w.timeoutTimer = setTimeout(() => {
        w.close();
        res.end();
      }, timeoutSeconds * 1000);
    }
    const onGone = (): void => w.close();
    req.on('close', onGone);
    res.on('close', onGone);
    res.on('error', onGone);
  };

  // ---- request handling -------------------------------------------------------------------------

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const q = url.searchParams;
    const record: RequestRecord = {
      verb: 'get',
      resource: '',
      path: url.pathname,
      query: Object.fromEntries(q),
      status: 200,
    };
    res.on('finish', () => undefined);
    const reply = (status: Status, headers?: Record<string, string>): void => {
      record.status = status.code ?? 500;
      sendStatus(res, status, headers);
    };
    try {
      if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
        log.push(record);
        reply(failure(401, 'Unauthorized', 'Unauthorized'));
        return;
      }
      const parsed = parsePath(url.pathname);
      const isWatch = q.get('watch') === '1' || q.get('watch') === 'true';
      const method = req.method ?? 'GET';
      record.resource = parsed.resource?.id ?? '';
      record.verb =
        parsed.kind === 'discovery'
          ? 'discovery'
          : method === 'GET'
            ? parsed.kind === 'collection'
              ? isWatch
                ? 'watch'
                : 'list'
              : 'get'
            : method === 'POST'
              ? 'create'
              : method === 'PUT'
                ? 'update'
                : method === 'PATCH'
                  ? 'patch'
                  : parsed.kind === 'collection'
                    ? 'deletecollection'
                    : 'delete';
      log.push(record);
      const inj = injected.find(
        (x) =>
          x.remaining > 0 &&
          (x.verb === undefined
            ? record.verb === 'list' || record.verb === 'watch'
            : x.verb === record.verb) &&
          (x.resource === undefined || x.resource === record.resource),
      );
      if (inj) {
        inj.remaining--;
        if (inj.remaining === 0) injected.splice(injected.indexOf(inj), 1);
        record.status = inj.status;
        if (inj.body !== undefined) {
          res.writeHead(inj.status, {
            'Content-Type': inj.contentType ?? 'application/json',
            ...(inj.retryAfterSeconds !== undefined
              ? { 'Retry-After': String(inj.retryAfterSeconds) }
              : {}),
          });
          res.end(inj.body);
          return;
        }
        const reason =
          (
            {
              410: 'Expired',
              429: 'TooManyRequests',
              500: 'InternalError',
              503: 'ServiceUnavailable',
              504: 'Timeout',
              403: 'Forbidden',
            } as Record<number, string>
          )[inj.status] ?? 'Unknown';
        reply(
          failure(
            inj.status,
            reason,
            `injected ${inj.status} ${reason}`,
            inj.retryAfterSeconds !== undefined
              ? { retryAfterSeconds: inj.retryAfterSeconds }
              : undefined,
          ),
        );
        return;
      }
      if (parsed.kind === 'discovery') {
        sendJson(res, 200, parsed.discovery);
        return;
      }
      const r = parsed.resource!;
      const accept = req.headers.accept ?? '';
      const metaOnly = /as=PartialObjectMetadata/.test(accept);
      if (method === 'GET' && parsed.kind === 'collection') {
        if (isWatch) handleWatch(req, res, r, parsed.namespace, q, metaOnly);
        else await handleList(res, r, parsed.namespace, q, metaOnly);
        return;
      }
      if (method === 'GET') {
        const e = r.items.get(keyOf(parsed.namespace, parsed.name!));
        if (!e) throw notFound(r.id, parsed.name!);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(metaOnly ? e.metaJson() : e.json);
        return;
      }
      if (method === 'POST' && parsed.kind === 'collection') {
        const body = (await readBody(req)) as KubeObject;
        const { entry: e } = cluster.create(r, body, parsed.namespace);
        record.status = 201;
        res.writeHead(201, { 'Content-Type': 'application/json' });
        res.end(e.json);
        return;
      }
      if (method === 'PUT' && parsed.kind === 'item') {
        const body = (await readBody(req)) as KubeObject;
        if (body.metadata?.name !== undefined && body.metadata.name !== parsed.name)
          throw badRequest('the name of the object does not match the name on the URL');
        const { entry: e } = cluster.update(
          r,
          { ...body, metadata: { ...body.metadata, name: parsed.name! } },
          parsed.namespace,
        );
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(e.json);
        return;
      }
      if (method === 'PATCH' && parsed.kind === 'item') {
        const ct = req.headers['content-type'] ?? '';
        if (!/merge-patch\+json|strategic-merge-patch\+json|json-patch\+json/.test(ct)) {
          throw new ServerApiError(
            failure(
              415,
              'UnsupportedMediaType',
              `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
            ),
          );
        }
        const { entry: e } = cluster.patch(r, parsed.namespace, parsed.name!, await readBody(req));
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(e.json);
        return;
      }
      if (method === 'DELETE' && parsed.kind === 'collection') {
        // deletecollection: every object matching the namespace and selectors, one DELETED each.
        const filter = compileFilter(
          r.def.resource,
          q.get('labelSelector'),
          q.get('fieldSelector'),
        );
        const deleted: string[] = [];
        for (const key of [...r.sortedKeys()]) {
          const e = r.items.get(key)!;
          const ns = e.view.metadata?.namespace;
          if (parsed.namespace !== undefined && ns !== parsed.namespace) continue;
          if (filter && !filter(e.view)) continue;
          deleted.push(cluster.delete(r, ns, e.view.metadata?.name ?? '').entry.json);
        }
        const body = `{"kind":"${r.def.kind}List","apiVersion":"${apiVersionOf(r)}","metadata":{"resourceVersion":"${cluster.currentRv()}"},"items":[${deleted.join(',')}]}`;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(body);
        return;
      }
      if (method === 'DELETE' && parsed.kind === 'item') {
        const { entry: e } = cluster.delete(r, parsed.namespace, parsed.name!);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(e.json);
        return;
      }
      throw new ServerApiError(failure(405, 'MethodNotAllowed', `method ${method} not allowed`));
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (isServerApiError(err)) reply(err.status);
      else reply(failure(500, 'InternalError', `internal error: ${String(err)}`));
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res);
  };
  const server = options.tls
    ? https.createServer({ cert: testServerCertPem, key: testServerKeyPem }, listener)
    : http.createServer(listener);
  server.keepAliveTimeout = 5_000; // Node's default; clients that never reuse connections (client-node 2.0) must not pile up sockets
  const trackSocket = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  server.on(options.tls ? 'secureConnection' : 'connection', trackSocket);
  server.on('clientError', (_err, socket) => socket.destroy());

  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const port = await listen(options.port ?? 0);
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  const closeAll = async (): Promise<void> => {
    for (const w of [...watchers]) w.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
    });
  };

  const kubeConfigYaml = (): string =>
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: kubecache-testing',
      '  cluster:',
      `    server: ${url}`,
      ...(options.tls
        ? [`    certificate-authority-data: ${Buffer.from(testCaPem).toString('base64')}`]
        : // client-node 2.x refuses plain http: servers unless insecure-skip-tls-verify is set.
          ['    insecure-skip-tls-verify: true']),
      'users:',
      '- name: kubecache-testing',
      options.token !== undefined ? `  user:\n    token: ${options.token}` : '  user: {}',
      'contexts:',
      '- name: kubecache-testing',
      '  context:',
      '    cluster: kubecache-testing',
      '    user: kubecache-testing',
      'current-context: kubecache-testing',
      '',
    ].join('\n');

  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kubeConfigYaml());

  const forEachWatcher = (fn: (w: Watcher) => void): void => {
    for (const w of [...watchers]) fn(w);
  };

  const faults: Faults = {
    resetWatches: () =>
      forEachWatcher((w) => {
        w.close();
        w.res.socket?.destroy();
      }),
    endWatches: () =>
      forEachWatcher((w) => {
        w.close();
        w.res.end();
      }),
    stallWatches: () => forEachWatcher((w) => (w.stalled = true)),
    stallNextWatches: (count) => (stallNextLeft = count),
    writeRawToWatches: (text) => forEachWatcher((w) => w.res.write(text)),
    expireWatches: () =>
      forEachWatcher((w) => {
        w.close();
        w.res.end(
          `{"type":"ERROR","object":${JSON.stringify(failure(410, 'Expired', `too old resource version: ${w.sentUpTo} (${cluster.currentRv()})`))}}\n`,
        );
      }),
    nextResponses: (count, response) => injected.push({ ...response, remaining: count }),
    shortWatches: (count) => (shortWatchesLeft = count),
    hideEventsFromWatchers: (on) => (hideEvents = on),
    dropEventsForWatchers: (count) => (dropEvents = count),
    omitInitialEventsEnd: (on) => (omitEnd = on),
    staleLists: (count, rv) => (stale = { remaining: count, rv }),
    staleList: (rv) => (stale = { remaining: 1, rv }),
    down: async () => {
      if (isDown) return;
      isDown = true;
      await closeAll();
    },
    up: async () => {
      if (!isDown) return;
      await listen(port);
      isDown = false;
    },
  };

  const store = (resource: string): ResourceStore => cluster.get(resource);

  return {
    url,
    kubeConfig,
    kubeConfigYaml,
    create: (resource, obj, opts) => cluster.create(store(resource), obj, opts?.namespace).obj,
    update: (resource, obj) => cluster.update(store(resource), obj, obj.metadata?.namespace).obj,
    patch: (resource, namespace, name, p) => cluster.patch(store(resource), namespace, name, p).obj,
    delete: (resource, namespace, name) => cluster.delete(store(resource), namespace, name).obj,
    get: (resource, namespace, name) =>
      store(resource).items.get(keyOf(store(resource).def.namespaced ? namespace : undefined, name))
        ?.obj,
    list: (resource, opts) => {
      const r = store(resource);
      const items: KubeObject[] = [];
      for (const e of r.items.values()) {
        if (opts?.namespace === undefined || e.view.metadata?.namespace === opts.namespace)
          items.push(e.obj);
      }
      return { items, resourceVersion: String(cluster.currentRv()) };
    },
    resourceVersion: () => String(cluster.currentRv()),
    compact: (rv) => cluster.compact(rv),
    registerResource: (def) => void cluster.register(def),
    faults,
    requests: {
      get entries() {
        return log;
      },
      count: (filter = {}) =>
        log.filter(
          (r) =>
            (filter.verb === undefined || r.verb === filter.verb) &&
            (filter.resource === undefined || r.resource === filter.resource),
        ).length,
      clear: () => void log.splice(0),
    },
    openWatches: () => watchers.size,
    close: async () => {
      if (isDown) return;
      isDown = true;
      await closeAll();
    },
  };
}
