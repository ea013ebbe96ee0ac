// Port of k8s.io/client-go/tools/cache/listwatch.go (ListWatch, NewFilteredListWatchFromClient)
// over a @kubernetes/client-node KubeConfig, for any group/version/resource (core, grouped, CRDs)
// in one namespace or all, with the selectors applied to list and watch alike.
import type { IncomingMessage } from 'node:http';
import {
  createRateLimitedLogger,
  defaultLogger,
  flushLogger,
  gvrString,
  isAbortError,
  isResourceDef,
  realClock,
  type Clock,
  type KubeList,
  type KubeObject,
  type Logger,
  type ResourceDef,
} from '@kubecache/core';
import { isResponseDecodeError, isWatchIdleTimeoutError, ResponseDecodeError } from './errors.js';
import { createTransport, streamBody, type KubeConfigLike, type ReadBodyOptions } from './http.js';
import { createListDecoder } from './list-decoder.js';
import {
  createFieldsV1Sharing,
  type FieldsV1Sharing,
  type FieldsV1SharingOptions,
} from './shared-fields.js';
import {
  createStringInterner,
  type StringInterner,
  type StringInternerOptions,
} from './string-interner.js';
import type { ListerWatcher, ListOptions, WatchStream } from './types.js';
import { decodeWatchStream } from './watch-stream.js';
import { sendWithRetry, type RequestRetry } from './with-retry.js';

/** Options of {@link createListWatch}. */
export interface ListWatchOptions {
  /** API group; `''` for the core group (`/api/v1`). */
  group: string;
  /** API version, e.g. `v1`. */
  version: string;
  /** Plural resource name, e.g. `pods`, `deployments`, `widgets`. */
  resource: string;
  /** Restrict to one namespace. Default: all namespaces (and required unset for cluster-scoped). */
  namespace?: string;
  /** Label selector ANDed into every list and watch (e.g. `app=web,tier!=db`). Default: none. */
  labelSelector?: string;
  /** Field selector ANDed into every list and watch (e.g. `spec.nodeName=n1`). Default: none. */
  fieldSelector?: string;
  /**
   * Ask for `PartialObjectMetadata(List)` instead of full objects (client-go's metadata
   * informers): items then carry only `apiVersion`, `kind` and `metadata`. Default: false.
   */
  metadataOnly?: boolean;
  /** Expected `kind` of the items (e.g. `Pod`), exposed as `expectedKind`. Default: none. */
  kind?: string;
  /**
   * Where `kind` came from, exposed as `expectedKindSource` (named in the Reflector's kind-mismatch
   * error). Set by `createListWatch(kc, definition)` to `the defineResource definition of …`.
   * Default: none (the Reflector then says `the kind option`).
   */
  kindSource?: string;
  /**
   * End a request when no bytes arrive for this long, in ms: a watch with WatchIdleTimeoutError
   * (bookmarks count as bytes; time paused for a slow consumer does not), a list or a wait for
   * response headers the same way. 0 disables it.
   * Default: 330 000 (5.5 min); for a watch with `timeoutSeconds`, at least that timeout + 30 s,
   * so a quiet but healthy watch (no events, no bookmarks) is ended by the server first and only
   * a dead connection trips the timeout.
   */
  idleTimeoutMs?: number;
  /**
   * The largest single piece of JSON held while decoding, in bytes: a watch line above it ends
   * the watch with a WatchDecodeError; a list item (or top-level list member) above it fails the
   * list with a ResponseDecodeError. List bodies themselves have no size limit: they are decoded
   * item by item. Default: 64 MiB (67 108 864); API objects are limited to ~1.5 MB by etcd.
   */
  maxLineBytes?: number;
  /**
   * Decode each distinct `metadata.managedFields[].fieldsV1` value about once and give the
   * objects that carry the same JSON text one deep-frozen object (see `createFieldsV1Sharing`:
   * the first object with a text keeps its own frozen copy, the later ones share),
   * in lists and watches alike. Objects stay deep-equal to what the server sent; a write into a
   * fieldsV1 value throws a TypeError (strict mode). Pass `false` to decode every object whole
   * with `JSON.parse`, or options for the table. Default: true (about 4 MB of table at most).
   *
   * Differs from client-go: each Go object holds its own copy of the field set bytes.
   */
  shareFieldsV1?: boolean | FieldsV1SharingOptions;
  /**
   * Make equal string values (of 11 to 512 characters) of the decoded objects share one copy:
   * images, node and owner names, timestamps, mount paths, label values that many objects repeat
   * (see `createStringInterner`). Strings are values, so this cannot be observed: objects are
   * deep-equal to what the server sent and stay writable. Pass `false` to keep every string
   * `JSON.parse` made, options for the table, or an interner to share one table between several
   * ListWatches. Default: true (a table of at most 50,000 strings).
   *
   * Differs from client-go: each Go object holds its own copy of every string.
   */
  internStrings?: boolean | StringInternerOptions | StringInterner;
  /** Decoded watch events waiting for the consumer before the socket is paused. Default: 1000. */
  highWaterMark?: number;
  /** Clock for the idle timeouts. Default: the real clock. */
  clock?: Clock;
  /** `User-Agent` header of every request. Default: `kubecache-listwatch`. */
  userAgent?: string;
  /**
   * How many times one request (a list page, a watch) is sent again after a 429 or 5xx answer
   * with a `Retry-After` header, waiting the seconds it names each time (abortable), before its
   * ApiStatusError is thrown. 0 disables it. Default: 10 (client-go's REST client).
   */
  maxRetries?: number;
  /**
   * Called before each such wait with the code, reason, attempt and delay (see
   * {@link RequestRetry}). Default: none; the logger reports every retry anyway.
   */
  onRetry?: (retry: RequestRetry) => void;
  /**
   * Gets a `warn` line for every retry, e.g. `kubecache warn listwatch pods.v1: list answered 429
   * with Retry-After 1 s, retrying: try later (429 TooManyRequests) attempt=1 maxRetries=10
   * retryInMs=1000`. Failures themselves are not logged here: they are thrown, and the Reflector
   * reports them. Default: core's `defaultLogger` (stderr, one line per cause per 30 s,
   * redacted); pass core's `silentLogger` to mute. A logger given here (pino) is wrapped with
   * core's `createRateLimitedLogger`: the first retry of a cause is passed on, the others of 30 s
   * are one call with `repeated`, made when the window ends or on `close()`.
   */
  logger?: Logger;
}

