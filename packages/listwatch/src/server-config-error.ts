// Connection failures that say the kubeconfig's `server` / CA entry does not match the server it
// names: an untrusted, expired or misnamed certificate, https:// to a plain-HTTP port, http:// to a
// TLS port. client-go's transport (k8s.io/client-go/transport, rest/request.go) returns these as
// plain url.Errors and its reflector retries them like any network error; kubectl prints them
// ("x509: certificate signed by unknown authority", "http: server gave HTTP response to HTTPS
// client") and fails.
import net from 'node:net';
import tls from 'node:tls';
import { hasBrand } from '@kubecache/core';

const brand = Symbol.for('@kubecache/listwatch/ServerConfigError');

/** What {@link ServerConfigError} found wrong. */
export type ServerConfigErrorKind =
  /** The server's certificate does not chain to the CA of the kubeconfig (or is self-signed). */
  | 'untrusted-certificate'
  /** The server's certificate has expired or is not valid yet (or this machine's clock is off). */
  | 'certificate-validity'
  /** The server's certificate does not name the host of the server URL. */
  | 'certificate-name'
  /** The server URL says https:// but the server answers plain HTTP. */
  | 'server-speaks-http'
  /** The server URL says http:// but the server speaks TLS. */
  | 'server-speaks-tls';

/** Where a {@link ServerConfigError} happened: the kubeconfig's cluster. */
export interface ServerConfigErrorContext {
  /** The cluster's `server` URL, e.g. `https://127.0.0.1:6443`. */
  server: string;
  /** The cluster's name in the kubeconfig, if known. */
  cluster?: string | undefined;
}

/**
 * The connection failed in a way that says the kubeconfig does not match the server (retrying
 * cannot fix it): the server's certificate is not trusted by the kubeconfig's CA, has expired or
 * names another host, or the URL's scheme is not what the server speaks. The message is one line
 * naming the server URL and what to change in the kubeconfig; the original socket error is the
 * `cause`.
 *
 * listwatch's `isNonRetriable` is true for it, so a Reflector reports it as "will not fix itself"
 * at error level (and gives up on it with `onPermanentError: 'stop'`).
 *
 * Differs from client-go: client-go's reflector retries these as transient network errors.
 *
 * @example
 * ```text
 * the server https://127.0.0.1:6443 presented a certificate the kubeconfig's CA does not trust (unable to verify the first certificate): check certificate-authority(-data) of cluster "prod"
 * ```
 */
export class ServerConfigError extends Error {
  override readonly name = 'ServerConfigError';
  readonly [brand] = true;
  /** What is wrong. */
  readonly kind: ServerConfigErrorKind;
  /** The kubeconfig's server URL. */
  readonly server: string;
  /** The kubeconfig's cluster name (`''` if unknown). */
  readonly cluster: string;
  /**
   * @param kind - what is wrong.
   * @param context - the kubeconfig's server URL and cluster name.
   * @param cause - the socket or TLS error (its message is quoted in parentheses).
   */
  constructor(kind: ServerConfigErrorKind, context: ServerConfigErrorContext, cause: unknown) {
    super(describe(kind, context, cause), { cause });
    this.kind = kind;
    this.server = context.server;
    this.cluster = context.cluster ?? '';
  }
}

/** Type guard for {@link ServerConfigError} (brand-based: works across duplicate copies). */
export function isServerConfigError(err: unknown): err is ServerConfigError {
  return hasBrand(err, brand);
}

