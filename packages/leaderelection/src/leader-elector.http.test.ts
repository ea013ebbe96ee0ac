import type { ApiServer } from '@kubecache/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { isInvalidLeaseError, isLeaderWorkFailedError } from './errors.js';
import { recordToLeaseSpec } from './record.js';
import { leaderElectionHealthCheck } from './healthz.js';
import {
  leases,
  startHttpCluster,
  startLeaseServer,
  storedLease,
  type HttpCluster,
} from './test-support/server.js';

let server: ApiServer | undefined;
let cluster: HttpCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  await server?.close();
  cluster = undefined;
  server = undefined;
});

async function start(
  ids = ['a', 'b', 'c'],
  options = {},
): Promise<{ s: ApiServer; c: HttpCluster }> {
  server = await startLeaseServer({ tls: true, token: 'secret' });
  cluster = startHttpCluster(server, ids, options);
  return { s: server, c: cluster };
}

describe('LeaderElector over a Lease on the in-process API server (real HTTPS, FakeClock)', () => {
  it('three electors: exactly one leads; the Lease names it and is renewed every retryPeriod', async () => {
    const { s, c } = await start();
    await c.step(100);
    expect(c.leaders()).toHaveLength(1);
    const leader = c.leaders()[0]!;
    const rv0 = storedLease(s)!.metadata!.resourceVersion;
    await c.step(20_000, 250);
    expect(c.leaders()).toEqual([leader]);
    expect(c.checker.violations).toEqual([]);
    for (const r of c.replicas) expect(r.elector.getLeader()).toBe(leader);
    const lease = storedLease(s)!;
    expect(lease.spec).toMatchObject({
      holderIdentity: leader,
      leaseDurationSeconds: 15,
      leaseTransitions: 1, // the released Lease of startHttpCluster was taken over
    });
    expect(lease.metadata!.resourceVersion).not.toBe(rv0);
    expect(s.requests.count({ verb: 'update', resource: leases })).toBeGreaterThanOrEqual(9);
  });

  it('the leader stops without release: another replica leads after leaseDuration (± retryPeriod)', async () => {
    const { c } = await start();
    await c.step(4_000);
    const old = c.replica(c.leaders()[0]!);
    old.controller.abort();
    await c.step(100);
    await old.done;
    const waited = await c.until(() => c.leaders().length === 1, 30_000);
    expect(waited).toBeGreaterThanOrEqual(15_000 - 2_000);
    expect(waited).toBeLessThanOrEqual(15_000 + 2_000 * 2.2 + 200);
    expect(c.checker.violations).toEqual([]);
  });

  it('with releaseOnCancel the leader writes a released Lease and another replica leads within about one retryPeriod', async () => {
    const { s, c } = await start(['a', 'b', 'c'], { releaseOnCancel: true });
    await c.step(4_000);
    const old = c.replica(c.leaders()[0]!);
    old.controller.abort();
    await c.step(0);
    await old.done;
    expect(storedLease(s)!.spec).toMatchObject({ leaseDurationSeconds: 1 });
    expect(storedLease(s)!.spec!.holderIdentity).toBeUndefined();
    const waited = await c.until(() => c.leaders().length === 1, 10_000);
    expect(waited).toBeLessThanOrEqual(2_000 * 2.2 + 100);
    expect(storedLease(s)!.spec).toMatchObject({ leaseTransitions: 2 });
  });

  for (const mode of ['fail', 'stall'] as const) {
    it(`a partitioned leader (its requests ${mode}) stops leading before renewDeadline ends and strictly before another replica acquires`, async () => {
      const { s, c } = await start();
      await c.step(4_000);
      const old = c.replica(c.leaders()[0]!);
      // The start of the last renewal is at most one retryPeriod back.
      const partitionedAt = c.clock.now();
      old.lock.mode = mode;
      await c.until(() => c.leaders().length === 1 && c.leaders()[0] !== old.id, 40_000);
      const oldTerm = c.checker.terms.find((t) => t.id === old.id)!;
      const next = c.checker.terms.find((t) => t.id !== old.id)!;
      expect(oldTerm.end! - partitionedAt).toBeLessThanOrEqual(10_000);
      expect(oldTerm.end! - partitionedAt).toBeGreaterThan(10_000 - 2_000 - 200);
      expect(next.start).toBeGreaterThan(oldTerm.end!);
      expect(old.events.slice(-2)).toEqual(['started', 'stopped']);
      expect((old.lostReasons[0] as { reason: string }).reason).toBe('renew-deadline');
      expect(storedLease(s)!.spec).toMatchObject({ holderIdentity: next.id, leaseTransitions: 2 });
      old.lock.mode = 'ok';
      await c.step(15_000, 250);
      expect(old.elector.getLeader()).toBe(next.id);
      expect(c.checker.violations).toEqual([]);
    });
  }

  it('the server goes down and comes back: the leader stops at the renew deadline, and a leader is back soon after the server', async () => {
    const { s, c } = await start();
    await c.step(4_000);
    await s.faults.down();
    await c.step(12_000, 250);
    expect(c.leaders()).toEqual([]);
    const warned = c.log.filter(
      (l) => l.level === 'warn' && l.msg === 'error retrieving resource lock',
    );
    expect(warned.length).toBeGreaterThanOrEqual(1);
    await s.faults.up();
    await c.until(() => c.leaders().length === 1, 20_000);
    expect(c.checker.violations).toEqual([]);
  });

  it('real 409s (the Lease written by someone else in between) are lost races: the leader re-reads and keeps leading', async () => {
    const { s, c } = await start();
    await c.step(4_000);
    const leader = c.leaders()[0]!;
    for (let i = 0; i < 3; i++) {
      const lease = storedLease(s)!;
      s.update(leases, {
        ...lease,
        metadata: { ...lease.metadata, annotations: { touched: String(i) } },
      });
      await c.step(2_000);
    }
    s.faults.nextResponses(2, { status: 409, verb: 'update' });
    await c.step(4_000);
    expect(c.leaders()).toEqual([leader]);
    expect(c.log.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
    expect(
      s.requests.entries.filter((r) => r.verb === 'update' && r.status === 409).length,
    ).toBeGreaterThanOrEqual(3);
  });

  it('the Lease deleted by hand: the leader recreates it within one retryPeriod and keeps leading', async () => {
    const { s, c } = await start();
    await c.step(4_000);
    const leader = c.leaders()[0]!;
    s.delete(leases, 'default', 'my-controller');
    await c.step(2_200);
    expect(storedLease(s)!.spec).toMatchObject({ holderIdentity: leader });
    await c.step(20_000, 250);
    expect(c.leaders()).toEqual([leader]);
    expect(c.checker.violations).toEqual([]);
  });

  it('a Lease held by an unknown identity is taken over after it stayed unchanged for its duration', async () => {
    server = await startLeaseServer();
    server.create(leases, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'my-controller', namespace: 'default' },
      spec: { holderIdentity: 'ghost', leaseDurationSeconds: 15, leaseTransitions: 7 },
    } as never);
    cluster = startHttpCluster(server, ['a', 'b']);
    const c = cluster;
    await c.step(100);
    for (const r of c.replicas) expect(r.elector.getLeader()).toBe('ghost');
    const waited = await c.until(() => c.leaders().length === 1, 30_000);
    expect(waited).toBeGreaterThanOrEqual(15_000);
    expect(storedLease(server)!.spec).toMatchObject({
      holderIdentity: c.leaders()[0],
      leaseTransitions: 8,
    });
    expect(c.replicas[0]!.events[0]).toBe('new:ghost');
  });

  it('a Lease with garbage fields: an InvalidLeaseError is logged, nobody crashes, and it is overwritten after a lease duration', async () => {
    server = await startLeaseServer();
    server.create(leases, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'my-controller', namespace: 'default' },
      spec: {
        holderIdentity: ['x'],
        leaseDurationSeconds: -5,
        acquireTime: 'soon',
        leaseTransitions: 'many',
      },
    } as never);
    cluster = startHttpCluster(server, ['a', 'b']);
    const c = cluster;
    await c.step(100);
    const warn = c.log.find((l) => l.level === 'warn' && isInvalidLeaseError(l.fields.err));
    expect(warn?.msg).toBe(
      'the lease has an invalid record; treating it as held until it stays unchanged for a lease duration',
    );
    expect((warn?.fields.err as Error).message).toBe(
      'lease default/my-controller has an invalid record: spec.holderIdentity is ["x"], not a string; spec.leaseDurationSeconds is -5, not an integer ≥ 1; spec.acquireTime is "soon", not an RFC 3339 time; spec.leaseTransitions is "many", not an integer ≥ 0',
    );
    const waited = await c.until(() => c.leaders().length === 1, 30_000);
    expect(waited).toBeGreaterThanOrEqual(15_000);
    expect(storedLease(server)!.spec).toMatchObject({
      holderIdentity: c.leaders()[0],
      leaseDurationSeconds: 15,
      leaseTransitions: 1,
    });
    expect(c.checker.violations).toEqual([]);
  });

  it('the health check fails while leader work ignores its abort past leaseDuration + tolerance after the last renewal', async () => {
    server = await startLeaseServer();
    let release: () => void = () => undefined;
    cluster = startHttpCluster(server, ['a'], {
      // Leader work that does not stop when told to.
      onStartedLeading: () => new Promise<void>((r) => (release = r)),
    });
    const c = cluster;
    const health = leaderElectionHealthCheck(c.replicas[0]!.elector, { toleranceMs: 5_000 });
    expect(health.name).toBe('leader-election');
    await c.step(4_000);
    expect(health.check()).toEqual({ ok: true });
    c.replicas[0]!.lock.mode = 'fail';
    await c.step(12_000, 250);
    expect(c.replicas[0]!.elector.isLeader()).toBe(false);
    expect(health.check()).toEqual({ ok: true }); // 12 s since the renewal: within 15 s + 5 s
    await c.step(9_000, 250);
    const result = health.check();
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(
      /^failed election to renew leadership on lease default\/my-controller/,
    );
    release();
    await c.step(100);
    expect(health.check()).toEqual({ ok: true });
    c.replicas[0]!.lock.mode = 'ok';
  });

  it('leader work that rejects: the leader releases the Lease (releaseOnCancel false), run rejects with LeaderWorkFailedError, and the standby takes over well within the lease duration', async () => {
    server = await startLeaseServer();
    let fail: (err: Error) => void = () => undefined;
    let first = true;
    cluster = startHttpCluster(server, ['a', 'b'], {
      retryPeriodMs: 500,
      onStartedLeading: (signal) =>
        new Promise<void>((resolve, reject) => {
          if (first) fail = reject;
          first = false;
          signal.addEventListener('abort', () => resolve());
        }),
    });
    const c = cluster;
    await c.step(1_000);
    const leader = c.replicas.find((r) => r.elector.isLeader())!;
    const standby = c.replicas.find((r) => r !== leader)!;
    await c.step(3_000);
    expect(standby.elector.isLeader()).toBe(false);
    fail(new Error('workers died'));
    await c.step(0);
    let rejection: unknown;
    await leader.done.catch((err: unknown) => (rejection = err));
    expect(isLeaderWorkFailedError(rejection)).toBe(true);
    expect((rejection as Error).message).toBe('leader work failed: workers died');
    expect(storedLease(server)!.spec!.holderIdentity).toBeUndefined();
    const takeover = await c.until(() => standby.elector.isLeader(), 20_000, 50);
    // Released: about one retry period (500 ms × up to 2.2), not the 15 s lease duration.
    expect(takeover).toBeLessThan(2_000);
    expect(storedLease(server)!.spec).toMatchObject({ holderIdentity: standby.id });
    expect(c.log.map((l) => `${l.fields.identity as string} ${l.level} ${l.msg}`)).toEqual(
      expect.arrayContaining([
        `${leader.id} error stopped leading: leader work failed`,
        `${leader.id} info released lease`,
      ]),
    );
  });

  it('abort while a renewal was applied by the server but its answer is lost: the release re-reads, releases, and the standby takes over at once', async () => {
    const { s, c } = await start(['a', 'b'], { releaseOnCancel: true });
    await c.step(3_000);
    const leader = c.replicas.find((r) => r.elector.isLeader())!;
    const standby = c.replicas.find((r) => r !== leader)!;
    let applied = false;
    // The next renewal reaches the server (applied there), and its answer never comes back.
    leader.lock.interceptUpdate = (record, signal) => {
      const lease = storedLease(s)!;
      s.update(leases, { ...lease, spec: { ...recordToLeaseSpec(record) } } as never);
      applied = true;
      return new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
      );
    };
    await c.until(() => applied, 5_000, 50);
    expect(storedLease(s)!.spec).toMatchObject({ holderIdentity: leader.id });
    leader.controller.abort();
    await c.step(0);
    await leader.done;
    expect(storedLease(s)!.spec!.holderIdentity).toBeUndefined();
    expect(storedLease(s)!.spec).toMatchObject({ leaseDurationSeconds: 1 });
    const msgs = c.log.filter((l) => l.fields.identity === leader.id).map((l) => l.msg);
    expect(msgs).toContain('released lease');
    expect(msgs).not.toContain('the lease changed hands before it was released');
    const takeover = await c.until(() => standby.elector.isLeader(), 10_000, 50);
    expect(takeover).toBeLessThanOrEqual(2_000 * 2.2 + 100);
    expect(c.checker.violations).toEqual([]);
  });

  it('a fresh cluster with no Lease: it is created at the second attempt and led a lease duration later', async () => {
    server = await startLeaseServer();
    cluster = startHttpCluster(server, ['a', 'b'], {}, { lease: 'missing' });
    const c = cluster;
    const created = await c.until(() => storedLease(server!) !== undefined, 10_000);
    expect(created).toBeLessThanOrEqual(2_000 * 2.2 + 200);
    expect(c.leaders()).toEqual([]);
    const led = await c.until(() => c.leaders().length === 1, 30_000, 250);
    expect(created + led).toBeGreaterThanOrEqual(15_000);
    expect(c.checker.violations).toEqual([]);
  });
});
