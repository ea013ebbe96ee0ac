// Port of the request side of k8s.io/client-go/rest/request.go (GET a path, turn an error answer
// into a Status error, Retry-After) and of k8s.io/client-go/transport (TLS and credentials of a
// kubeconfig), over node:http / node:https with a @kubernetes/client-node KubeConfig.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { AbortedError, throwIfAborted, toError, type Clock, type Status } from '@kubecache/core';
import {
  ApiStatusError,
  isStatusObject,
  reasonForStatusCode,
  WatchIdleTimeoutError,
} from './errors.js';
import {
  ServerConfigError,
  type ServerConfigErrorContext,
  needsSchemeProbe,
  probeOtherScheme,
  serverConfigErrorKind,
} from './server-config-error.js';

/**
 * The part of @kubernetes/client-node's `KubeConfig` kubecache uses. Both client-node 1.4 and 2.x
 * satisfy it structurally, so either can be passed (and so can a hand-written object for custom
 * setups).
 *
 * - `getCurrentCluster()` names the server URL, an optional `proxyUrl` and `skipTLSVerify`.
 * - `applyToHTTPSOptions(opts)` adds TLS material, the bearer token (refreshing exec and
 *   auth-provider plugins) or basic auth to `opts`, and sets `opts.agent` (a proxy agent when the
 *   cluster has a `proxy-url`).
 */
export interface KubeConfigLike {
  getCurrentCluster(): {
    /** The cluster's name in the kubeconfig (named in configuration errors). */
    readonly name?: string | undefined;
    readonly server: string;
    readonly proxyUrl?: string | undefined;
    readonly skipTLSVerify?: boolean | undefined;
  } | null;
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

/** Options of {@link createTransport}. */
export interface TransportOptions {
  /**
   * End a request whose server sends no bytes (response headers included) for this long, with a
   * {@link WatchIdleTimeoutError}, in ms. 0 disables it.
   */
  idleTimeoutMs: number;
  /** Clock for the idle timeout. */
  clock: Clock;
  /** `User-Agent` header. */
  userAgent: string;
}

/** One GET request. */
export interface TransportRequest {
  /** Path and query below the server URL, e.g. `/api/v1/pods?limit=500`. */
  path: string;
  /** Extra headers (e.g. `Accept`). */
  headers: Readonly<Record<string, string>>;
  /** Reported by idle timeout errors. */
  verb: 'list' | 'watch';
  /** Aborting rejects with AbortedError and destroys the socket. */
  signal: AbortSignal | undefined;
}

/** One request of any method, with an optional body (sent with its `Content-Length`). */
export interface TransportSendRequest extends TransportRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The request body, sent as it is (set its `Content-Type` in `headers`). */
  body?: string | undefined;
}

/**
 * GET requests against one API server.
 *
 * Contract: `get` resolves with the response once its headers arrived, whatever the status code
 * (callers map non-2xx with {@link errorFromResponse}); it rejects with AbortedError when the
 * signal fires, WatchIdleTimeoutError when the headers take longer than the idle timeout, or the
 * connection error. A request that fails on a reused keep-alive socket before any response
 * (the server closed the idle socket) is retried once on a fresh one. `close()` destroys the
 * pooled idle sockets; requests after it still work (on new sockets).
 */
export interface Transport {
  /** Base URL of the server. */
  readonly server: string;
  get(request: TransportRequest): Promise<IncomingMessage>;
  /** Same contract as `get`, with any method and an optional body. */
  send(request: TransportSendRequest): Promise<IncomingMessage>;
  close(): void;
}

/** A pending idle deadline that moves forward on every `touch()`. */
export interface IdleTimer {
  touch(): void;
  cancel(): void;
}

/**
 * Calls `onIdle` once when `touch()` was not called for `ms` (0 = never); if `onIdle` returns
 * `false` the quiet time is forgiven and the deadline starts over. One clock timer at a time;
 * touching only records the time, so a busy stream costs no timer churn.
 */
