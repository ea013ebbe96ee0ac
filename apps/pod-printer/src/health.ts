// The checks behind /healthz and /readyz (core's healthHandler): liveness is "the process answers"
// plus, with --leader-elect, client-go's leader-election check (a leader that has not renewed for
// longer than the lease duration + tolerance is stuck and should be restarted); readiness is "the
// pod informer's cache holds the initial list".
import type { HealthCheck } from '@kubecache/core';
import type { LeaderHealthCheck } from '@kubecache/leaderelection';

/** `ping`: always ok — the event loop was free to answer. */
export const pingCheck: HealthCheck = { name: 'ping', check: () => ({ ok: true }) };

/**
 * `informer-sync`: ok once `hasSynced()` is true (the informer's cache holds the first list);
 * until then the reason names the resource, and the last error the informer met, if any.
 */
export function informerSyncedCheck(
  resource: string,
  hasSynced: () => boolean,
  lastError: () => string | undefined = () => undefined,
): HealthCheck {
  return {
    name: 'informer-sync',
    check: () => {
      if (hasSynced()) return { ok: true };
      const err = lastError();
      return { ok: false, reason: `${resource} not synced${err ? `: ${err}` : ''}` };
    },
  };
}

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
