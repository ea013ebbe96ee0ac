// A small JSON client for single-object reads and writes (GET, POST, PUT) against the API server
// named by a KubeConfig, in the manner of k8s.io/client-go/rest (request.go: the Status of an error
// answer becomes a typed error). @kubecache/listwatch's transport only issues GETs and is
// internal to it, so the lease lock carries this one; errors are listwatch's ApiStatusError.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { AbortedError, throwIfAborted, type Status } from '@kubecache/core';
import {
  ApiStatusError,
  ResponseDecodeError,
  isStatusObject,
  parseRetryAfter,
  type KubeConfigLike,
} from '@kubecache/listwatch';

/** One request of a {@link KubeClient}. */
export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** Path and query below the server URL, e.g. `/apis/coordination.k8s.io/v1/namespaces/x/leases/y`. */
  path: string;
  /** JSON body of POST and PUT. */
  body?: unknown;
  /** Aborting rejects with `AbortedError` and destroys the socket. */
  signal: AbortSignal;
}

/**
 * JSON requests against one API server with the credentials of a KubeConfig (applied per request,
 * so rotating tokens and exec plugins work).
 *
 * Contract: `request` resolves with the parsed body of a 2xx answer; rejects with
 * `ApiStatusError` (code, reason, Retry-After) for any other status, `ResponseDecodeError` for a
 * 2xx body that is not JSON, `AbortedError` when the signal fires, or the connection error
 * (`ECONNREFUSED`, `ECONNRESET`, …). A request that fails on a reused keep-alive socket before any
 * answer is sent once more on a fresh one. `close()` destroys idle pooled sockets.
 */
export interface KubeClient {
  /** Base URL of the server. */
  readonly server: string;
  request(req: KubeRequest): Promise<unknown>;
  close(): void;
}

/** Options of {@link createKubeClient}. */
export interface KubeClientOptions {
  /** `User-Agent` header. */
  userAgent: string;
}

/** Largest response body read, in bytes (a Lease is well under 1 KiB; a Status too). */
const maxBodyBytes = 4 * 1024 * 1024;

const staleSocketCodes = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

const reasonsByCode: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Gone',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** Creates a {@link KubeClient} for the current cluster of `kc`. */
export function createKubeClient(kc: KubeConfigLike, options: KubeClientOptions): KubeClient {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the KubeConfig has no current cluster (no current context?)');
  const base = new URL(cluster.server);
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new Error(`unsupported server URL ${cluster.server}: expected http(s)://`);
  }
  const isHttps = base.protocol === 'https:';
  const hostname = base.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = base.port !== '' ? Number(base.port) : isHttps ? 443 : 80;
  const prefix = base.pathname.replace(/\/+$/, '');
  const useProxy = typeof cluster.proxyUrl === 'string' && cluster.proxyUrl !== '';
  const agent = isHttps
    ? new https.Agent({ keepAlive: true })
    : new http.Agent({ keepAlive: true });

  async function requestOptions(): Promise<https.RequestOptions> {
    const opts: https.RequestOptions = { headers: {} };
    try {
      await kc.applyToHTTPSOptions(opts);
    } catch (err) {
      // client-node refuses to build an agent for plain-http servers; the credentials were
      // applied before that check and this client brings its own agent.
      const plainHttpRefusal =
        !isHttps && err instanceof Error && /HTTP protocol is not allowed/i.test(err.message);
      if (!plainHttpRefusal) throw err;
    }
    if (!useProxy) opts.agent = agent;
    return opts;
  }

  function send(
    opts: https.RequestOptions,
    req: KubeRequest,
    payload: string | undefined,
    mayRetry: boolean,
  ): Promise<{ res: IncomingMessage; body: Buffer }> {
    const { signal } = req;
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | undefined, value?: { res: IncomingMessage; body: Buffer }) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(value!);
      };
      const headers: Record<string, string> = {
        ...(opts.headers as Record<string, string>),
        Accept: 'application/json',
        'User-Agent': options.userAgent,
      };
      if (payload !== undefined) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = String(Buffer.byteLength(payload));
      }
      const request = (isHttps ? https : http).request(
        {
          ...opts,
          protocol: base.protocol,
          hostname,
          port,
          path: prefix + req.path,
          method: req.method,
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBodyBytes) {
              res.destroy(new Error(`response body larger than ${String(maxBodyBytes)} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', (err) => finish(err));
          res.on('end', () => finish(undefined, { res, body: Buffer.concat(chunks, size) }));
          res.on('close', () => {
            if (!res.complete) {
              finish(
                Object.assign(new Error('connection closed before the response body ended'), {
                  code: 'ECONNRESET',
                }),
              );
            }
          });
        },
      );
      const onAbort = (): void => {
        const err = new AbortedError(undefined, { cause: signal.reason });
        request.destroy(err);
        finish(err);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      // Stays attached for the life of the request: late socket errors must never be unhandled.
      request.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        const stale =
          mayRetry &&
          request.reusedSocket &&
          err.code !== undefined &&
          staleSocketCodes.has(err.code);
        if (stale && !signal.aborted) {
          settled = true;
          signal.removeEventListener('abort', onAbort);
          resolve(send(opts, req, payload, false));
        } else {
          finish(err);
        }
      });
      request.end(payload);
    });
  }

  return {
    server: cluster.server,
    async request(req) {
      throwIfAborted(req.signal);
      const opts = await requestOptions();
      throwIfAborted(req.signal);
      const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
      const { res, body } = await send(opts, req, payload, true);
      const code = res.statusCode ?? 0;
      const text = body.toString('utf8');
      if (code >= 200 && code < 300) {
        try {
          return JSON.parse(text) as unknown;
        } catch (err) {
          throw new ResponseDecodeError(
            `${req.method} ${req.path}: the response body is not JSON: ${text.slice(0, 100)}`,
            code,
            { cause: err },
          );
        }
      }
      throw errorFromAnswer(code, text, res);
    },
    close() {
      agent.destroy();
    },
  };
}

/** Turns a non-2xx answer into an `ApiStatusError` (the Status of the body, or one synthesised from the code). */
function errorFromAnswer(code: number, text: string, res: IncomingMessage): ApiStatusError {
  const retryAfterSeconds = parseRetryAfter(res.headers['retry-after']);
  let status: Status | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (isStatusObject(parsed)) status = parsed;
  } catch {
    // Not JSON: synthesised below.
  }
  if (status === undefined) {
    status = {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code,
      reason: reasonsByCode[code] ?? 'Unknown',
      message: `the server responded with HTTP ${String(code)}${text.trim() !== '' ? `: ${text.trim().slice(0, 200)}` : ''}`,
    };
  } else if (typeof status.code !== 'number') {
    status = { ...status, code };
  }
  return new ApiStatusError(status, { retryAfterSeconds });
}
