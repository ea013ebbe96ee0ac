// Port of k8s.io/client-go/tools/cache/listwatch.go: a ListerWatcher for one resource over a
// KubeConfig, for any group/version/resource (core, apps, CRDs), with selectors applied to both.
import { realClock, type Clock, type KubeList, type KubeObject } from '@kubecache/core';
import { ResponseDecodeError } from './errors.js';
import { createTransport, errorFromResponse, readBody, type KubeConfigLike } from './http.js';
import type { ListerWatcher, ListOptions, WatchStream } from './types.js';
import { decodeWatchStream } from './watch-stream.js';

/** Options of {@link createListWatch}. */
export interface ListWatchOptions {
  /** API group; `''` for core. */
  group: string;
  /** API version, e.g. `v1`. */
  version: string;
  /** Plural resource, e.g. `pods`. */
  resource: string;
  /** Restrict to one namespace. Default: all namespaces. */
  namespace?: string;
  /** Label selector applied to every list and watch. */
  labelSelector?: string;
  /** Field selector applied to every list and watch. */
  fieldSelector?: string;
  /** Ask for PartialObjectMetadata instead of full objects. Default false. */
  metadataOnly?: boolean;
  /** Expected `kind` of the items (e.g. `Pod`), checked by the Reflector. Default: none. */
  kind?: string;
  /**
   * End a watch with WatchIdleTimeoutError when no bytes arrive for this long, in ms. Bookmarks
   * count as bytes; the Reflector asks for bookmarks, which servers send about once a minute.
   * Default: 5 minutes + 30 s. 0 disables it.
   */
  idleTimeoutMs?: number;
  /** Watch lines above this size end the watch with a WatchDecodeError, in bytes. Default: 64 MiB. */
  maxLineBytes?: number;
  /** Decoded watch events buffered before the socket is paused. Default: 1000. */
  highWaterMark?: number;
  /** Clock for the idle timeout. Default: the real clock. */
  clock?: Clock;
}

const metaListAccept =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const metaAccept = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

function andSelector(a: string | undefined, b: string | undefined): string | undefined {
  if (a && b) return `${a},${b}`;
  return a || b || undefined;
}

/** Builds the collection path of a resource. */
export function collectionPath(
  o: Pick<ListWatchOptions, 'group' | 'version' | 'resource' | 'namespace'>,
): string {
  const base = o.group === '' ? `/api/${o.version}` : `/apis/${o.group}/${o.version}`;
  return o.namespace
    ? `${base}/namespaces/${encodeURIComponent(o.namespace)}/${o.resource}`
    : `${base}/${o.resource}`;
}

/**
 * Creates a {@link ListerWatcher} for one resource over `kubeConfig` (a @kubernetes/client-node
 * `KubeConfig`, 1.4 or 2.x: auth, TLS, exec plugins and proxies come from it).
 */
export function createListWatch<T = KubeObject>(
  kubeConfig: KubeConfigLike,
  options: ListWatchOptions,
): ListerWatcher<T> {
  const transport = createTransport(kubeConfig);
  const path = collectionPath(options);
  const idleTimeoutMs = options.idleTimeoutMs ?? 330_000;
  const maxLineBytes = options.maxLineBytes ?? 64 * 1024 * 1024;
  const highWaterMark = options.highWaterMark ?? 1000;
  const clock = options.clock ?? realClock;

  const query = (o: ListOptions, watch: boolean): string => {
    const q = new URLSearchParams();
    if (watch) q.set('watch', '1');
    const ls = andSelector(options.labelSelector, o.labelSelector);
    const fs = andSelector(options.fieldSelector, o.fieldSelector);
    if (ls) q.set('labelSelector', ls);
    if (fs) q.set('fieldSelector', fs);
    if (o.resourceVersion !== undefined) q.set('resourceVersion', o.resourceVersion);
    if (o.resourceVersionMatch) q.set('resourceVersionMatch', o.resourceVersionMatch);
    if (!watch && o.limit) q.set('limit', String(o.limit));
    if (!watch && o.continue) q.set('continue', o.continue);
    if (watch && o.timeoutSeconds) q.set('timeoutSeconds', String(o.timeoutSeconds));
    if (watch && o.allowWatchBookmarks) q.set('allowWatchBookmarks', 'true');
    if (watch && o.sendInitialEvents) q.set('sendInitialEvents', 'true');
    const s = q.toString();
    return s ? `?${s}` : '';
  };

  return {
    description: `${options.resource}${options.group ? `.${options.group}` : ''}${options.namespace ? ` in ${options.namespace}` : ''}`,
    supportsPaging: true,
    supportsWatchList: true,
    ...(options.kind !== undefined ? { expectedKind: options.kind } : {}),
    async list(o, signal) {
      const res = await transport.get(
        path + query(o, false),
        options.metadataOnly ? { Accept: metaListAccept } : {},
        signal,
      );
      const code = res.statusCode ?? 0;
      if (code < 200 || code >= 300) throw await errorFromResponse(res, signal);
      const type = res.headers['content-type'] ?? '';
      const body = await readBody(res, signal);
      if (!/json/i.test(type)) {
        throw new ResponseDecodeError(
          `list of ${path}: expected JSON, got content type ${JSON.stringify(type)}`,
          code,
        );
      }
      let list: KubeList<T>;
      try {
        list = JSON.parse(body.toString('utf8')) as KubeList<T>;
      } catch (err) {
        throw new ResponseDecodeError(
          `list of ${path}: body is not valid JSON: ${String(err)}`,
          code,
          { cause: err },
        );
      }
      if (typeof list !== 'object' || list === null || !Array.isArray(list.items)) {
        throw new ResponseDecodeError(`list of ${path}: response has no items array`, code);
      }
      const rv = list.metadata?.resourceVersion;
      if (typeof rv !== 'string' || rv === '') {
        throw new ResponseDecodeError(
          `list of ${path}: response has no metadata.resourceVersion`,
          code,
        );
      }
      return list;
    },
    async watch(o, signal): Promise<WatchStream<T>> {
      const res = await transport.get(
        path + query(o, true),
        options.metadataOnly ? { Accept: metaAccept } : {},
        signal,
      );
      const code = res.statusCode ?? 0;
      if (code < 200 || code >= 300) throw await errorFromResponse(res, signal);
      const type = res.headers['content-type'] ?? '';
      if (!/json/i.test(type)) {
        res.destroy();
        throw new ResponseDecodeError(
          `watch of ${path}: expected JSON, got content type ${JSON.stringify(type)}`,
          code,
        );
      }
      return decodeWatchStream<T>(
        res,
        { idleTimeoutMs, maxLineBytes, highWaterMark, clock },
        signal,
      );
    },
  };
}

/**
 * A ListerWatcher from two functions (client-go `ListWatch{ListFunc, WatchFunc}`): for custom
 * sources and tests.
 */
export function createListWatchFromFunctions<T = KubeObject>(fns: {
  list: ListerWatcher<T>['list'];
  watch: ListerWatcher<T>['watch'];
  supportsPaging?: boolean;
  supportsWatchList?: boolean;
  description?: string;
  expectedKind?: string;
}): ListerWatcher<T> {
  return { supportsPaging: false, supportsWatchList: false, ...fns };
}
