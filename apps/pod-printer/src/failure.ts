// What pod-printer says about an API error, and which errors end it: kubectl fails at once on a
// request the server refuses (bad selector, bad credentials, RBAC, unknown resource); a
// controller that retries those forever only hides the problem. Everything else (server down,
// 5xx, 429, a dropped watch) is retried by the informer, with one line per distinct error.
import { hasBrand, redact } from '@kubecache/core';
import { isPermanentError as isReflectorPermanentError } from '@kubecache/informer';
import { isApiStatusError, isConnectionRefused, isServerConfigError } from '@kubecache/listwatch';

/** Exit code for an error retrying cannot fix, like a usage error (kubectl exits 1; 2 is ours). */
export const permanentErrorExitCode = 2;

/**
 * True when sending the request again unchanged cannot succeed — the Reflector's
 * `isPermanentError`, the same rule its `onPermanentError: 'stop'` gives up on: 400 such as an
 * invalid label selector, 401, 403, 404 such as a resource the server does not serve, 422
 * (listwatch's `isNonRetriable`, which also covers a kubeconfig whose CA or scheme does not match
 * the server: `ServerConfigError`), or objects of another kind than expected. pod-printer stops and
 * exits {@link permanentErrorExitCode} on these.
 */
export function isPermanentError(err: unknown): boolean {
  return isReflectorPermanentError(err);
}

/**
 * The error in `err`'s cause chain (itself included) that {@link isPermanentError}, if any: the
 * Reflector wraps some failures (a WatchList request the server rejected is reported as a
 * fallback to LIST, with the server's answer as `cause`).
 */
export function permanentCause(err: unknown): Error | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    if (isPermanentError(e)) return e;
    e = e.cause;
  }
  return undefined;
}

/** The server's message, one line, with anything secret-looking redacted. */
function serverMessage(err: Error): string {
  return redact(err.message.replace(/\s+/g, ' ').trim());
}

/**
 * `err`'s message, after its name unless that is the generic `Error` (the renderer already
 * prefixes `error: `), with a Node error code such as `ECONNRESET` in parentheses.
 */
function nameAndMessage(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  const withCode =
    typeof code === 'string' && !err.message.includes(code)
      ? `${serverMessage(err)} (${code})`
      : serverMessage(err);
  return err.name === 'Error' || err.name === '' ? withCode : `${err.name}: ${withCode}`;
}

/**
 * One line for an error the informer keeps retrying (shown at most once per 10 s per line).
 * Never a stack trace; never a credential.
 *
 * @example
 * ```text
 * socket hang up (ECONNRESET); retrying
 * ```
 */
export function describeError(err: Error): string {
  if (isConnectionRefused(err)) return `API server unreachable (${serverMessage(err)}); retrying`;
  if (isApiStatusError(err))
    return `API error ${err.code} ${err.reason}: ${serverMessage(err)}; retrying`;
  return `${nameAndMessage(err)}; retrying`;
}

/**
 * The one line printed (after `pod-printer: `) before exiting {@link permanentErrorExitCode} on
 * an error that {@link isPermanentError}: what kind of refusal, the server's message, the HTTP
 * code and reason, and what to check.
 */
export function describePermanentError(err: Error): string {
  const code = isApiStatusError(err) ? ` (${err.code} ${err.reason})` : '';
  const msg = serverMessage(err);
  // Its message already names the server, the cluster and what to change in the kubeconfig.
  if (isServerConfigError(err)) return msg;
  if (!isApiStatusError(err)) return nameAndMessage(err);
  switch (err.code) {
    case 400:
      return `the server refused the request: ${msg}${code}; check --selector and --field-selector`;
    case 401:
      return `unauthorized: ${msg}${code}; check the credentials in the kubeconfig`;
    case 403:
      return `forbidden: ${msg}${code}; check RBAC: list and watch pods`;
    case 404:
      return `not found: ${msg}${code}; does the server serve pods (v1)?`;
    default:
      return `the server refused the request: ${msg}${code}`;
  }
}

const gaveUpBrand = Symbol.for('@kubecache/pod-printer/GaveUpError');

/**
 * The printer stopped on an error that {@link isPermanentError}; the message is
 * {@link describePermanentError}'s line (safe to print), the original error its `cause`.
 */
export class GaveUpError extends Error {
  override readonly name = 'GaveUpError';
  readonly [gaveUpBrand] = true;
  /** @param cause - the API error retrying cannot fix. */
  constructor(cause: Error) {
    super(describePermanentError(cause), { cause });
  }
}

/** Type guard for {@link GaveUpError}. */
export function isGaveUpError(err: unknown): err is GaveUpError {
  return hasBrand(err, gaveUpBrand);
}
