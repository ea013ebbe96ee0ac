// The HTTP layer of the typed client: one JSON request of any verb and content type against the
// API server of a KubeConfig, an error answer turned into listwatch's classified ApiStatusError.
// It follows k8s.io/client-go/rest/request.go (Do().Into(); transformResponse: the Status of an
// error body becomes the error, a non-Status body a synthesised one as NewGenericServerResponse).
// Differs from client-go: it is a small copy of @kubecache/listwatch's transport (credentials
// applied per request, a keep-alive agent, one resend on a stale pooled socket) because that
// package exports no transport that sends PATCH or DELETE with a content type of the caller's.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { AbortedError, throwIfAborted, type Status } from '@kubecache/core';
import {
  ApiStatusError,
  ResponseDecodeError,
  isStatusObject,
  reasonForStatusCode,
  type KubeConfigLike,
} from '@kubecache/listwatch';

/** HTTP verbs of the client. */
export type ClientHttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One request of {@link ClientHttp.request}. */
export interface ClientHttpRequest {
  method: ClientHttpMethod;
  /** Path below the server URL, segments already encoded, without a query. */
  path: string;
  /** Query parameters; `undefined` values are left out. */
  query?: Readonly<Record<string, string | undefined>> | undefined;
  /** Sent as JSON text with `contentType` (default `application/json`) when set. */
  body?: unknown;
  /** `Content-Type` of the body. */
  contentType?: string | undefined;
  /** Aborting rejects with `AbortedError` and destroys the socket. */
  signal?: AbortSignal | undefined;
}

/** JSON requests against one API server (see {@link createClientHttp}). */
export interface ClientHttp {
  /** Base URL of the server. */
  readonly server: string;
  /**
   * Sends one request; resolves with the parsed JSON body of a 2xx answer (`undefined` for an
   * empty one).
   *
   * @throws ApiStatusError for a non-2xx answer (the body's Status, or one synthesised from the
   *   HTTP code: code, reason, first 200 characters of the body); `Retry-After` (s) becomes
   *   `retryAfterSeconds`; redirects are not followed.
   * @throws ResponseDecodeError for a 2xx body that is not JSON or longer than 16 MiB.
   * @throws AbortedError when the signal fires.
   * @throws the connection error (`ECONNREFUSED`, …).
   */
  request(req: ClientHttpRequest): Promise<unknown>;
  /** Destroys pooled idle sockets; later requests open new ones. */
  close(): void;
}

/** Largest 2xx body read, in bytes. */
const maxBodyBytes = 16 * 1024 * 1024;
/** Largest error body read to find a Status, in bytes. */
const maxErrorBodyBytes = 1024 * 1024;
/** Error codes of a pooled keep-alive socket the server closed. */
const staleSocketCodes = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/**
 * Creates a {@link ClientHttp} for the current cluster of `kc`.
 *
 * @throws Error when the KubeConfig has no current cluster or its server is not http(s)://.
 */
