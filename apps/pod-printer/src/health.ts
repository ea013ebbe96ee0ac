// The checks behind /healthz and /readyz (core's healthHandler) that pod-printer adds to the
// informer's own (informerHealthCheck, readiness): liveness is "the process answers" plus, with
// --leader-elect, client-go's leader-election check (a leader that has not renewed for longer than
// the lease duration + tolerance is stuck and should be restarted).
import type { HealthCheck } from '@kubecache/core';
import type { LeaderHealthCheck } from '@kubecache/leaderelection';

/** `ping`: always ok — the event loop was free to answer. */
export const pingCheck: HealthCheck = { name: 'ping', check: () => ({ ok: true }) };

/** `leaderElection`: the leader-election package's check, in core's `HealthCheck` shape. */
export function leaderElectionCheck(check: LeaderHealthCheck): HealthCheck {
  return {
    name: check.name,
    check: () => {
      const err = check.check();
      return err ? { ok: false, reason: err.message } : { ok: true };
    },
  };
}