// Differs from client-go: Go detects dead connections with HTTP/2 health pings (ReadIdleTimeout);
// over HTTP/1.1 a client-side inactivity deadline is the only way to notice a half-open socket.
export function startIdleTimer(
  clock: Clock,
  ms: number,
  onIdle: () => boolean | undefined,
): IdleTimer {
  if (ms <= 0) return { touch: () => undefined, cancel: () => undefined };
  let last = clock.now();
  let done = false;
  let handle = clock.setTimeout(check, ms);
  function check(): void {
    if (done) return;
    const remaining = last + ms - clock.now();
    if (remaining <= 0) {
      done = true;
      if (onIdle() === false) {
        done = false;
        last = clock.now();
        handle = clock.setTimeout(check, ms);
      }
    } else {
      handle = clock.setTimeout(check, remaining);
    }
  }
  return {
    touch: () => {
      last = clock.now();
    },
    cancel: () => {
      done = true;
      handle.cancel();
    },
  };
}

/** Error codes of a keep-alive socket the server closed while it sat in the pool. */
const staleSocketCodes = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/**
 * Creates a {@link Transport} for the current cluster of `kc`. Credentials are applied per
 * request (tokens rotate); connections are kept alive in an agent owned by this transport, except
 * when the cluster has a `proxy-url`: then the KubeConfig's proxy agent is used as it is.
 */
export function createTransport(kc: KubeConfigLike, options: TransportOptions): Transport {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the KubeConfig has no current cluster (no current context?)');
  const configContext = { server: cluster.server, cluster: cluster.name };
  const base = new URL(cluster.server);
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new Error(`unsupported server URL ${cluster.server}: expected http(s)://`);
  }
  const isHttps = base.protocol === 'https:';
  const hostname = base.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = base.port !== '' ? Number(base.port) : isHttps ? 443 : 80;
  const prefix = base.pathname.replace(/\/+$/, '');
  const useProxy = typeof cluster.proxyUrl === 'string' && cluster.proxyUrl !== '';
  // TLS options travel with each request: Node's agent pools sockets per TLS configuration, so
  // rotated client certificates of exec plugins get fresh connections.
  const agent = isHttps
    ? new https.Agent({ keepAlive: true })
    : new http.Agent({ keepAlive: true });

  async function requestOptions(): Promise<https.RequestOptions> {
    const opts: https.RequestOptions = { headers: {} };
    try {
      await kc.applyToHTTPSOptions(opts);
    } catch (err) {
      // client-node refuses to build its own agent for http:// servers without
      // insecure-skip-tls-verify; credentials were applied before that check and the agent is
      // not needed here (kubectl talks plain HTTP to such servers, e.g. `kubectl proxy`).
      const plainHttpRefusal =
        !isHttps && err instanceof Error && /HTTP protocol is not allowed/i.test(err.message);
      if (!plainHttpRefusal) throw err;
    }
    if (!useProxy) opts.agent = agent;
    return opts;
  }

  function send(
    opts: https.RequestOptions,
    req: TransportSendRequest,
    mayRetry: boolean,
  ): Promise<IncomingMessage> {
    const { signal } = req;
    return new Promise<IncomingMessage>((resolve, reject) => {
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        idle.cancel();
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const request = (isHttps ? https : http).request(
        {
          ...opts,
          protocol: base.protocol,
          hostname,
          port,
          path: prefix + req.path,
          method: req.method,
          headers: {
            ...(opts.headers as Record<string, string>),
            Accept: 'application/json',
            'User-Agent': options.userAgent,
            ...req.headers,
            ...(req.body !== undefined
              ? { 'Content-Length': String(Buffer.byteLength(req.body)) }
              : {}),
          },
        },
        (res) => {
          // A guard for the gap until the caller attaches its own listeners.
          res.on('error', () => undefined);
          if (!isHttps) plainHttpResponses.set(res, configContext);
          if (settle()) resolve(res);
          else res.destroy();
        },
      );
      const idle = startIdleTimer(options.clock, options.idleTimeoutMs, () => {
        const err = new WatchIdleTimeoutError(options.idleTimeoutMs, req.verb);
        request.destroy(err);
        if (settle()) reject(err);
        return undefined;
      });
      const onAbort = (): void => {
        const err = new AbortedError(undefined, { cause: signal?.reason });
        request.destroy(err);
        if (settle()) reject(err);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // Stays attached for the life of the request: late socket errors must never be unhandled.
      request.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        const stale =
          mayRetry &&
          request.reusedSocket &&
          err.code !== undefined &&
          staleSocketCodes.has(err.code);
        settle();
        if (stale && !signal?.aborted) resolve(send(opts, req, false));
        else classifyConnectionError(err, signal).then(reject, reject);
      });
      request.end(req.body);
    });
  }

  // A kubeconfig whose CA or scheme does not match the server is a configuration error, not a
  // network blip: say so (ServerConfigError, non-retriable) instead of passing on "socket hang up".
  async function classifyConnectionError(
    err: NodeJS.ErrnoException,
    signal: AbortSignal | undefined,
  ): Promise<Error> {
    const kind = serverConfigErrorKind(err, isHttps);
    if (kind !== undefined) return new ServerConfigError(kind, configContext, err);
    if (useProxy || !needsSchemeProbe(err, isHttps)) return err;
    const other = await probeOtherScheme(hostname, port, isHttps, signal);
    if (signal?.aborted) return new AbortedError(undefined, { cause: signal.reason });
    if (!other) return err;
    const probed = isHttps ? 'server-speaks-http' : 'server-speaks-tls';
    return new ServerConfigError(probed, configContext, err);
  }

  async function sendWithCredentials(req: TransportSendRequest): Promise<IncomingMessage> {
    throwIfAborted(req.signal);
    const opts = await requestOptions();
    throwIfAborted(req.signal);
    return send(opts, req, true);
  }

  return {
    server: cluster.server,
    get: (req) => sendWithCredentials({ ...req, method: 'GET' }),
    send: sendWithCredentials,
    close() {
      agent.destroy();
    },
  };
}

