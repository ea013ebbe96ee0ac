// --leader-elect: client-go's leader election over a coordination.k8s.io/v1 Lease
// (@kubecache/leaderelection). Every replica runs its informer; only the replica holding the Lease
// runs the workers (prints). The others print one STANDBY line naming the leader, and take over
// when its Lease expires (SIGKILL) or is released (SIGTERM: released at once).
import type { KubeConfig } from '@kubernetes/client-node';
import {
  createLeaderElector,
  createLeaseLock,
  type LeaderElectionHealthCheck,
} from '@kubecache/leaderelection';
import type { LeaderElectionOptions } from './cli.js';
import type { Lead } from './printer.js';
import type { Renderer } from './render.js';

/** What {@link leaderElectionLead} needs. */
export interface LeaderLeadOptions {
  kubeConfig: KubeConfig;
  election: LeaderElectionOptions;
  renderer: Renderer;
  /** Given the elector, for `/healthz` (client-go's HealthzAdaptor). */
  healthCheck?: LeaderElectionHealthCheck;
}

/**
 * A {@link Lead} that runs the workers only during this replica's terms of leadership. Resolves
 * after `signal` aborted, the workers stopped and the Lease was released (bounded by the renew
 * deadline), so that the next replica takes over at once.
 */
export function leaderElectionLead(options: LeaderLeadOptions): Lead {
  const { election: e, renderer } = options;
  const lease = `${e.leaseNamespace}/${e.leaseName}`;
  return async (runWorkers, signal) => {
    const lock = createLeaseLock({
      kubeConfig: options.kubeConfig,
      namespace: e.leaseNamespace,
      name: e.leaseName,
      identity: e.identity,
      userAgent: 'pod-printer',
    });
    const elector = createLeaderElector({
      lock,
      leaseDurationMs: e.leaseDurationMs,
      renewDeadlineMs: e.renewDeadlineMs,
      retryPeriodMs: e.retryPeriodMs,
      releaseOnCancel: true,
      name: lease,
      onStartedLeading: async (term) => {
        renderer.leadership({ kind: 'leading', identity: e.identity, lease });
        await runWorkers(term);
      },
      onStoppedLeading: () => renderer.leadership({ kind: 'stopped', identity: e.identity, lease }),
      onNewLeader: (leader) => {
        if (leader !== e.identity)
          renderer.leadership({ kind: 'standby', identity: e.identity, leader, lease });
      },
    });
    options.healthCheck?.setLeaderElector(elector);
    try {
      await elector.run(signal);
    } finally {
      lock.close();
    }
  };
}

/**
 * A {@link Lead} that never leaves the printer half-alive: when `lead` rejects — the workers
 * died (with leader election the elector then ended the term and released the Lease, and its
 * run rejected with a `LeaderWorkFailedError`), or the election itself failed — `onFailed`
 * receives the error (main stops the printer and exits 1 naming the cause, with the stack) and
 * the returned lead resolves. controller-runtime's manager stops in the same way when a runnable
 * fails.
 */
export function supervisedLead(lead: Lead, onFailed: (err: unknown) => void): Lead {
  return async (runWorkers, signal) => {
    try {
      await lead(runWorkers, signal);
    } catch (err) {
      onFailed(err);
    }
  };
}
