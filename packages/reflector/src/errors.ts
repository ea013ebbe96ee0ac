// Errors the Reflector reports to its watchErrorHandler (it never throws them out of run(), unless
// told to give up on errors retrying cannot fix: PermanentFailureError).
import { describeError, hasBrand, isMarkedPermanent } from '@kubecache/core';
import { isNonRetriable } from '@kubecache/listwatch';

/** What a {@link ReflectorError} is about. */
export type ReflectorErrorKind =
  | 'very-short-watch'
  /** One object of another kind than expected arrived among objects of the right kind; skipped. */
  | 'wrong-kind'
  /**
   * Every object of a list was of another kind than expected (the `kind` option does not match
   * what the server sends): a configuration error; the list is rejected, the store left as it was.
   */
  | 'kind-mismatch'
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

/**
 * True for an error that retrying cannot fix: the server refused the request itself (400 bad
 * request such as an invalid selector, 401, 403, 404 unknown resource, 422 — listwatch's
 * `isNonRetriable`), the objects are of another kind than configured (`kind-mismatch`), or an
 * error its thrower marked permanent (core's `permanentErrorBrand`: a transform that writes into
 * a shared, frozen field set).
 * The Reflector still retries them with backoff by default, as client-go does (credentials,
 * RBAC and CRDs can change while it waits), but marks them in every report, and gives up on
 * them with `onPermanentError: 'stop'`.
 */
export function isPermanentError(err: unknown): boolean {
  if (isReflectorError(err)) return err.kind === 'kind-mismatch';
  return isNonRetriable(err) || isMarkedPermanent(err);
}

const permanentBrand = Symbol.for('@kubecache/reflector/PermanentFailureError');

/** Which step a {@link PermanentFailureError} happened in. */
export type FailedStep = 'list' | 'watch';

/**
 * What `run` rejects with when the Reflector (or an informer) was told to give up on errors
 * retrying cannot fix (`onPermanentError: 'stop'`) and met one. The original error is its
 * `cause`; the message names the resource and is redacted (safe to print).
 *
 * @example
 * ```ts
 * try {
 *   await reflector.run(signal);
 * } catch (err) {
 *   if (isPermanentFailureError(err)) process.exitCode = 2;
 * }
 * ```
 */
export class PermanentFailureError extends Error {
  override readonly name = 'PermanentFailureError';
  readonly [permanentBrand] = true;
  /** The Reflector's (informer's) name, e.g. `pods.v1`. */
  readonly resource: string;
  /** The step that failed. */
  readonly step: FailedStep;
  /**
   * @param resource - the Reflector's name.
   * @param step - the step that failed.
   * @param cause - the error that retrying cannot fix.
   */
  constructor(resource: string, step: FailedStep, cause: unknown) {
    super(`${resource}: ${step} failed (will not fix itself): ${describeError(cause)}`, { cause });
    this.resource = resource;
    this.step = step;
  }
}

/** Type guard for {@link PermanentFailureError} (brand-based: works across duplicate copies). */
export function isPermanentFailureError(err: unknown): err is PermanentFailureError {
  return hasBrand(err, permanentBrand);
}