function describe(
  kind: ServerConfigErrorKind,
  c: ServerConfigErrorContext,
  cause: unknown,
): string {
  const cluster =
    c.cluster !== undefined && c.cluster !== '' ? `cluster "${c.cluster}"` : 'the cluster';
  const detail =
    cause instanceof Error && cause.message !== ''
      ? ` (${cause.message.replace(/\s+/g, ' ')})`
      : '';
  switch (kind) {
    case 'untrusted-certificate':
      return `the server ${c.server} presented a certificate the kubeconfig's CA does not trust${detail}: check certificate-authority(-data) of ${cluster}`;
    case 'certificate-validity':
      return `the server ${c.server} presented a certificate that is expired or not yet valid${detail}: renew the server's certificate or fix this machine's clock`;
    case 'certificate-name':
      return `the server ${c.server} presented a certificate for another host${detail}: use a host name the certificate names, or set tls-server-name of ${cluster}`;
    case 'server-speaks-http':
      return `the server ${c.server} speaks plain HTTP, not TLS${detail}: use ${swapScheme(c.server, 'http:')} as server of ${cluster}`;
    case 'server-speaks-tls':
      return `the server ${c.server} speaks TLS, not plain HTTP${detail}: use ${swapScheme(c.server, 'https:')} as server of ${cluster}`;
  }
}

function swapScheme(server: string, scheme: 'http:' | 'https:'): string {
  return server.replace(/^https?:/i, scheme);
}

// OpenSSL's certificate verification results as Node reports them in `err.code`.
const untrustedCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
]);
const validityCodes = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/**
 * The kind of a connection error that identifies itself (no probe needed): a certificate
 * verification code, or OpenSSL's "wrong version number" / "packet length too long" (`EPROTO`)
 * when an https:// request got a plain-HTTP answer. `undefined` for anything else.
 */
export function serverConfigErrorKind(
  err: unknown,
  isHttps: boolean,
): ServerConfigErrorKind | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : '';
  if (typeof code !== 'string') return undefined;
  if (untrustedCodes.has(code)) return 'untrusted-certificate';
  if (validityCodes.has(code)) return 'certificate-validity';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'certificate-name';
  if (
    isHttps &&
    (code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
      code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' ||
      (code === 'EPROTO' &&
        /wrong version number|packet length too long|http request/i.test(message)))
  )
    return 'server-speaks-http';
  return undefined;
}

/**
 * True when a connection error is ambiguous between "the scheme is wrong" and a transient reset,
 * so a probe must decide: on http://, the server closed without a byte (`ECONNRESET`, "socket hang
 * up": Node's TLS servers do that to plain HTTP) or sent bytes that are not HTTP (an `HPE_*`
 * parser error: a TLS alert); on https://, the socket closed before the TLS handshake ended.
 */
export function needsSchemeProbe(err: unknown, isHttps: boolean): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  if (isHttps)
    return code === 'ECONNRESET' && /before secure TLS connection/i.test((err as Error).message);
  return code === 'ECONNRESET' || code.startsWith('HPE_');
}

/** Longest a scheme probe waits for the server, in ms. */
export const schemeProbeTimeoutMs = 2_000;

/**
 * Asks the server whether it speaks the other scheme: for an http:// URL, whether a TLS handshake
 * succeeds (certificate not checked: only the protocol matters); for https://, whether a plain
 * HTTP request gets an `HTTP/` answer. Resolves false on any error, on `signal`, or after
 * {@link schemeProbeTimeoutMs} of silence; never rejects.
 */
export function probeOtherScheme(
  host: string,
  port: number,
  isHttps: boolean,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let done = false;
    const finish = (result: boolean): void => {
      if (done) return;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = (): void => finish(false);
    let socket: net.Socket;
    if (isHttps) {
      socket = net.connect({ host, port }, () => {
        socket.write(`HEAD / HTTP/1.0\r\nHost: ${host}\r\n\r\n`);
      });
      let head = '';
      socket.on('data', (chunk: Buffer) => {
        head += chunk.toString('latin1');
        if (head.length >= 5) finish(head.startsWith('HTTP/'));
      });
    } else {
      socket = tls.connect({
        host,
        port,
        rejectUnauthorized: false,
        ...(net.isIP(host) === 0 ? { servername: host } : {}),
      });
      socket.on('secureConnect', () => finish(true));
    }
    socket.setTimeout(schemeProbeTimeoutMs, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
    if (signal?.aborted) finish(false);
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}
