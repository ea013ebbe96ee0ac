// Typed errors of the list/watch layer (k8s.io/apimachinery/pkg/api/errors predicates).
import { hasBrand, type Status, type StatusCause } from '@kubecache/core';

const apiStatusBrand = Symbol.for('@kubecache/listwatch/ApiStatusError');

/**
 * The API server answered with a failure `Status` (an HTTP error, or a watch ERROR event). For a
 * non-JSON error body a Status is synthesised from the HTTP status code.
 */
export class ApiStatusError extends Error {
  override readonly name = 'ApiStatusError';
  readonly [apiStatusBrand] = true;
  /** HTTP status code (or the Status `code` of a watch ERROR event). */
  readonly code: number;
  /** Status reason, e.g. `Expired`, `TooManyRequests`, `NotFound`. */
  readonly reason: string;
  /** Status `details.causes`. */
  readonly causes: readonly StatusCause[];
  /** From the Retry-After header or `details.retryAfterSeconds`. */
  readonly retryAfterSeconds: number | undefined;
  /** The Status object. */
  readonly status: Status;
  constructor(status: Status, options?: ErrorOptions & { retryAfterSeconds?: number | undefined }) {
    super(
      status.message ?? `API error ${status.code ?? ''} ${status.reason ?? ''}`.trim(),
      options,
    );
    this.status = status;
    this.code = status.code ?? 0;
    this.reason = status.reason ?? '';
    this.causes = status.details?.causes ?? [];
    this.retryAfterSeconds = options?.retryAfterSeconds ?? status.details?.retryAfterSeconds;
  }
}

/** Type guard for {@link ApiStatusError}. */
export function isApiStatusError(err: unknown): err is ApiStatusError {
  return hasBrand(err, apiStatusBrand);
}

/** 410 with reason `Expired` (a resource version or continue token too old). */
export function isExpired(err: unknown): boolean {
  return isApiStatusError(err) && err.reason === 'Expired';
}

/** 410 Gone or Expired: the requested history is no longer available. */
export function isGone(err: unknown): boolean {
  return (
    isApiStatusError(err) && (err.code === 410 || err.reason === 'Gone' || err.reason === 'Expired')
  );
}

/** A resource version newer than the server has (504/`Timeout` with cause `ResourceVersionTooLarge`). */
export function isTooLargeResourceVersion(err: unknown): boolean {
  if (!isApiStatusError(err)) return false;
  if (err.causes.some((c) => c.reason === 'ResourceVersionTooLarge')) return true;
  // Older servers only say it in the message.
  return (err.code === 504 || err.code === 500) && /too large resource version/i.test(err.message);
}

/** 429 Too Many Requests. */
export function isTooManyRequests(err: unknown): boolean {
  return isApiStatusError(err) && (err.code === 429 || err.reason === 'TooManyRequests');
}

/** 500 InternalError. */
export function isInternalError(err: unknown): boolean {
  return isApiStatusError(err) && (err.code === 500 || err.reason === 'InternalError');
}

/** The TCP connection was refused (server down or not listening), including wrapped causes. */
export function isConnectionRefused(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === 'ECONNREFUSED') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

const decodeBrand = Symbol.for('@kubecache/listwatch/WatchDecodeError');

/**
 * A watch line could not be decoded (invalid UTF-8, not JSON, unknown event type, missing object,
 * an ERROR without a Status, a line above the size limit). The watch ends with it; nothing is
 * silently skipped. `lastResourceVersion` is the RV of the last good event, to resume from.
 */
export class WatchDecodeError extends Error {
  override readonly name = 'WatchDecodeError';
  readonly [decodeBrand] = true;
  /** RV of the last event decoded successfully on this watch (`''` if none). */
  readonly lastResourceVersion: string;
  /** The start of the offending line (at most 200 characters). */
  readonly line: string;
  constructor(message: string, lastResourceVersion: string, line: string, options?: ErrorOptions) {
    super(message, options);
    this.lastResourceVersion = lastResourceVersion;
    this.line = line.length > 200 ? `${line.slice(0, 200)}…` : line;
  }
}

/** Type guard for {@link WatchDecodeError}. */
export function isWatchDecodeError(err: unknown): err is WatchDecodeError {
  return hasBrand(err, decodeBrand);
}

const idleBrand = Symbol.for('@kubecache/listwatch/WatchIdleTimeoutError');

/** No bytes (not even a bookmark) arrived on a watch for `idleTimeoutMs`: the watch was ended. */
export class WatchIdleTimeoutError extends Error {
  override readonly name = 'WatchIdleTimeoutError';
  readonly [idleBrand] = true;
  /** The timeout that elapsed. */
  readonly idleTimeoutMs: number;
  constructor(idleTimeoutMs: number) {
    super(`watch idle for ${idleTimeoutMs} ms: no bytes received`);
    this.idleTimeoutMs = idleTimeoutMs;
  }
}

/** Type guard for {@link WatchIdleTimeoutError}. */
export function isWatchIdleTimeoutError(err: unknown): err is WatchIdleTimeoutError {
  return hasBrand(err, idleBrand);
}

const responseBrand = Symbol.for('@kubecache/listwatch/ResponseDecodeError');

/**
 * A successful (2xx) response had an unusable body: not JSON, a non-JSON content type, not a
 * list, or a list without `metadata.resourceVersion`.
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
