// Typed errors of @kubecache/leaderelection. client-go returns plain fmt.Errorf values from
// NewLeaderElector (tools/leaderelection/leaderelection.go) and the HealthzAdaptor's Check; here
// each failure has a class with a stable `name`, a global-symbol brand and an `is…` guard.
import { describeError, hasBrand, isAbortError } from '@kubecache/core';
import { isApiStatusError } from '@kubecache/listwatch';

const configBrand = Symbol.for('@kubecache/leaderelection/LeaderElectionConfigError');

/**
 * The options given to `createLeaderElector` (or `createLeaseLock`) are unusable. Thrown
 * synchronously by the constructor, never by `run`. `field` names the offending option.
 *
 * The rules are client-go's `NewLeaderElector` checks: `leaseDurationMs > renewDeadlineMs`,
 * `renewDeadlineMs > 1.2 × retryPeriodMs`, every duration > 0, a lock and an identity, an
 * `onStartedLeading` and an `onStoppedLeading` callback; plus `leaseDurationMs` a whole number
 * of seconds (a Lease stores seconds).
 */
export class LeaderElectionConfigError extends Error {
  override readonly name = 'LeaderElectionConfigError';
  readonly [configBrand] = true;
  /** The option at fault, e.g. `renewDeadlineMs`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** Type guard for {@link LeaderElectionConfigError} (brand-based). */
export function isLeaderElectionConfigError(err: unknown): err is LeaderElectionConfigError {
  return hasBrand(err, configBrand);
}

const invalidLeaseBrand = Symbol.for('@kubecache/leaderelection/InvalidLeaseError');

/**
 * The lock object exists but its record cannot be trusted: a `spec` field of the wrong type or
 * out of range (a non-integer `leaseDurationSeconds`, an unparsable `renewTime`, a negative
 * `leaseTransitions`, …). The elector reports it and treats the lease as held by someone it
 * cannot identify, until the record stays unchanged for a lease duration; then it overwrites it
 * (with the resourceVersion precondition).
 */
export class InvalidLeaseError extends Error {
  override readonly name = 'InvalidLeaseError';
  readonly [invalidLeaseBrand] = true;
  /** `namespace/name` of the lock. */
  readonly lock: string;
  /** The `spec` fields that failed validation, e.g. `['leaseDurationSeconds', 'renewTime']`. */
  readonly fields: readonly string[];
  constructor(lock: string, fields: readonly string[], details: readonly string[]) {
    super(`lease ${lock} has an invalid record: ${details.join('; ')}`);
    this.lock = lock;
    this.fields = fields;
  }
}

/** Type guard for {@link InvalidLeaseError}. */
export function isInvalidLeaseError(err: unknown): err is InvalidLeaseError {
  return hasBrand(err, invalidLeaseBrand);
}

const lostBrand = Symbol.for('@kubecache/leaderelection/LeadershipLostError');

/** Why a term of leadership ended. */
export type LeadershipLostReason =
  /** No renewal succeeded within `renewDeadlineMs` of the start of the last successful one. */
  | 'renew-deadline'
  /** The lock was observed held by another identity. */
  | 'lease-taken'
  /** The `run` signal was aborted. */
  | 'cancelled'
  /** `onStartedLeading` rejected (or threw) while the term was open: see {@link LeaderWorkFailedError}. */
  | 'work-failed';

/**
 * The `reason` of the AbortSignal handed to `onStartedLeading` when the term ends. `cause` is the
 * last renewal error, if there was one.
 */
export class LeadershipLostError extends Error {
  override readonly name = 'LeadershipLostError';
  readonly [lostBrand] = true;
  /** Why the term ended. */
  readonly reason: LeadershipLostReason;
  constructor(reason: LeadershipLostReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/** Type guard for {@link LeadershipLostError}. */
export function isLeadershipLostError(err: unknown): err is LeadershipLostError {
  return hasBrand(err, lostBrand);
}

const healthBrand = Symbol.for('@kubecache/leaderelection/LeaderElectionHealthError');

/**
 * Returned by the health check when this replica still acts as leader (a term is open, or the
 * `onStartedLeading` of an ended term has not returned) but its last successful renewal is older
 * than the lease duration plus the tolerance: other replicas may already lead.
 */
export class LeaderElectionHealthError extends Error {
  override readonly name = 'LeaderElectionHealthError';
  readonly [healthBrand] = true;
  /** Time since the last successful renewal, in ms (local clock). */
  readonly sinceRenewMs: number;
  constructor(message: string, sinceRenewMs: number, options?: ErrorOptions) {
    super(message, options);
    this.sinceRenewMs = sinceRenewMs;
  }
}

/** Type guard for {@link LeaderElectionHealthError}. */
export function isLeaderElectionHealthError(err: unknown): err is LeaderElectionHealthError {
  return hasBrand(err, healthBrand);
}

const workFailedBrand = Symbol.for('@kubecache/leaderelection/LeaderWorkFailedError');

/**
 * One line describing anything a user's callback threw or rejected with — a revoked `Proxy`, an
 * object whose getters throw, a symbol — without ever throwing itself.
 */
export function describeRejection(value: unknown): string {
  try {
    return describeError(value);
  } catch {
    try {
      return typeof value === 'symbol'
        ? value.toString()
        : `a ${typeof value} that cannot be inspected`;
    } catch {
      return 'a value that cannot be inspected';
    }
  }
}

/**
 * An `Error` for anything a user's callback threw or rejected with: the value itself when it is
 * an `Error`, else an `Error` describing it with the value as `cause`. Never throws.
 */
export function rejectionToError(value: unknown): Error {
  try {
    if (value instanceof Error) return value;
  } catch {
    // A revoked Proxy: even instanceof throws.
  }
  return new Error(describeRejection(value), { cause: value });
}

/**
 * True when `value` is how leader work usually ends once its signal aborted: the signal's own
 * `reason` (a {@link LeadershipLostError}), an `AbortedError` or a DOM `AbortError`. Never throws.
 */
export function isAbortLike(value: unknown, signal: AbortSignal): boolean {
  try {
    return value === signal.reason || isAbortError(value) || isLeadershipLostError(value);
  } catch {
    return false;
  }
}

/**
 * `run()` rejects with this when `onStartedLeading` rejected (or threw) while its term was open:
 * the leader's work died, so the elector ended the term (the term's signal aborted with reason
 * `work-failed`, `onStoppedLeading` ran), stopped renewing and released the Lease (whatever
 * `releaseOnCancel` says) before `run()` rejected. `cause` is the value `onStartedLeading`
 * rejected with, untouched.
 *
 * Differs from client-go: there, `OnStartedLeading` runs in a goroutine whose end (or panic) the
 * elector never looks at; controller-runtime's manager stops when a runnable fails, which this
 * mirrors.
 */
export class LeaderWorkFailedError extends Error {
  override readonly name = 'LeaderWorkFailedError';
  readonly [workFailedBrand] = true;
  /** The lease (the elector's `name`, e.g. `my-system/my-controller`). */
  readonly lease: string;
  /** This replica's identity. */
  readonly identity: string;
  constructor(lease: string, identity: string, cause: unknown) {
    super(`leader work failed: ${describeRejection(cause)}`, { cause });
    this.lease = lease;
    this.identity = identity;
  }
}

/** Type guard for {@link LeaderWorkFailedError} (brand-based). */
export function isLeaderWorkFailedError(err: unknown): err is LeaderWorkFailedError {
  return hasBrand(err, workFailedBrand);
}

/**
 * A write lost an optimistic-concurrency race: HTTP 409 (`Conflict` on an update whose
 * `resourceVersion` is stale, `AlreadyExists` on a create). Not an error of the elector: another
 * replica wrote first.
 */
export function isConflict(err: unknown): boolean {
  return isApiStatusError(err) && err.code === 409;
}

/** HTTP 404 NotFound. */
export function isNotFound(err: unknown): boolean {
  return isApiStatusError(err) && err.code === 404;
}
