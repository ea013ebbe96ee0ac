// Errors the Reflector reports to its watchErrorHandler (it never throws them out of run()).
import { hasBrand } from '@kubecache/core';

/** What a {@link ReflectorError} is about. */
export type ReflectorErrorKind =
  | 'very-short-watch'
  | 'wrong-kind'
  | 'object'
  | 'store'
  | 'watchlist'
  /** A list answered older than the synced RV; it is retried. */
  | 'stale-list'
  /** The server kept answering older than the synced RV; its answer was accepted. */
  | 'resource-version-reset'
  /** The WatchList consistency detector found a difference. */
  | 'watchlist-inconsistent'
  | 'watch';

const brand = Symbol.for('@kubecache/reflector/ReflectorError');

/** A problem the Reflector handled itself (and reported): a skipped object, a short watch, … */
export class ReflectorError extends Error {
  override readonly name = 'ReflectorError';
  readonly [brand] = true;
  /** What happened. */
  readonly kind: ReflectorErrorKind;
  constructor(kind: ReflectorErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
  }
}

/** Type guard for {@link ReflectorError}. */
export function isReflectorError(err: unknown): err is ReflectorError {
  return hasBrand(err, brand);
}