/** Limits of {@link streamBody} and {@link readBody}. */
export interface ReadBodyOptions {
  signal: AbortSignal | undefined;
  /** Idle timeout between chunks, in ms (0 = none), and the clock and verb to report it with. */
  idleTimeoutMs: number;
  clock: Clock;
  verb: 'list' | 'watch';
  /** Stop reading (and destroy the response) after this many bytes; the result is cut there. */
  maxBytes?: number;
}

/**
 * Feeds a response body to `onChunk`, chunk by chunk as it arrives, and resolves when it ended.
 * Rejects, and destroys the response, when `onChunk` throws (with that error), the signal fires
 * (AbortedError), no chunk arrives for the idle timeout (WatchIdleTimeoutError), or the
 * connection closes before the body's end (an error with code `ECONNRESET`). With `maxBytes` the
 * body is cut there: the last chunk is shortened, the response destroyed, and the promise
 * resolves.
 */
export function streamBody(
  res: IncomingMessage,
  o: ReadBodyOptions,
  onChunk: (chunk: Buffer) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let size = 0;
    let settled = false;
    const done = (err: unknown): void => {
      if (settled) return;
      settled = true;
      idle.cancel();
      o.signal?.removeEventListener('abort', onAbort);
      res.removeListener('data', onData);
      if (err !== undefined) {
        res.destroy();
        reject(toError(err));
      } else {
        resolve();
      }
    };
    const idle = startIdleTimer(o.clock, o.idleTimeoutMs, () => {
      done(new WatchIdleTimeoutError(o.idleTimeoutMs, o.verb));
      return undefined;
    });
    const onAbort = (): void => {
      done(new AbortedError(undefined, { cause: o.signal?.reason }));
    };
    const onData = (chunk: Buffer): void => {
      idle.touch();
      try {
        if (o.maxBytes !== undefined && size + chunk.length >= o.maxBytes) {
          onChunk(chunk.subarray(0, o.maxBytes - size));
          size = o.maxBytes;
          done(undefined);
          res.destroy();
          return;
        }
        size += chunk.length;
        onChunk(chunk);
      } catch (err) {
        done(err);
      }
    };
    res.on('error', (err) => {
      done(err);
    });
    res.on('close', () => {
      if (!res.complete) {
        done(
          Object.assign(new Error('connection closed before the response body ended'), {
            code: 'ECONNRESET',
          }),
        );
      }
    });
    if (o.signal?.aborted) {
      onAbort();
      return;
    }
    o.signal?.addEventListener('abort', onAbort, { once: true });
    res.on('data', onData);
    res.on('end', () => {
      done(undefined);
    });
  });
}

/**
 * Reads a whole (small) response body as Buffers joined once at the end; for error answers,
 * always with `maxBytes`. Lists never use it: their bodies are unbounded ({@link streamBody}).
 */