export function createClientHttp(kc: KubeConfigLike, userAgent: string): ClientHttp {
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
      // client-node refuses http:// servers without insecure-skip-tls-verify after it applied
      // the credentials; plain HTTP needs no agent of its (as listwatch's transport).
      const plainHttpRefusal =
        !isHttps && err instanceof Error && /HTTP protocol is not allowed/i.test(err.message);
      if (!plainHttpRefusal) throw err;
    }
    if (!useProxy) opts.agent = agent;
    return opts;
  }

  function send(
    opts: https.RequestOptions,
    req: ClientHttpRequest,
    path: string,
    payload: string | undefined,
    mayRetry: boolean,
  ): Promise<IncomingMessage> {
    const { signal } = req;
    return new Promise<IncomingMessage>((resolve, reject) => {
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const request = (isHttps ? https : http).request(
        {
          ...opts,
          protocol: base.protocol,
          hostname,
          port,
          path: prefix + path,
          method: req.method,
          headers: {
            ...(opts.headers as Record<string, string>),
            Accept: 'application/json',
            'User-Agent': userAgent,
            ...(payload !== undefined
              ? {
                  'Content-Type': req.contentType ?? 'application/json',
                  'Content-Length': String(Buffer.byteLength(payload)),
                }
              : {}),
          },
        },
        (res) => {
          res.on('error', () => undefined);
          if (settle()) resolve(res);
          else res.destroy();
        },
      );
      const onAbort = (): void => {
        const err = new AbortedError(undefined, { cause: signal?.reason });
        request.destroy(err);
        if (settle()) reject(err);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        const stale =
          mayRetry &&
          request.reusedSocket &&
          err.code !== undefined &&
          staleSocketCodes.has(err.code);
        settle();
        if (stale && signal?.aborted !== true) resolve(send(opts, req, path, payload, false));
        else reject(err);
      });
      request.end(payload);
    });
  }

  return {
    server: cluster.server,
    async request(req) {
      throwIfAborted(req.signal);
      const path = withQuery(req.path, req.query);
      const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
      const opts = await requestOptions();
      throwIfAborted(req.signal);
      const res = await send(opts, req, path, payload, true);
      const code = res.statusCode ?? 0;
      if (code < 200 || code > 299) throw await errorFrom(res, req.signal);
      const body = await readAll(res, req.signal, maxBodyBytes + 1);
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
    close() {
      agent.destroy();
    },
  };
}

function withQuery(path: string, query: ClientHttpRequest['query']): string {
  if (query === undefined) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, v);
  const q = params.toString();
  return q === '' ? path : `${path}?${q}`;
}

/** Reads up to `limit` bytes of a body; rejects with AbortedError when the signal fires. */
function readAll(
  res: IncomingMessage,
  signal: AbortSignal | undefined,
  limit: number,
): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | undefined): void => {
      if (done) return;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      if (err !== undefined) {
        res.destroy();
        reject(err);
      } else {
        resolve(Buffer.concat(chunks, size));
      }
    };
    const onAbort = (): void => {
      finish(new AbortedError(undefined, { cause: signal?.reason }));
    };
    if (signal?.aborted === true) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    res.on('data', (chunk: Buffer) => {
      if (done) return;
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) {
        finish(undefined);
        res.destroy();
      }
    });
    res.on('end', () => {
      finish(undefined);
    });
    res.on('error', (err) => {
      finish(err);
    });
    res.on('close', () => {
      if (!res.complete) {
        finish(
          Object.assign(new Error('connection closed before the response body ended'), {
            code: 'ECONNRESET',
          }),
        );
      }
    });
  });
}

/** The Status of an error answer, or one synthesised from its code (as NewGenericServerResponse). */
async function errorFrom(
  res: IncomingMessage,
  signal: AbortSignal | undefined,
): Promise<ApiStatusError> {
  const code = res.statusCode ?? 0;
  const retryHeader = res.headers['retry-after'];
  const retryAfterSeconds =
    typeof retryHeader === 'string' && /^\s*\d+\s*$/.test(retryHeader)
      ? Number(retryHeader)
      : undefined;
  let body = '';
  try {
    body = (await readAll(res, signal, maxErrorBodyBytes)).toString('utf8');
  } catch (err) {
    if (signal?.aborted === true) throw err;
  }
  let status: Status | undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (isStatusObject(parsed)) status = parsed;
  } catch {
    // Not a Status: synthesised below.
  }
  if (status === undefined) {
    const snippet = body.slice(0, 800).replace(/\s+/g, ' ').trim().slice(0, 200);
    const redirect = code >= 300 && code < 400;
    status = {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code,
      reason: redirect ? 'Redirect' : reasonForStatusCode(code),
      message: `the server responded with HTTP ${String(code)}${snippet !== '' ? `: ${snippet}` : ''}`,
      ...(snippet !== ''
        ? { details: { causes: [{ reason: 'UnexpectedServerResponse', message: snippet }] } }
        : {}),
    };
  } else if (typeof status.code !== 'number') {
    status = { ...status, code };
  }
  return new ApiStatusError(status, { retryAfterSeconds });
}
