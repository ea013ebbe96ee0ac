// Typed errors of @kubecache/leaderelection. client-go returns plain fmt.Errorf values from
// NewLeaderElector (tools/leaderelection/leaderelection.go) and the HealthzAdaptor's Check; here
// each failure has a class with a stable `name`, a global-symbol brand and an `is…` guard.
import { hasBrand } from '@kubecache/core';
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
  | 'cancelled';

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
  constructor(message: string, sinceRenewMs: number) {
    super(message);
    this.sinceRenewMs = sinceRenewMs;
  }
}

/** Type guard for {@link LeaderElectionHealthError}. */
export function isLeaderElectionHealthError(err: unknown): err is LeaderElectionHealthError {
  return hasBrand(err, healthBrand);
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
