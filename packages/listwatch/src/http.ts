// HTTP transport over a KubeConfig: node:http/https with the KubeConfig's TLS, auth (tokens, exec
// and auth-provider plugins via applyToHTTPSOptions) and proxy agent, keep-alive connections.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { AbortedError, type Status } from '@kubecache/core';
import { ApiStatusError } from './errors.js';

/**
 * The part of @kubernetes/client-node's `KubeConfig` used here; both client-node 1.4 and 2.x
 * satisfy it structurally.
 */
export interface KubeConfigLike {
  getCurrentCluster(): {
    server: string;
    proxyUrl?: string | undefined;
    skipTLSVerify?: boolean;
  } | null;
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

/** A prepared connection to one API server. */
export interface Transport {
  /** Sends a GET for `path` (with query); resolves with the response once headers arrived. */
  get(
    path: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<IncomingMessage>;
  /** Base URL of the server. */
  readonly server: string;
}

/** Creates a {@link Transport} for the current context of `kc`. */
export function createTransport(kc: KubeConfigLike): Transport {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the KubeConfig has no current cluster');
  const base = new URL(cluster.server);
  const isHttps = base.protocol === 'https:';
  let agent: http.Agent | undefined;
  const prefix = base.pathname.replace(/\/$/, '');

  return {
    server: cluster.server,
    async get(path, headers, signal) {
      if (signal?.aborted) throw new AbortedError(undefined, { cause: signal.reason });
      const opts: https.RequestOptions = { headers: {} };
      await kc.applyToHTTPSOptions(opts);
      if (!cluster.proxyUrl) {
        // Our own keep-alive agent with the TLS material the KubeConfig supplied.
        agent ??= isHttps
          ? new https.Agent({
              keepAlive: true,
              ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
              ...(opts.cert !== undefined ? { cert: opts.cert } : {}),
              ...(opts.key !== undefined ? { key: opts.key } : {}),
              ...(opts.pfx !== undefined ? { pfx: opts.pfx } : {}),
              ...(opts.passphrase !== undefined ? { passphrase: opts.passphrase } : {}),
              ...(opts.servername !== undefined ? { servername: opts.servername } : {}),
              ...(opts.rejectUnauthorized !== undefined
                ? { rejectUnauthorized: opts.rejectUnauthorized }
                : {}),
            })
          : new http.Agent({ keepAlive: true });
        opts.agent = agent;
      }
      const mod = isHttps ? https : http;
      return new Promise<IncomingMessage>((resolve, reject) => {
        const req = mod.request(
          {
            ...opts,
            protocol: base.protocol,
            hostname: base.hostname,
            port: base.port,
            path: prefix + path,
            method: 'GET',
            headers: {
              ...(opts.headers as Record<string, string>),
              Accept: 'application/json',
              ...headers,
            },
          },
          (res) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(res);
          },
        );
        const onAbort = (): void => {
          const err = new AbortedError(undefined, { cause: signal?.reason });
          req.destroy(err);
          reject(err);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        req.on('error', (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        });
        req.end();
      });
    },
  };
}

/** Reads a whole response body (for lists and error answers). Aborting destroys the response. */
export function readBody(res: IncomingMessage, signal: AbortSignal | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onAbort = (): void => {
      const err = new AbortedError(undefined, { cause: signal?.reason });
      res.destroy(err);
      reject(err);
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    res.on('end', () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
  });
}

const reasons: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** Turns a non-2xx response into an {@link ApiStatusError} (reading its body). */
export async function errorFromResponse(
  res: IncomingMessage,
  signal: AbortSignal | undefined,
): Promise<ApiStatusError> {
  const code = res.statusCode ?? 0;
  const header = res.headers['retry-after'];
  const retry =
    typeof header === 'string' && /^\d+$/.test(header.trim()) ? Number(header) : undefined;
  let body = '';
  try {
    body = (await readBody(res, signal)).toString('utf8');
  } catch {
    // The body is only informative.
  }
  let status: Status | undefined;
  try {
    const parsed = JSON.parse(body) as Status;
    if (
      parsed &&
      typeof parsed === 'object' &&
      (parsed.kind === 'Status' || typeof parsed.code === 'number')
    )
      status = parsed;
  } catch {
    // not JSON
  }
  status ??= {
    kind: 'Status',
    status: 'Failure',
    code,
    reason: code >= 300 && code < 400 ? 'Redirect' : (reasons[code] ?? 'Unknown'),
    message:
      code >= 300 && code < 400
        ? `unexpected redirect (HTTP ${code}) to ${res.headers.location ?? '?'}: redirects are not followed`
        : `HTTP ${code}: ${body.slice(0, 200)}`,
  };
  if (status.code === undefined) status = { ...status, code };
  return new ApiStatusError(status, { retryAfterSeconds: retry });
}
