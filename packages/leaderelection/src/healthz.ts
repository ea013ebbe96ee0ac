// Port of k8s.io/client-go/tools/leaderelection/healthzadaptor.go: a health check that fails when
// this replica still acts as leader long after its last successful renewal (a stuck event loop,
// or leader work that ignores its abort signal), so a liveness probe can restart it.
import type { LeaderElectionHealthError } from './errors.js';
import type { LeaderElector } from './leader-elector.js';

/** Options of {@link createLeaderHealthCheck}. */
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
 * A health check for a `/healthz` or liveness endpoint.
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

/** Creates a {@link LeaderHealthCheck}. Throws `RangeError` for a negative or non-finite tolerance. */
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
