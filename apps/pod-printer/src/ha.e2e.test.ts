// --leader-elect: two replicas of the built binary against one in-process API server. Both keep
// their informer warm; only the leader prints. SIGKILL of the leader (no release) makes the other
// take over once the Lease expires: within leaseDuration + retryPeriod (+ the acquire jitter of
// up to 1.2 retry periods, + slack). SIGTERM releases the Lease, so the takeover is immediate.
import { describe, expect, it } from 'vitest';
import { run, startServer, until } from './test-support/binary.js';

const timings = ['--lease-duration', '4s', '--renew-deadline', '3s', '--retry-period', '1s'];
const leaseDurationMs = 4000;
const retryPeriodMs = 1000;
const slackMs = 3000; // acquire jitter (up to 1.2 × retry period) + process and HTTP latency under load

function replica(kubeconfig: string, identity: string) {
  return run([
    '--kubeconfig',
    kubeconfig,
    '-o',
    'lines',
    '--interval',
    '1h',
    '--leader-elect',
    '--lease-name',
    'printer-ha',
    '--lease-namespace',
    'ns',
    '--identity',
    identity,
    ...timings,
  ]);
}

describe('pod-printer --leader-elect', () => {
  it('only the leader prints; after SIGKILL of the leader the standby takes over within leaseDuration + retryPeriod + slack', async () => {
    const { server, kubeconfig } = await startServer(3);
    const a = replica(kubeconfig, 'replica-a');
    await until(() => a.out().includes('SYNCED 3 pods'), 'replica-a leads and prints');
    expect(a.out()).toMatch(/^LEADING replica-a holds lease ns\/printer-ha; printing\n/);

    const b = replica(kubeconfig, 'replica-b');
    await until(() => b.out().includes('STANDBY'), 'replica-b stands by');
    expect(b.out()).toBe(
      'STANDBY replica-b: replica-a leads (lease ns/printer-ha); keeping the cache warm, not printing\n',
    );
    // A change while b stands by: a prints it, b only caches it.
    server.patch('pods', 'ns', 'p1', { status: { phase: 'Running' } });
    await until(() => a.out().includes('MODIFIED ns/p1: phase Pending→Running'), 'a prints');
    await new Promise((r) => setTimeout(r, 300));
    expect(b.out().split('\n').filter(Boolean)).toHaveLength(1);

    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await until(() => b.out().includes('LEADING replica-b'), 'takeover', 20_000);
    const takeoverMs = Date.now() - killedAt;
    console.log(
      `takeover after SIGKILL of the leader: ${takeoverMs} ms (lease 4s, renew 3s, retry 1s)`,
    );
    expect(takeoverMs).toBeLessThan(leaseDurationMs + retryPeriodMs + slackMs);
    // b's cache was warm: it prints every pod (with the change it saw) right after taking over.
    await until(() => b.out().includes('SYNCED 3 pods'), 'b prints the warm cache', 3000);
    expect(b.out()).toContain('ADDED ns/p1 (Running)');
    const lease = server.get('leases.coordination.k8s.io', 'ns', 'printer-ha') as {
      spec?: { holderIdentity?: string; leaseTransitions?: number };
    };
    expect(lease.spec?.holderIdentity).toBe('replica-b');
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
  });

  it('SIGTERM releases the Lease: the standby takes over without waiting for it to expire', async () => {
    const { kubeconfig } = await startServer(1);
    const a = replica(kubeconfig, 'replica-a');
    await until(() => a.out().includes('LEADING replica-a'), 'a leads');
    const b = replica(kubeconfig, 'replica-b');
    await until(() => b.out().includes('STANDBY'), 'b stands by');
    const t0 = Date.now();
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(a.out()).toContain('STOPPED LEADING replica-a');
    await until(() => b.out().includes('LEADING replica-b'), 'takeover', 10_000);
    // At most one acquire attempt (retry period × 2.2 jitter) after the release, not a lease duration.
    expect(Date.now() - t0).toBeLessThan(retryPeriodMs * 2.2 + 1500);
  });
});
