// Single-object JSON reads and writes (any verb, any JSON-based body type: merge, JSON and
// strategic-merge patches, server-side apply) over the list/watch transport, in the manner of
// k8s.io/client-go/rest (request.go: Do().Into(), the Status of an error answer becomes a typed
// error). Used by @kubecache/leaderelection's lease lock and @kubecache/controller's client.
import { realClock } from '@kubecache/core';
import { ResponseDecodeError } from './errors.js';
import {
  createTransport,
  errorFromResponse,
  readBody,
  type KubeConfigLike,
  type ReadBodyOptions,
} from './http.js';

/** HTTP methods of {@link JsonRequest}. */
export type JsonRequestMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One request of {@link JsonClient.request} / {@link requestJson}. */
export interface JsonRequest {
  /** HTTP method. */
  method: JsonRequestMethod;
  /**
   * Path below the server URL (and its path prefix, if any), without a query, e.g.
   * `/apis/coordination.k8s.io/v1/namespaces/x/leases/y`. Callers encode path segments.
   */
  path: string;
  /** Query parameters, URL-encoded and appended as `?k=v&…`; `undefined` values are left out. */
  query?: Readonly<Record<string, string | number | boolean | undefined>> | undefined;
  /**
   * Sent as JSON text when set (with `Content-Type` {@link JsonRequest.contentType}); POST, PUT
   * and PATCH carry one, a DELETE may carry `DeleteOptions`.
   */
  body?: unknown;
  /**
   * `Content-Type` of the body, e.g. `application/merge-patch+json`,
   * `application/json-patch+json`, `application/strategic-merge-patch+json` or
   * `application/apply-patch+yaml` (JSON is YAML). Default `application/json`. Ignored without a
   * body.
   */
  contentType?: string | undefined;
  /**
   * Aborting rejects with `AbortedError` and destroys the socket. Bounds the request's time;
   * without one the request waits for the server as long as the connection lives.
   */
  signal?: AbortSignal | undefined;
}

/** Options of {@link createJsonClient} and {@link requestJson}. */
export interface JsonClientOptions {
  /** `User-Agent` header. Default: `kubecache-listwatch`. */
  userAgent?: string | undefined;
  /**
   * Largest 2xx body read, in bytes; a longer one rejects with `ResponseDecodeError`.
   * Default 4 MiB (single objects are small; error bodies are always cut at 1 MiB).
   */
  maxBodyBytes?: number | undefined;
}

/**
 * JSON requests against the API server of one KubeConfig, with its TLS material and credentials
 * applied per request (rotating tokens and exec plugins work) and keep-alive connections pooled
 * in the client (the KubeConfig's proxy agent is used instead when the cluster has a `proxy-url`).
 */
export interface JsonClient {
  /** Base URL of the server. */
  readonly server: string;
  /**
   * Sends one request and resolves with the parsed JSON body of a 2xx answer (`unknown`: callers
   * check its shape), or `undefined` when that body is empty.
   *
   * Rejects with:
   * - `ApiStatusError` for any other status: the Status of the body (`code`, `reason`,
   *   `causes`), or one synthesised from the HTTP code for a non-Status body; `Retry-After`
   *   (seconds) becomes `retryAfterSeconds`; redirects are not followed (reason `Redirect`);
   * - `ResponseDecodeError` for a 2xx body that is not JSON or is longer than `maxBodyBytes`;
   * - `ServerConfigError` when the kubeconfig's CA, server name or scheme does not match the
   *   server (untrusted certificate, https:// to plain HTTP, http:// to a TLS port);
   * - `AbortedError` when the signal fires (before or during the request);
   * - the connection error (`ECONNREFUSED`, `ECONNRESET`, …: see `isConnectionRefused`).
   *
   * A request that fails on a reused keep-alive socket before any answer (the server closed the
   * idle socket) is sent once more on a fresh one.
   */
  request(req: JsonRequest): Promise<unknown>;
  /** Destroys the pooled idle sockets; requests after it still work (on new sockets). */
  close(): void;
}

const defaultMaxBodyBytes = 4 * 1024 * 1024;

function withQuery(path: string, query: JsonRequest['query']): string {
  if (query === undefined) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
  const q = params.toString();
  return q === '' ? path : `${path}?${q}`;
}

/**
 * Creates a {@link JsonClient} for the current cluster of `kc`. Throws when the KubeConfig has no
 * current cluster or its server URL is not http(s)://.
 */
export function createJsonClient(kc: KubeConfigLike, options: JsonClientOptions = {}): JsonClient {
  // No idle timeout: the caller's signal bounds each request.
  const clock = realClock;
  const transport = createTransport(kc, {
    idleTimeoutMs: 0,
    clock,
    userAgent: options.userAgent ?? 'kubecache-listwatch',
  });
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  return {
    server: transport.server,
    async request(req) {
      const path = withQuery(req.path, req.query);
      const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
      const res = await transport.send({
        method: req.method,
        path,
        headers:
          payload !== undefined ? { 'Content-Type': req.contentType ?? 'application/json' } : {},
        body: payload,
        verb: 'list',
        signal: req.signal,
      });
      const bodyOptions: ReadBodyOptions = {
        signal: req.signal,
        idleTimeoutMs: 0,
        clock,
        verb: 'list',
      };
      const code = res.statusCode ?? 0;
      if (code < 200 || code > 299) throw await errorFromResponse(res, bodyOptions);
      const body = await readBody(res, { ...bodyOptions, maxBytes: maxBodyBytes + 1 });
      if (body.length > maxBodyBytes) {
        throw new ResponseDecodeError(
          `${req.method} ${path}: the response body is larger than ${String(maxBodyBytes)} bytes`,
          code,
        );
      }
      const text = body.toString('utf8');
      if (text.trim() === '') return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch (err) {
        throw new ResponseDecodeError(
          `${req.method} ${path}: the response body is not JSON: ${text.slice(0, 100)}`,
          code,
          { cause: err },
        );
      }
    },
    close: () => {
      transport.close();
    },
  };
}

/**
 * One JSON request on a client of its own, closed afterwards (no connection reuse between
 * calls: use {@link createJsonClient} for repeated requests). Same results and errors as
 * {@link JsonClient.request}.
 *
 * @example
 * ```ts
 * const lease = await requestJson(kc, {
 *   method: 'GET',
 *   path: '/apis/coordination.k8s.io/v1/namespaces/default/leases/my-controller',
 *   signal: AbortSignal.timeout(10_000),
 * });
 * ```
 */
export async function requestJson(
  kc: KubeConfigLike,
  req: JsonRequest,
  options: JsonClientOptions = {},
): Promise<unknown> {
  const client = createJsonClient(kc, options);
  try {
    return await client.request(req);
  } finally {
    client.close();
  }
}
