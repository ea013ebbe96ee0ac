// The configuration of a LeaderElector and its validation: client-go's LeaderElectionConfig and
// the checks of NewLeaderElector (k8s.io/client-go/tools/leaderelection/leaderelection.go).
import type { Clock, Logger } from '@kubecache/core';
import { LeaderElectionConfigError } from './errors.js';
import type { ResourceLock } from './resource-lock.js';

/** client-go's `JitterFactor`: acquire retries wait `retryPeriodMs × (1 + random × 1.2)`. */
export const jitterFactor = 1.2;

/** The defaults core Kubernetes components use (kube-controller-manager, kube-scheduler). */
export const defaultLeaderElectionTimings = {
  /** 15 s. */
  leaseDurationMs: 15_000,
  /** 10 s. */
  renewDeadlineMs: 10_000,
  /** 2 s. */
  retryPeriodMs: 2_000,
} as const;

/** Options of `createLeaderElector`. */
export interface LeaderElectorOptions {
  /** Where the record lives: `createLeaseLock(...)` (or `createMemoryLock` in tests). Its `identity` is this replica's. */
  lock: ResourceLock;
  /**
   * How long non-leaders wait, after they last saw the record change, before they take over, in
   * ms. Written into the Lease in whole seconds, so it must be a multiple of 1000. Default: 15 000.
   */
  leaseDurationMs?: number;
  /**
   * How long the leader keeps leading without a successful renewal, in ms, counted from the start
   * of the last renewal that succeeded. Must be below `leaseDurationMs` (the gap is the margin
   * for clock rate differences) and above 1.2 × `retryPeriodMs`. Default: 10 000.
   */
  renewDeadlineMs?: number;
  /** Time between attempts, in ms (acquire attempts add up to 120 % jitter). Default: 2 000. */
  retryPeriodMs?: number;
  /**
   * On abort of the `run` signal, once `onStartedLeading` has returned, write the lease with an
   * empty holder and a 1 s duration so another replica takes over at once. Default: false. (When
   * leader work fails the lease is released whatever this says.) A lease this replica created
   * less than a lease duration ago is not released (it may stand in for a deleted one whose
   * holder still leads).
   */
  releaseOnCancel?: boolean;
  /** Name of the election in logs and health errors. Default: `lock.describe()`. */
  name?: string;
  /**
   * Called when this replica starts leading. `signal` aborts the moment leadership is lost (its
   * `reason` is a `LeadershipLostError`); stop all leader work then. May return a Promise: the
   * elector waits for it before it campaigns again, and before it releases the lease.
   *
   * Supervision: if it throws, or its Promise rejects, while the term is open, the leader's work
   * is considered dead: the term ends at once (`signal` aborts with reason `work-failed`,
   * `onStoppedLeading` runs), renewals stop, the lease is released whatever `releaseOnCancel`
   * says, and `run` rejects with a `LeaderWorkFailedError` (`cause`: what it threw). A rejection
   * after `signal` aborted is only logged (and not even that when it is the abort itself). If it
   * returns or resolves while the term is open, the replica keeps leading (as client-go).
   */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** Called when a term of leadership ends, right after the `onStartedLeading` signal aborted. */
  onStoppedLeading: () => void;
  /** Called when the observed holder changes to a new (non-empty) identity, this replica's included. */
  onNewLeader?: (identity: string) => void;
  /** Clock for every timer and for the local times of observations. Default: the system clock. */
  clock?: Clock;
  /**
   * Pino-shaped logger, called as `logger.warn({ component: 'leaderelection', resource: <lease>,
   * identity, err }, msg)`, wrapped with core's `createRateLimitedLogger`: the first call of a
   * cause with its `err`, repeats as one call per 30 s with `repeated`, flushed when `run`
   * returns. Default: core's `defaultLogger` — warnings and errors to
   * stderr, one line per cause per 30 s, redacted, e.g. `kubecache warn leaderelection
   * my-system/my-controller: error retrieving resource lock: connect ECONNREFUSED 10.96.0.1:443
   * (ECONNREFUSED) identity=pod-a`.
   */
  logger?: Logger;
  /** Source of randomness for the acquire jitter, in [0, 1). Default: `Math.random`. */
  random?: () => number;
}

/** Options with defaults applied. */
export interface ResolvedConfig {
  lock: ResourceLock;
  identity: string;
  name: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  releaseOnCancel: boolean;
}

function positive(field: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new LeaderElectionConfigError(
      field,
      `${field} must be a positive number of ms, got ${String(value)}`,
    );
  }
}

/**
 * Applies defaults and validates, throwing {@link LeaderElectionConfigError}. The rules are
 * client-go's, in its order, plus a whole-second lease duration and a non-empty identity.
 */
export function resolveConfig(o: LeaderElectorOptions): ResolvedConfig {
  const leaseDurationMs = o.leaseDurationMs ?? defaultLeaderElectionTimings.leaseDurationMs;
  const renewDeadlineMs = o.renewDeadlineMs ?? defaultLeaderElectionTimings.renewDeadlineMs;
  const retryPeriodMs = o.retryPeriodMs ?? defaultLeaderElectionTimings.retryPeriodMs;
  positive('leaseDurationMs', leaseDurationMs);
  positive('renewDeadlineMs', renewDeadlineMs);
  positive('retryPeriodMs', retryPeriodMs);
  if (leaseDurationMs <= renewDeadlineMs) {
    throw new LeaderElectionConfigError(
      'renewDeadlineMs',
      `leaseDurationMs (${String(leaseDurationMs)}) must be greater than renewDeadlineMs (${String(renewDeadlineMs)})`,
    );
  }
  if (renewDeadlineMs <= jitterFactor * retryPeriodMs) {
    throw new LeaderElectionConfigError(
      'retryPeriodMs',
      `renewDeadlineMs (${String(renewDeadlineMs)}) must be greater than retryPeriodMs × ${String(jitterFactor)} (${String(jitterFactor * retryPeriodMs)})`,
    );
  }
  // Differs from client-go: Go truncates the duration to whole seconds when it writes the Lease,
  // which can silently shorten it below renewDeadline; here a fractional second is refused.
  if (leaseDurationMs % 1000 !== 0) {
    throw new LeaderElectionConfigError(
      'leaseDurationMs',
      `leaseDurationMs (${String(leaseDurationMs)}) must be a whole number of seconds: a Lease stores seconds`,
    );
  }
  if (typeof o.onStartedLeading !== 'function') {
    throw new LeaderElectionConfigError(
      'onStartedLeading',
      'the onStartedLeading callback is required',
    );
  }
  if (typeof o.onStoppedLeading !== 'function') {
    throw new LeaderElectionConfigError(
      'onStoppedLeading',
      'the onStoppedLeading callback is required',
    );
  }
  if (typeof o.lock !== 'object' || o.lock === null) {
    throw new LeaderElectionConfigError('lock', 'a lock is required (createLeaseLock)');
  }
  if (typeof o.lock.identity !== 'string' || o.lock.identity === '') {
    throw new LeaderElectionConfigError(
      'identity',
      'the lock needs a non-empty identity, unique per replica',
    );
  }
  return {
    lock: o.lock,
    identity: o.lock.identity,
    name: o.name ?? o.lock.describe(),
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    releaseOnCancel: o.releaseOnCancel ?? false,
  };
}