/**
 * Options of {@link createListWatch} with a `defineResource` definition: the resource, its kind
 * and its scope come from the definition.
 */
export type ResourceListWatchOptions = Omit<
  ListWatchOptions,
  'group' | 'version' | 'resource' | 'kind'
>;

/** ListWatchOptions of a definition; a namespace for a cluster-scoped resource is a TypeError. */
function fromDefinition(def: ResourceDef, o: ResourceListWatchOptions): ListWatchOptions {
  if (!def.namespaced && o.namespace !== undefined && o.namespace !== '') {
    throw new TypeError(
      `createListWatch: ${def.resource}${def.group !== '' ? `.${def.group}` : ''} is cluster-scoped; it has no namespace ${JSON.stringify(o.namespace)}`,
    );
  }
  return {
    ...o,
    group: def.group,
    version: def.version,
    resource: def.resource,
    kind: def.kind,
    kindSource: `the defineResource definition of ${gvrString(def)}`,
  };
}

/**
 * The ListerWatcher returned by {@link createListWatch}: the contract plus the resource path and
 * `close()`, which drops the idle keep-alive connections (open watches are unaffected; stop them
 * or abort their signal).
 */
export interface ListWatch<T = KubeObject> extends ListerWatcher<T> {
  /** Collection path, e.g. `/api/v1/namespaces/ns/pods`. */
  readonly path: string;
  close(): void;
}

// Differs from client-go: JSON only; client-go can also negotiate protobuf (and CBOR).
const listAccept = 'application/json';
const metadataListAccept =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const metadataWatchAccept =
  'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

/** Default idle timeout: 5.5 min, above the 5 min minimum watch timeout client-go picks. */
const defaultIdleTimeoutMs = 330_000;
/** Grace after a watch's `timeoutSeconds` before the default idle timeout may end it. */
const watchIdleGraceMs = 30_000;
const defaultMaxLineBytes = 64 * 1024 * 1024;

