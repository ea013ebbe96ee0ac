// The checks behind /healthz and /readyz (core's healthHandler) that pod-printer adds to the
// informer's own (informerHealthCheck, readiness): liveness is "the process answers" plus, with
// --leader-elect, the leader-election package's `leaderElectionHealthCheck` (a leader that has not
// renewed for longer than the lease duration + tolerance is stuck and should be restarted).
import type { HealthCheck } from '@kubecache/core';

/** `ping`: always ok — the event loop was free to answer. */
export const pingCheck: HealthCheck = { name: 'ping', check: () => ({ ok: true }) };
