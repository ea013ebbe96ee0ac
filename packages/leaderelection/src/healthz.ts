// Port of k8s.io/client-go/tools/leaderelection/healthzadaptor.go: a health check that fails when
// this replica still acts as leader long after its last successful renewal (a stuck event loop,
// or leader work that ignores its abort signal), or when its leader work failed, so a liveness
// probe can restart it. The canonical shape is core's HealthCheck (leaderElectionHealthCheck);
// createLeaderHealthCheck is the older adaptor shape, kept deprecated for its users.
import type { HealthCheck } from '@kubecache/core';
import type { LeaderElectionHealthError } from './errors.js';
import type { LeaderElector } from './leader-elector.js';

/**
 * Options of {@link createLeaderHealthCheck}.
 *
 * @deprecated Use {@link leaderElectionHealthCheck} and its
 * {@link LeaderElectionHealthCheckOptions}.
 */
export interface LeaderHealthCheckOptions {
  /**
   * How long past the lease duration a leader may go without a renewal before the check fails,
   * in ms. client-go users typically pass 20 000. Must be ≥ 0.
   */
  toleranceMs: number;
  /** The elector to watch; may also be set later with `setLeaderElector`. */
  elector?: LeaderElector;
}

/**
 * A health check for a `/healthz` or liveness endpoint, in client-go's adaptor shape.
 *
 * @deprecated Use {@link leaderElectionHealthCheck}, the same check in core's `HealthCheck`
 * shape (what `healthHandler` takes), with `setLeaderElector` too.
 *
 * Contract: `check()` returns `undefined` (healthy) while no elector is set, while the replica
 * is not acting as leader, and while it renewed within `leaseDurationMs + toleranceMs`; otherwise
 * it returns a `LeaderElectionHealthError` (it never throws). It is cheap and synchronous.
 */
export interface LeaderHealthCheck {
  /** `leaderElection`, the name client-go's adaptor reports. */
  readonly name: string;
  /** Sets (or replaces) the elector to check. */
  setLeaderElector(elector: LeaderElector): void;
  /** See the interface contract. */
  check(): LeaderElectionHealthError | undefined;
}

/**
 * Creates a {@link LeaderHealthCheck}. Throws `RangeError` for a negative or non-finite tolerance.
 *
 * @deprecated Use {@link leaderElectionHealthCheck}, which returns core's `HealthCheck` shape
 * (`leaderElectionHealthCheck(elector, { toleranceMs })`; its `check()` returns `{ ok, reason }`
 * instead of the error).
 */
// eslint-disable-next-line @typescript-eslint/no-deprecated -- the deprecated API's own types
export function createLeaderHealthCheck(options: LeaderHealthCheckOptions): LeaderHealthCheck {
  const { toleranceMs } = options;
  if (typeof toleranceMs !== 'number' || !Number.isFinite(toleranceMs) || toleranceMs < 0) {
    throw new RangeError(`toleranceMs must be a finite number ≥ 0, got ${String(toleranceMs)}`);
  }
  let elector = options.elector;
  return {
    name: 'leaderElection',
    setLeaderElector(e) {
      elector = e;
    },
    check: () => elector?.check(toleranceMs),
  };
}

/** Options of {@link leaderElectionHealthCheck}. */
export interface LeaderElectionHealthCheckOptions {
  /**
   * How long past the lease duration a leader may go without a renewal before the check fails,
   * in ms. Default: 20 000 (what client-go users typically pass to `NewLeaderHealthzAdaptor`).
   */
  toleranceMs?: number;
  /** The check's name in `/healthz` output. Default: `'leader-election'`. */
  name?: string;
}

/** The leader health check: core's `HealthCheck`, plus the elector set later if need be. */
export interface LeaderElectionHealthCheck extends HealthCheck {
  /** Sets (or replaces) the elector to check; the check passes while none is set. */
  setLeaderElector(elector: LeaderElector): void;
}

/**
 * The leader health check in core's `HealthCheck` shape, for `healthHandler` (a liveness probe:
 * `/healthz`). It fails, with the `LeaderElectionHealthError` message as reason, when this
 * replica still acts as leader past `leaseDurationMs + toleranceMs` after its last renewal (a
 * stuck event loop, or leader work that ignores its abort signal), as client-go's
 * HealthzAdaptor, and when the elector's last `run` ended because leader work failed
 * (`LeaderWorkFailedError`); it passes for candidates, for a leader that renews, and while no
 * elector is set. `check()` is synchronous and cheap, and never throws.
 *
 * @example
 * ```ts
 * http.createServer(healthHandler({ healthz: [leaderElectionHealthCheck(elector)] }))
 *   .listen(8081, '127.0.0.1');
 * ```
 * @param elector - the elector to check; may be left out and set later with `setLeaderElector`.
 * @param options - tolerance and name.
 * @throws RangeError for a negative or non-finite tolerance.
 */
export function leaderElectionHealthCheck(
  elector?: LeaderElector,
  options: LeaderElectionHealthCheckOptions = {},
): LeaderElectionHealthCheck {
  const toleranceMs = options.toleranceMs ?? 20_000;
  if (typeof toleranceMs !== 'number' || !Number.isFinite(toleranceMs) || toleranceMs < 0) {
    throw new RangeError(`toleranceMs must be a finite number ≥ 0, got ${String(toleranceMs)}`);
  }
  let current = elector;
  return {
    name: options.name ?? 'leader-election',
    setLeaderElector(e) {
      current = e;
    },
    check() {
      const err = current?.check(toleranceMs);
      return err === undefined ? { ok: true } : { ok: false, reason: err.message };
    },
  };
}