/** ANDs two selectors (comma-joined, the selector syntax for "and"). */
function andSelectors(a: string | undefined, b: string | undefined): string | undefined {
  const parts = [a, b].filter((s): s is string => s !== undefined && s.trim() !== '');
  return parts.length > 0 ? parts.join(',') : undefined;
}

/** Builds the collection path of a resource: `/api/v1[/namespaces/ns]/r` or `/apis/g/v[...]/r`. */
export function collectionPath(
  o: Pick<ListWatchOptions, 'group' | 'version' | 'resource' | 'namespace'>,
): string {
  if (o.version === '' || o.resource === '') {
    throw new TypeError('createListWatch: version and resource must not be empty');
  }
  const enc = encodeURIComponent;
  const base =
    o.group === '' ? `/api/${enc(o.version)}` : `/apis/${enc(o.group)}/${enc(o.version)}`;
  return o.namespace !== undefined && o.namespace !== ''
    ? `${base}/namespaces/${enc(o.namespace)}/${enc(o.resource)}`
    : `${base}/${enc(o.resource)}`;
}

/**
 * Builds the query string of a list or watch: the call's options with the ListWatch's selectors
 * ANDed in. Empty selectors, tokens and zero limits are left out.
 */
export function buildQuery(
  options: ListOptions,
  verb: 'list' | 'watch',
  selectors: { labelSelector?: string | undefined; fieldSelector?: string | undefined } = {},
): string {
  const q = new URLSearchParams();
  const watch = verb === 'watch';
  if (watch) q.set('watch', '1');
  const labels = andSelectors(selectors.labelSelector, options.labelSelector);
  const fields = andSelectors(selectors.fieldSelector, options.fieldSelector);
  if (labels !== undefined) q.set('labelSelector', labels);
  if (fields !== undefined) q.set('fieldSelector', fields);
  // Sent whenever set, even empty: the server reads `resourceVersion=` as unset (most recent),
  // and request logs then show that the caller asked for a consistent read on purpose.
  if (options.resourceVersion !== undefined) q.set('resourceVersion', options.resourceVersion);
  if (options.resourceVersionMatch !== undefined) {
    q.set('resourceVersionMatch', options.resourceVersionMatch);
  }
  if (!watch && options.limit !== undefined && options.limit > 0) {
    q.set('limit', String(options.limit));
  }
  if (!watch && options.continue !== undefined && options.continue !== '') {
    q.set('continue', options.continue);
  }
  if (options.timeoutSeconds !== undefined && options.timeoutSeconds > 0) {
    q.set('timeoutSeconds', String(options.timeoutSeconds));
  }
  if (watch && options.allowWatchBookmarks === true) q.set('allowWatchBookmarks', 'true');
  if (watch && options.sendInitialEvents === true) q.set('sendInitialEvents', 'true');
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

function isJsonContentType(value: string | undefined): boolean {
  return value !== undefined && /^application\/([\w.+-]*\+)?json\b/i.test(value.trim());
}

/**
 * Reads a list body through the streaming decoder: items are parsed (and mapped) as they arrive,
 * and the list is returned only once the whole body was decoded and validated.
 */
async function decodeListBody<T>(
  res: IncomingMessage,
  bodyOptions: ReadBodyOptions,
  o: {
    path: string;
    code: number;
    maxItemBytes: number;
    mapItem: ((item: T) => T) | undefined;
    fieldsV1Sharing: FieldsV1Sharing | undefined;
    interner: StringInterner | undefined;
  },
): Promise<KubeList<T>> {
  const what = `list of ${o.path}`;
  const decoder = createListDecoder<T>({
    maxItemBytes: o.maxItemBytes,
    mapItem: o.mapItem,
    fieldsV1Sharing: o.fieldsV1Sharing,
    interner: o.interner,
    description: what,
    statusCode: o.code,
  });
  try {
    await streamBody(res, bodyOptions, (chunk) => {
      decoder.write(chunk);
    });
  } catch (err) {
    const cut = !isResponseDecodeError(err) && !isAbortError(err) && !isWatchIdleTimeoutError(err);
    if (!cut) throw err;
    throw new ResponseDecodeError(
      `${what}: body ended after ${String(decoder.bytesRead)} bytes, before the list was ` +
        `complete (truncated: ${err instanceof Error ? err.message : String(err)})`,
      o.code,
      { cause: err },
    );
  }
  const list = decoder.end();
  const rv = list.metadata?.resourceVersion;
  if (typeof rv !== 'string' || rv === '') {
    throw new ResponseDecodeError(`${what}: response has no metadata.resourceVersion`, o.code);
  }
  return list;
}

/**
 * Creates a {@link ListerWatcher} for one resource over `kubeConfig` (a @kubernetes/client-node
 * `KubeConfig`, 1.4 or 2.x, or anything with the same two methods: see {@link KubeConfigLike}).
 * Auth, TLS, exec/token plugins and proxies come from the KubeConfig; connections are kept alive.
 * The resource is either a `defineResource` definition (which also gives the kind, the scope and
 * the object type: `createListWatch(kc, Foo, { namespace })` is a `ListWatch<Foo>`) or the
 * group, version and resource in `options`.
 *
 * - Both send again a request answered 429 or 5xx with `Retry-After`, after that wait, up to
 *   `maxRetries` (10) times, reporting each retry (`onRetry`, `logger`).
 * - `list` sends one GET (one page when `limit` is set) and returns the parsed list. The body is
 *   decoded item by item as it arrives (never buffered whole, so lists above V8's ~512 MiB string
 *   limit work); `hooks.mapItem` runs on each item as it is decoded. Errors: ApiStatusError
 *   (non-2xx), ResponseDecodeError (unusable 2xx body: not JSON, a malformed or oversized item,
 *   no items, no resourceVersion, or a body cut short by the connection), WatchIdleTimeoutError,
 *   AbortedError, or the connection error before the answer (see `isConnectionRefused`). A list
 *   that fails is never returned in part.
 * - `watch` resolves once a 2xx response started and returns the decoding stream; it rejects like
 *   `list` before that.
 *
 * Throws a TypeError or Error right away when the resource is incomplete, the KubeConfig has no
 * current cluster, or its server URL is not http(s).
 */
export function createListWatch<T extends KubeObject>(
  kubeConfig: KubeConfigLike,
  resource: ResourceDef<T>,
  options?: ResourceListWatchOptions,
): ListWatch<T>;
export function createListWatch<T = KubeObject>(
  kubeConfig: KubeConfigLike,
  options: ListWatchOptions,
): ListWatch<T>;
export function createListWatch<T>(
  kubeConfig: KubeConfigLike,
  resourceOrOptions: ResourceDef | ListWatchOptions,
  resourceOptions: ResourceListWatchOptions = {},
): ListWatch<T> {
  const options = isResourceDef(resourceOrOptions)
    ? fromDefinition(resourceOrOptions, resourceOptions)
    : resourceOrOptions;
  const path = collectionPath(options);
  const idleTimeoutMs = options.idleTimeoutMs ?? defaultIdleTimeoutMs;
  /** The idle timeout of one watch: explicit, or the default stretched past `timeoutSeconds`. */
  const watchIdleTimeoutMs = (o: ListOptions): number =>
    options.idleTimeoutMs ??
    Math.max(defaultIdleTimeoutMs, (o.timeoutSeconds ?? 0) * 1000 + watchIdleGraceMs);
  const maxLineBytes = options.maxLineBytes ?? defaultMaxLineBytes;
  const highWaterMark = options.highWaterMark ?? 1000;
  // One table for the ListWatch's lists and watches: a relist finds the field sets it knows.
  const share = options.shareFieldsV1 ?? true;
  const fieldsV1Sharing =
    share === false ? undefined : createFieldsV1Sharing(share === true ? {} : share);
  const intern = options.internStrings ?? true;
  const interner =
    intern === false
      ? undefined
      : typeof intern === 'function'
        ? intern
        : createStringInterner(intern === true ? {} : intern);
  const clock = options.clock ?? realClock;
  const transport = createTransport(kubeConfig, {
    idleTimeoutMs,
    clock,
    userAgent: options.userAgent ?? 'kubecache-listwatch',
  });
  const selectors = { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector };
  // `pods.v1`, `deployments.v1.apps` (kubectl's resource.version.group), as the informers name them.
  const description =
    gvrString(options) +
    (options.namespace !== undefined && options.namespace !== ''
      ? ` in namespace ${options.namespace}`
      : '');
  // One policy for every logger: a user's (pino) gets the default logger's repeat limiting and
  // stacks too; flushed by close().
  const logger = createRateLimitedLogger(options.logger ?? defaultLogger);
  const retryOptions = {
    maxRetries: Math.max(0, options.maxRetries ?? 10),
    clock,
    idleTimeoutMs,
    onRetry: options.onRetry,
    logger,
    resource: description,
  };

  return {
    path,
    description,
    supportsPaging: true,
    supportsWatchList: true,
    supportsListHooks: true,
    supportsWatchHooks: true,
    ...(options.kind !== undefined ? { expectedKind: options.kind } : {}),
    ...(options.kindSource !== undefined ? { expectedKindSource: options.kindSource } : {}),
    close: () => {
      transport.close();
      // Print the retry counts the logger still holds.
      flushLogger(logger);
    },

    async list(o, signal, hooks) {
      const res = await sendWithRetry(
        transport,
        {
          path: path + buildQuery(o, 'list', selectors),
          headers: { Accept: options.metadataOnly === true ? metadataListAccept : listAccept },
          verb: 'list',
          signal,
        },
        retryOptions,
      );
      const code = res.statusCode ?? 0;
      const bodyOptions = { signal, idleTimeoutMs, clock, verb: 'list' as const };
      const type = res.headers['content-type'];
      if (!isJsonContentType(type)) {
        res.destroy();
        throw new ResponseDecodeError(
          `list of ${path}: expected a JSON response, got content type ${JSON.stringify(type ?? '')}`,
          code,
        );
      }
      return decodeListBody<T>(res, bodyOptions, {
        path,
        code,
        maxItemBytes: maxLineBytes,
        mapItem: hooks?.mapItem,
        fieldsV1Sharing,
        interner,
      });
    },

    async watch(o, signal, hooks): Promise<WatchStream<T>> {
      const res = await sendWithRetry(
        transport,
        {
          path: path + buildQuery(o, 'watch', selectors),
          headers: { Accept: options.metadataOnly === true ? metadataWatchAccept : listAccept },
          verb: 'watch',
          signal,
        },
        retryOptions,
      );
      const code = res.statusCode ?? 0;
      const type = res.headers['content-type'];
      if (!isJsonContentType(type)) {
        res.destroy();
        throw new ResponseDecodeError(
          `watch of ${path}: expected a JSON stream, got content type ${JSON.stringify(type ?? '')}`,
          code,
        );
      }
      return decodeWatchStream<T>(
        res,
        {
          idleTimeoutMs: watchIdleTimeoutMs(o),
          maxLineBytes,
          highWaterMark,
          clock,
          fieldsV1Sharing,
          interner,
          mapObject: hooks?.mapItem as ((obj: unknown) => unknown) | undefined,
        },
        signal,
      );
    },
  };
}

/** Functions and capabilities for {@link createListWatchFromFunctions}. */
export interface ListWatchFunctions<T> {
  list: ListerWatcher<T>['list'];
  watch: ListerWatcher<T>['watch'];
  /** Default true: the caller may page lists (a function that ignores `limit` is fine). */
  supportsPaging?: boolean;
  /** Default false: custom sources rarely send the initial-events-end bookmark. */
  supportsWatchList?: boolean;
  description?: string;
  expectedKind?: string;
}

/**
 * A ListerWatcher from two functions (client-go `cache.ListWatch{ListFunc, WatchFunc}`): for
 * custom sources and tests.
 */
export function createListWatchFromFunctions<T = KubeObject>(
  fns: ListWatchFunctions<T>,
): ListerWatcher<T> {
  return { supportsPaging: true, supportsWatchList: false, ...fns };
}
