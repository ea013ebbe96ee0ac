// Port of the error predicates in k8s.io/apimachinery/pkg/api/errors/errors.go (the Is… checks, which
// go by reason and fall back on the HTTP code when the reason is missing or unknown;
// NewGenericServerResponse's reason for a code) and of the reflector's
// isExpiredError / isTooLargeResourceVersionError (k8s.io/client-go/tools/cache/reflector.go), plus
// the typed errors of the watch decoder (k8s.io/apimachinery/pkg/watch/streamwatcher.go).
import { hasBrand, matchesStatusReason, type Status, type StatusCause } from '@kubecache/core';
import { isServerConfigError } from './server-config-error.js';

const apiStatusBrand = Symbol.for('@kubecache/listwatch/ApiStatusError');

/** True when `value` looks like a `metav1.Status` (kind `Status`, or a numeric `code`). */
export function isStatusObject(value: unknown): value is Status {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const s = value as Status;
  return s.kind === 'Status' || typeof s.code === 'number';
}

/** Options of {@link ApiStatusError} besides the Status itself. */
export interface ApiStatusErrorOptions extends ErrorOptions {
  /** Seconds from the `Retry-After` header; wins over `status.details.retryAfterSeconds`. */
  retryAfterSeconds?: number | undefined;
}

/**
 * The API server answered with a failure `Status`: an HTTP error response, or an ERROR event on a
 * watch. When an error body is not a Status (an HTML page from a proxy, an empty body, a redirect)
 * a Status is synthesised from the HTTP status code, so `code` and `reason` are always set.
 */
export class ApiStatusError extends Error {
  override readonly name = 'ApiStatusError';
  readonly [apiStatusBrand] = true;
  /** HTTP status code (for a watch ERROR event: the Status `code`). `0` if unknown. */
  readonly code: number;
  /** Status reason, e.g. `Expired`, `TooManyRequests`, `NotFound`; `''` if the server gave none. */
  readonly reason: string;
  /** `status.details.causes`, empty if none. */
  readonly causes: readonly StatusCause[];
  /** Seconds to wait before retrying: the `Retry-After` header, else `details.retryAfterSeconds`. */
  readonly retryAfterSeconds: number | undefined;
  /** The Status object as received (or synthesised). */
  readonly status: Status;
  constructor(status: Status, options?: ApiStatusErrorOptions) {
    const fallback = `API error ${String(status.code ?? '')} ${status.reason ?? ''}`.trim();
    super(
      status.message !== undefined && status.message !== '' ? status.message : fallback,
      options,
    );
    this.status = status;
    this.code = typeof status.code === 'number' ? status.code : 0;
    this.reason = typeof status.reason === 'string' ? status.reason : '';
    this.causes = Array.isArray(status.details?.causes) ? status.details.causes : [];
    const fromStatus = status.details?.retryAfterSeconds;
    this.retryAfterSeconds =
      options?.retryAfterSeconds ?? (typeof fromStatus === 'number' ? fromStatus : undefined);
  }
}

/** Type guard for {@link ApiStatusError} (brand-based: works across duplicate package copies). */
export function isApiStatusError(err: unknown): err is ApiStatusError {
  return hasBrand(err, apiStatusBrand);
}

/**
 * apimachinery's rule for every `Is…` check (core's `matchesStatusReason`): the reason decides;
 * the HTTP code only counts when the reason is missing or unknown (a proxy's HTML page, a Status
 * without a reason). Only {@link ApiStatusError}s match.
 */
function hasReasonOrCode(err: unknown, reason: string, code: number): boolean {
  return isApiStatusError(err) && matchesStatusReason(err, reason, code);
}

/**
 * The reason client-go gives an error answer whose body is not a Status, from its HTTP code
 * (apimachinery `NewGenericServerResponse`): 400 BadRequest, 401 Unauthorized, 403 Forbidden,
 * 404 NotFound, 405 MethodNotAllowed, 406 NotAcceptable, 409 Conflict, 410 Gone, 415
 * UnsupportedMediaType, 422 Invalid, 429 TooManyRequests, 503 ServiceUnavailable, 504 Timeout,
 * any other 5xx InternalError, anything else `Unknown`.
 */
export function reasonForStatusCode(code: number): string {
  // Differs from client-go: Go leaves a bare 410 `Unknown` (its IsGone then matches by code);
  // naming it Gone says the same thing more plainly.
  return reasonsByCode[code] ?? (code >= 500 ? 'InternalError' : 'Unknown');
}

