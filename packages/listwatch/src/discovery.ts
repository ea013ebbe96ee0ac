// The one piece of API discovery the informers need: whether a resource is namespaced, read from
// the APIResourceList of its group version (/api/v1 or /apis/<group>/<version>), as kubectl and
// client-go's RESTMapper do.
import { realClock, type Clock } from '@kubecache/core';
import { ResponseDecodeError } from './errors.js';
import { createTransport, errorFromResponse, readBody, type KubeConfigLike } from './http.js';

/** Options of {@link discoverNamespaced}. */
export interface DiscoveryOptions {
  /** Aborting rejects with AbortedError. */
  signal?: AbortSignal;
  /** End the request when no bytes arrive for this long, in ms. Default 30 000. */
  idleTimeoutMs?: number;
  /** Clock of the idle timeout. Default: the real clock. */
  clock?: Clock;
}

/**
 * Whether `resource` of `group`/`version` is namespaced, from the server's discovery document:
 * `true` or `false`, or `undefined` when the group version does not list the resource. Rejects
 * with ApiStatusError (e.g. 404 for an unknown group version, 403), ResponseDecodeError, or the
 * connection error. One GET, on its own connection pool (closed afterwards).
 */
export async function discoverNamespaced(
  kubeConfig: KubeConfigLike,
  gvr: { group: string; version: string; resource: string },
  options: DiscoveryOptions = {},
): Promise<boolean | undefined> {
  const clock = options.clock ?? realClock;
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const enc = encodeURIComponent;
  const path =
    gvr.group === '' ? `/api/${enc(gvr.version)}` : `/apis/${enc(gvr.group)}/${enc(gvr.version)}`;
  const transport = createTransport(kubeConfig, {
    idleTimeoutMs,
    clock,
    userAgent: 'kubecache-listwatch',
  });
  try {
    const bodyOptions = { signal: options.signal, idleTimeoutMs, clock, verb: 'list' as const };
    const res = await transport.get({
      path,
      headers: { Accept: 'application/json' },
      verb: 'list',
      signal: options.signal,
    });
    const code = res.statusCode ?? 0;
    if (code < 200 || code > 299) throw await errorFromResponse(res, bodyOptions);
    const body = await readBody(res, bodyOptions);
    let doc: unknown;
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new ResponseDecodeError(`discovery of ${path}: body is not valid JSON`, code, {
        cause: err,
      });
    }
    const resources = (doc as { resources?: unknown } | null)?.resources;
    if (!Array.isArray(resources)) {
      throw new ResponseDecodeError(`discovery of ${path}: no resources array`, code);
    }
    const found = (resources as { name?: unknown; namespaced?: unknown }[]).find(
      (r) => r.name === gvr.resource,
    );
    return typeof found?.namespaced === 'boolean' ? found.namespaced : undefined;
  } finally {
    transport.close();
  }
}
