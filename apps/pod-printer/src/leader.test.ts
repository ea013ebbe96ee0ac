// A printer whose workers die is never left half-alive (issue 21 input 3): supervisedLead hands
// the failure to main (which exits 1 naming it); with leader election over the test server the
// elector first ends the term and releases the Lease, so a standby takes over at once.
import { isLeaderWorkFailedError } from '@kubecache/leaderelection';
import { startApiServer, type ApiServer } from '@kubecache/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { leaderElectionLead, supervisedLead } from './leader.js';
import { alwaysLead } from './printer.js';
import type { Renderer } from './render.js';

const renderer = { leadership: () => undefined } as unknown as Renderer;

describe('supervisedLead', () => {
  let server: ApiServer;
  beforeEach(async () => {
    server = await startApiServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('hands the error of workers that died to onFailed and resolves', async () => {
    const died = new TypeError('worker bug');
    const failures: unknown[] = [];
    const lead = supervisedLead(alwaysLead, (err) => failures.push(err));
    await lead(() => Promise.reject(died), new AbortController().signal);
    expect(failures).toEqual([died]);
  });

  it('with leader election, ends the term, releases the Lease, then reports the failure', async () => {
    const died = new TypeError('worker bug');
    const failures: unknown[] = [];
    const lead = supervisedLead(
      leaderElectionLead({
        kubeConfig: server.kubeConfig,
        renderer,
        election: {
          leaseName: 'pod-printer',
          leaseNamespace: 'default',
          identity: 'a',
          leaseDurationMs: 2000,
          renewDeadlineMs: 1500,
          retryPeriodMs: 200,
        },
      }),
      (err) => failures.push(err),
    );
    let ran = false;
    const ac = new AbortController();
    await lead(async () => {
      ran = true;
      await new Promise((r) => setTimeout(r, 100));
      throw died;
    }, ac.signal);
    expect(ran).toBe(true);
    expect(ac.signal.aborted).toBe(false); // it ended on its own
    expect(failures).toHaveLength(1);
    const err = failures[0];
    expect(isLeaderWorkFailedError(err)).toBe(true);
    expect((err as Error).cause).toBe(died);
    const lease = server.get('leases.coordination.k8s.io', 'default', 'pod-printer') as {
      spec?: { holderIdentity?: string };
    };
    expect(lease.spec?.holderIdentity ?? '').toBe('');
  });
});