export async function readBody(res: IncomingMessage, o: ReadBodyOptions): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  await streamBody(res, o, (chunk) => {
    chunks.push(chunk);
    size += chunk.length;
  });
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/** Largest error body read to find a Status, in bytes (Status objects are small). */
const maxErrorBodyBytes = 1024 * 1024;

/** Longest piece of a non-Status error body kept in the error's message, in characters. */
const maxSnippetChars = 200;

/** The start of an error body on one line: whitespace runs collapsed, cut at 200 characters. */
function bodySnippet(body: string): string {
  const flat = body
    .slice(0, maxSnippetChars * 4)
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > maxSnippetChars ? `${flat.slice(0, maxSnippetChars)}…` : flat;
}

/** Parses a `Retry-After` header given in seconds (the form API servers send). */
export function parseRetryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value);
}

/** Responses of http:// servers, with the kubeconfig's server and cluster (for errorFromResponse). */
const plainHttpResponses = new WeakMap<IncomingMessage, ServerConfigErrorContext>();

/**
 * What Go's net/http server (kube-apiserver's) answers to plain HTTP on its TLS port: HTTP/1.0
 * 400 with this body and no headers.
 */
const goPlainHttpOnTlsPort = /^Client sent an HTTP request to an HTTPS server\.?\s*$/;

/**
 * Turns a non-2xx response into an {@link ApiStatusError}, or into a {@link ServerConfigError}
 * (`server-speaks-tls`) when an http:// server answered as Go's HTTP server answers plain HTTP
 * on a TLS port (kube-apiserver: 400 `Client sent an HTTP request to an HTTPS server.`). Otherwise: the Status in the body when there is
 * one (its missing `code` taken from the response), otherwise a Status synthesised as client-go's
 * `NewGenericServerResponse` does: the HTTP code, the reason of that code
 * ({@link reasonForStatusCode}), a message with the first 200 characters of the body, and a cause
 * `UnexpectedServerResponse` holding the same snippet. At most 1 MiB of the body is read.
 * `Retry-After` becomes `retryAfterSeconds`. Redirects are reported, not followed.
 */
export async function errorFromResponse(
  res: IncomingMessage,
  o: Omit<ReadBodyOptions, 'maxBytes'>,
): Promise<ApiStatusError | ServerConfigError> {
  const code = res.statusCode ?? 0;
  const retryAfterSeconds = parseRetryAfter(res.headers['retry-after']);
  let body = '';
  try {
    body = (await readBody(res, { ...o, maxBytes: maxErrorBodyBytes })).toString('utf8');
  } catch (err) {
    // An abort must stay an abort; any other failure only loses the (informative) body.
    if (o.signal?.aborted) throw err;
  }
  const context = plainHttpResponses.get(res);
  if (context !== undefined && code === 400 && goPlainHttpOnTlsPort.test(body)) {
    const cause = new ApiStatusError(
      { kind: 'Status', status: 'Failure', code, reason: 'BadRequest', message: body.trim() },
      { retryAfterSeconds },
    );
    return new ServerConfigError('server-speaks-tls', context, cause);
  }
  let status: Status | undefined;
  if (/json/i.test(res.headers['content-type'] ?? '') || body.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (isStatusObject(parsed)) status = parsed;
    } catch {
      // Not JSON after all: synthesised below.
    }
  }
  if (status === undefined) {
    const redirect = code >= 300 && code < 400;
    const location = res.headers.location;
    const snippet = bodySnippet(body);
    status = {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code,
      // Differs from client-go: Go's HTTP client follows redirects; here a 3xx is an error.
      reason: redirect ? 'Redirect' : reasonForStatusCode(code),
      message: redirect
        ? `unexpected redirect (HTTP ${String(code)}) to ${location ?? '(no Location)'}: redirects are not followed`
        : `the server responded with HTTP ${String(code)}${snippet !== '' ? `: ${snippet}` : ''}`,
      ...(snippet !== ''
        ? { details: { causes: [{ reason: 'UnexpectedServerResponse', message: snippet }] } }
        : {}),
    };
  } else if (typeof status.code !== 'number') {
    status = { ...status, code };
  }
  return new ApiStatusError(status, { retryAfterSeconds });
}