const reasonsByCode: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/**
 * The resource version or continue token asked for is older than the server's history, so the
 * caller must list afresh: reason `Expired` or `Gone`, or HTTP 410 with a missing or unknown
 * reason. This is the reflector's `isExpiredError` (apimachinery `IsResourceExpired` or
 * `IsGone`), which decides a relist from the latest resource version.
 */
export function isExpired(err: unknown): boolean {
  return hasReasonOrCode(err, 'Expired', 410) || hasReasonOrCode(err, 'Gone', 410);
}

/**
 * Same as {@link isExpired}: reason `Gone` or `Expired`, or a 410 without a known reason.
 */
// Differs from client-go: apimachinery's IsGone does not match reason Expired; kubecache's callers
// only ever ask "is the history gone?", which both reasons answer.
export function isGone(err: unknown): boolean {
  return isExpired(err);
}

/**
 * The resource version asked for is newer than the server has (the reflector's
 * `isTooLargeResourceVersionError`): a cause `ResourceVersionTooLarge` on any error, or, from
 * servers before 1.18.6, a Timeout ({@link isTimeout}: reason `Timeout`, or 504 without a known
 * reason) whose message or a cause's message says "Too large resource version".
 */
export function isTooLargeResourceVersion(err: unknown): boolean {
  if (!isApiStatusError(err)) return false;
  if (err.causes.some((c) => c.reason === 'ResourceVersionTooLarge')) return true;
  if (!isTimeout(err)) return false;
  const legacy = 'Too large resource version';
  return err.causes.some((c) => c.message === legacy) || err.message.includes(legacy);
}

/**
 * 429 Too Many Requests (API Priority and Fairness, or a rate limit): reason `TooManyRequests`,
 * or code 429 whatever the reason (apimachinery checks this code unconditionally).
 */
export function isTooManyRequests(err: unknown): boolean {
  return isApiStatusError(err) && (err.code === 429 || err.reason === 'TooManyRequests');
}

/** Reason `InternalError`, or 500 without a known reason (apimachinery `IsInternalError`). */
export function isInternalError(err: unknown): boolean {
  return hasReasonOrCode(err, 'InternalError', 500);
}

/** Reason `NotFound`, or 404 without a known reason (apimachinery `IsNotFound`). */
export function isNotFound(err: unknown): boolean {
  return hasReasonOrCode(err, 'NotFound', 404);
}

/** Reason `Unauthorized`, or 401 without a known reason (apimachinery `IsUnauthorized`). */
export function isUnauthorized(err: unknown): boolean {
  return hasReasonOrCode(err, 'Unauthorized', 401);
}

/** Reason `Forbidden`, or 403 without a known reason (apimachinery `IsForbidden`). */
export function isForbidden(err: unknown): boolean {
  return hasReasonOrCode(err, 'Forbidden', 403);
}

/** Reason `Invalid`, or 422 without a known reason (apimachinery `IsInvalid`). */
export function isInvalid(err: unknown): boolean {
  return hasReasonOrCode(err, 'Invalid', 422);
}

/**
 * Reason `BadRequest`, or 400 without a known reason (apimachinery `IsBadRequest`), e.g. an
 * unparsable label or field selector.
 */
export function isBadRequest(err: unknown): boolean {
  return hasReasonOrCode(err, 'BadRequest', 400);
}

/** Reason `Conflict`, or 409 without a known reason (apimachinery `IsConflict`). */
export function isConflict(err: unknown): boolean {
  return hasReasonOrCode(err, 'Conflict', 409);
}

/** Reason `Timeout`, or 504 without a known reason (apimachinery `IsTimeout`). */
export function isTimeout(err: unknown): boolean {
  return hasReasonOrCode(err, 'Timeout', 504);
}

/**
 * Reason `ServiceUnavailable`, or 503 without a known reason (apimachinery
 * `IsServiceUnavailable`).
 */
export function isServiceUnavailable(err: unknown): boolean {
  return hasReasonOrCode(err, 'ServiceUnavailable', 503);
}

/**
 * The server refused the request itself, so sending it again unchanged cannot succeed: bad
 * request (e.g. an invalid selector), unauthorized, forbidden, not found (e.g. a CRD that is not
 * installed) or invalid; each by reason or by code as above. Also true for a
 * `ServerConfigError`: the kubeconfig does not match the server (a certificate its CA does
 * not trust, https:// to a plain-HTTP port, http:// to a TLS port). Meant for reporting (such an
 * error needs a human); a reflector still keeps retrying with backoff, as client-go's does,
 * because RBAC, credentials, CRDs and certificates can change while it waits.
 */
