// Port of the error predicates in k8s.io/apimachinery/pkg/api/errors/errors.go (IsResourceExpired,
// IsGone, IsTooManyRequests, IsInternalError, the Retry-After of SuggestsClientDelay) and of the reflector's
// isExpiredError / isTooLargeResourceVersionError (k8s.io/client-go/tools/cache/reflector.go), plus
// the typed errors of the watch decoder (k8s.io/apimachinery/pkg/watch/streamwatcher.go).
import { hasBrand, type Status, type StatusCause } from '@kubecache/core';

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
 * 410 with reason `Expired`: a resource version or continue token is older than the server's
 * history (apimachinery `IsResourceExpired`).
 */
export function isExpired(err: unknown): boolean {
  return isApiStatusError(err) && err.reason === 'Expired';
}

/**
 * The requested history is gone: reason `Gone` or `Expired`, or HTTP 410 without a reason. This is
 * the reflector's notion of "expired" (client-go `isExpiredError`), which both relist triggers use.
 */
export function isGone(err: unknown): boolean {
  // Differs from client-go: apimachinery's IsGone checks only reason Gone; this guard also
  // accepts Expired and a bare 410, which is what the reflector needs to decide on a relist.
  return (
    isApiStatusError(err) && (err.reason === 'Gone' || err.reason === 'Expired' || err.code === 410)
  );
}

/**
 * The resource version asked for is newer than the server has (504 Timeout with cause
 * `ResourceVersionTooLarge`, or older servers' "Too large resource version" message).
 */
export function isTooLargeResourceVersion(err: unknown): boolean {
  if (!isApiStatusError(err)) return false;
  if (err.causes.some((c) => c.reason === 'ResourceVersionTooLarge')) return true;
  const timeoutLike = err.code === 504 || err.reason === 'Timeout' || err.code === 500;
  return timeoutLike && /too large resource version/i.test(err.message);
}

/** 429 Too Many Requests (API Priority and Fairness, or a rate limit). */
export function isTooManyRequests(err: unknown): boolean {
  return isApiStatusError(err) && (err.code === 429 || err.reason === 'TooManyRequests');
}

/** 500 InternalError. */
export function isInternalError(err: unknown): boolean {
  return isApiStatusError(err) && (err.code === 500 || err.reason === 'InternalError');
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