// Differs from client-go: a ServerConfigError is a url.Error there, which nothing calls permanent.
export function isNonRetriable(err: unknown): boolean {
  return (
    isServerConfigError(err) ||
    isBadRequest(err) ||
    isUnauthorized(err) ||
    isForbidden(err) ||
    isNotFound(err) ||
    isInvalid(err)
  );
}

/**
 * The TCP connection was refused (server down or not listening): `ECONNREFUSED` on the error,
 * on any error in its `cause` chain, or inside an `AggregateError` (Node's happy-eyeballs
 * connection attempts report one per address).
 */
export function isConnectionRefused(err: unknown): boolean {
  const seen = new Set<unknown>();
  const stack: unknown[] = [err];
  while (stack.length > 0) {
    const e = stack.pop();
    if (typeof e !== 'object' || e === null || seen.has(e) || seen.size > 16) continue;
    seen.add(e);
    if ((e as { code?: unknown }).code === 'ECONNREFUSED') return true;
    stack.push((e as { cause?: unknown }).cause);
    const inner = (e as { errors?: unknown }).errors;
    if (Array.isArray(inner)) for (const i of inner as unknown[]) stack.push(i);
  }
  return false;
}

const decodeBrand = Symbol.for('@kubecache/listwatch/WatchDecodeError');

/** Longest preview of an offending line kept on a {@link WatchDecodeError}, in characters. */
const previewChars = 200;

/**
 * A watch line could not be decoded: invalid UTF-8, not JSON, not an object, an unknown event
 * type, a missing object, an ERROR event whose object is not a Status, a line above the size
 * limit, or a truncated last line. The watch ends with this error; nothing is skipped silently.
 * Events before the bad line were delivered; `lastResourceVersion` is the RV of the last of them,
 * so a caller can resume a watch from there.
 */
export class WatchDecodeError extends Error {
  override readonly name = 'WatchDecodeError';
  readonly [decodeBrand] = true;
  /** RV of the last event decoded successfully on this watch (`''` if none). */
  readonly lastResourceVersion: string;
  /** The start of the offending line (at most 200 characters, `…` appended when cut). */
  readonly line: string;
  constructor(message: string, lastResourceVersion: string, line: string, options?: ErrorOptions) {
    super(message, options);
    this.lastResourceVersion = lastResourceVersion;
    this.line = line.length > previewChars ? `${line.slice(0, previewChars)}…` : line;
  }
}

/** Type guard for {@link WatchDecodeError}. */
export function isWatchDecodeError(err: unknown): err is WatchDecodeError {
  return hasBrand(err, decodeBrand);
}

const idleBrand = Symbol.for('@kubecache/listwatch/WatchIdleTimeoutError');

/**
 * No bytes arrived for `idleTimeoutMs` (bookmarks count as bytes), so the request was ended and
 * its socket destroyed. Raised by watches (while waiting for headers or for the next byte) and
 * by lists (same rule; `verb` tells which): a half-open TCP connection otherwise hangs forever.
 */
export class WatchIdleTimeoutError extends Error {
  override readonly name = 'WatchIdleTimeoutError';
  readonly [idleBrand] = true;
  /** The timeout that elapsed, in ms. */
  readonly idleTimeoutMs: number;
  /** The request that went idle. */
  readonly verb: 'list' | 'watch';
  constructor(idleTimeoutMs: number, verb: 'list' | 'watch' = 'watch') {
    super(`${verb} idle for ${String(idleTimeoutMs)} ms: no bytes received`);
    this.idleTimeoutMs = idleTimeoutMs;
    this.verb = verb;
  }
}

/** Type guard for {@link WatchIdleTimeoutError}. */
export function isWatchIdleTimeoutError(err: unknown): err is WatchIdleTimeoutError {
  return hasBrand(err, idleBrand);
}

const responseBrand = Symbol.for('@kubecache/listwatch/ResponseDecodeError');

/**
 * A 2xx response had an unusable body: a non-JSON content type (an HTML login page of a proxy),
 * invalid UTF-8, invalid JSON, not a list (no `items` array), or a list without
 * `metadata.resourceVersion`.
 */
export class ResponseDecodeError extends Error {
  override readonly name = 'ResponseDecodeError';
  readonly [responseBrand] = true;
  /** HTTP status of the response. */
  readonly statusCode: number;
  constructor(message: string, statusCode: number, options?: ErrorOptions) {
    super(message, options);
    this.statusCode = statusCode;
  }
}

/** Type guard for {@link ResponseDecodeError}. */
export function isResponseDecodeError(err: unknown): err is ResponseDecodeError {
  return hasBrand(err, responseBrand);
}
