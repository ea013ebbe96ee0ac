import { FakeClock } from '@kubecache/core';
import { describe, expect, it } from 'vitest';
import {
  isLeaderElectionConfigError,
  isInvalidLeaseError,
  isLeadershipLostError,
} from './errors.js';
import { Elector, createLeaderElector } from './leader-elector.js';
import { createMemoryLeaseStore, createMemoryLock } from './memory-lock.js';
import { holderOf, startCluster, until } from './test-support/harness.js';
import { captureLogger } from './test-support/sim.js';

const noop = (): void => undefined;

describe('configuration', () => {
  const lock = createMemoryLock({ store: createMemoryLeaseStore(), identity: 'a' });
  const base = { lock, onStartedLeading: noop, onStoppedLeading: noop };
  const cases: [string, object, string][] = [
    [
      'renewDeadline equal to leaseDuration',
      { leaseDurationMs: 10_000, renewDeadlineMs: 10_000 },
      'renewDeadlineMs',
    ],
    [
      'renewDeadline above leaseDuration',
      { leaseDurationMs: 10_000, renewDeadlineMs: 12_000 },
      'renewDeadlineMs',
    ],
    [
      'renewDeadline not above 1.2 × retryPeriod',
      { renewDeadlineMs: 2_400, retryPeriodMs: 2_000 },
      'retryPeriodMs',
    ],
    ['a zero leaseDuration', { leaseDurationMs: 0 }, 'leaseDurationMs'],
    ['a negative retryPeriod', { retryPeriodMs: -1 }, 'retryPeriodMs'],
    ['a NaN renewDeadline', { renewDeadlineMs: Number.NaN }, 'renewDeadlineMs'],
    ['a fractional-second leaseDuration', { leaseDurationMs: 15_500 }, 'leaseDurationMs'],
    ['no onStartedLeading', { onStartedLeading: undefined }, 'onStartedLeading'],
    ['no onStoppedLeading', { onStoppedLeading: undefined }, 'onStoppedLeading'],
    ['no lock', { lock: undefined }, 'lock'],
    [
      'a lock without identity',
      { lock: createMemoryLock({ store: createMemoryLeaseStore(), identity: '' }) },
      'identity',
    ],
  ];
  for (const [what, patch, field] of cases) {
    it(`rejects ${what} with a LeaderElectionConfigError naming ${field}`, () => {
      let caught: unknown;
      try {
        createLeaderElector({ ...base, ...patch });
      } catch (err) {
        caught = err;
      }
      expect(isLeaderElectionConfigError(caught)).toBe(true);
      expect((caught as { field: string }).field).toBe(field);
      expect((caught as Error).name).toBe('LeaderElectionConfigError');
    });
  }

  it('accepts client-go defaults (15 s / 10 s / 2 s) and takes the identity from the lock', () => {
    const e = createLeaderElector(base);
    expect(e.identity).toBe('a');
    expect(e.isLeader()).toBe(false);
    expect(e.getLeader()).toBe('');
  });
});

describe('LeaderElector over an in-memory lease', () => {
  it('three electors: exactly one leads, the others see it as leader and keep it renewed', async () => {
    const c = startCluster();
    await c.clock.advance(20); // two network round trips
    expect(c.leaders()).toHaveLength(1);
    const leader = c.leaders()[0]!;
    await c.clock.advance(60_000);
    expect(c.leaders()).toEqual([leader]);
    expect(c.checker.violations).toEqual([]);
    for (const r of c.replicas) {
      expect(r.elector.getLeader()).toBe(leader);
      expect(r.events).toContain(`new:${leader}`);
    }
    // Renewed about every retryPeriod: 30 writes in 60 s, give or take one.
    expect(c.store.writes).toBeGreaterThanOrEqual(30);
    expect(c.store.writes).toBeLessThanOrEqual(32);
    const spec = c.store.current!.spec as Record<string, unknown>;
    expect(spec).toMatchObject({
      holderIdentity: leader,
      leaseDurationSeconds: 15,
      leaseTransitions: 1, // the released lease of startCluster was taken over
    });
    await c.stop();
    expect(c.clock.pendingTimers()).toBe(0);
  });

  it('a leader that stops without release is replaced after leaseDuration (± retryPeriod), never earlier', async () => {
    const c = startCluster();
    await c.clock.advance(10_000);
    const old = c.leaders()[0]!;
    const r = c.replica(old);
    // Stop the old leader between renewals, right after one succeeded.
    r.controller.abort();
    const stoppedAt = c.clock.now();
    await r.done;
    const lastWrite = c.store.current!;
    let takeover = 0;
    for (let t = 0; t < 30_000 && takeover === 0; t += 100) {
      await c.clock.advance(100);
      if (c.leaders().length === 1) takeover = c.clock.now() - stoppedAt;
    }
    expect(c.checker.violations).toEqual([]);
    expect(takeover).toBeGreaterThanOrEqual(15_000 - 2_000);
    expect(takeover).toBeLessThanOrEqual(15_000 + 2_000 * 2.2 + 200);
    expect(c.store.current!.version).toBeGreaterThan(lastWrite.version);
    expect(c.store.current!.spec).toMatchObject({ leaseTransitions: 2 });
    await c.stop();
  });

  it('with releaseOnCancel the lease is written released (empty holder, 1 s) and handed over within about one retryPeriod', async () => {
    const c = startCluster({ elector: { releaseOnCancel: true } });
    await c.clock.advance(10_000);
    const old = c.leaders()[0]!;
    const r = c.replica(old);
    r.controller.abort();
    await c.clock.advance(20); // the release travels the simulated network
    await r.done;
    expect(c.store.current!.spec).toMatchObject({ leaseDurationSeconds: 1, leaseTransitions: 1 });
    expect(holderOf(c.store.current!.spec)).toBe('');
    const releasedAt = c.clock.now();
    let handover = 0;
    for (let t = 0; t < 10_000 && handover === 0; t += 50) {
      await c.clock.advance(50);
      if (c.leaders().length === 1) handover = c.clock.now() - releasedAt;
    }
    expect(handover).toBeGreaterThan(0);
    expect(handover).toBeLessThanOrEqual(2_000 * 2.2 + 100);
    expect(c.store.current!.spec).toMatchObject({ leaseTransitions: 2 });
    expect(r.events).toEqual([`new:${old}`, 'started', 'stopped']);
    expect(isLeadershipLostError(r.lostReasons[0])).toBe(true);
    expect((r.lostReasons[0] as { reason: string }).reason).toBe('cancelled');
    await c.stop();
  });

  for (const mode of ['fail', 'stall'] as const) {
    it(`a partitioned leader (requests ${mode === 'fail' ? 'fail' : 'stall'}) stops leading before renewDeadline ends, strictly before another replica acquires`, async () => {
      const c = startCluster();
      await c.clock.advance(10_001);
      const old = c.leaders()[0]!;
      const r = c.replica(old);
      const renewedAt = c.clock.now() - ((c.clock.now() - 1_767_225_600_000) % 2_000); // the last renewal started at a multiple of 2 s
      c.net.setLink(old, mode);
      await c.clock.advance(40_000);
      const oldTerm = c.checker.terms.find((t) => t.id === old)!;
      const next = c.checker.terms.find((t) => t.id !== old)!;
      expect(oldTerm.end).toBeDefined();
      expect(oldTerm.end! - renewedAt).toBeLessThanOrEqual(10_000);
      expect(next.start).toBeGreaterThan(oldTerm.end!);
      // Others wait a full lease duration after they last saw the record change.
      expect(next.start - oldTerm.end!).toBeGreaterThanOrEqual(15_000 - 10_000);
      expect(r.events).toEqual([`new:${old}`, 'started', 'stopped']);
      expect((r.lostReasons[0] as { reason: string }).reason).toBe('renew-deadline');
      expect(c.checker.violations).toEqual([]);
      // Once the partition heals the old leader follows the new one (a stalled request is
      // given up after renewDeadline first).
      c.net.setLink(old, 'ok');
      await c.clock.advance(15_000);
      expect(r.elector.getLeader()).toBe(next.id);
      expect(c.leaders()).toEqual([next.id]);
      const reported = c.log.filter(
        (l) => l.level === 'error' && l.msg.startsWith('stopped leading'),
      );
      expect(reported).toHaveLength(1);
      await c.stop();
    });
  }

  it('a 409 storm shorter than renewDeadline is a lost race, not an error: leadership is kept and nothing is logged above debug', async () => {
    const c = startCluster();
    await c.clock.advance(5_000);
    const leader = c.leaders()[0]!;
    c.net.conflictsLeft = 6; // three renewals: fast path + slow path each
    await c.clock.advance(20_000);
    expect(c.leaders()).toEqual([leader]);
    expect(c.net.conflictsLeft).toBe(0);
    expect(c.log.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
    expect(c.log.some((l) => l.level === 'debug' && l.msg.includes('lost the race'))).toBe(true);
    await c.stop();
  });

  it('a lease deleted by hand is recreated by the leader within one retryPeriod; the others wait', async () => {
    const c = startCluster();
    await c.clock.advance(5_000);
    const leader = c.leaders()[0]!;
    c.store.delete();
    await c.clock.advance(2_100);
    expect(holderOf(c.store.current?.spec)).toBe(leader);
    expect(c.leaders()).toEqual([leader]);
    await c.clock.advance(30_000);
    expect(c.leaders()).toEqual([leader]);
    expect(c.checker.violations).toEqual([]);
    await c.stop();
  });

  it('when the leader is gone and the lease is deleted, a candidate recreates it but leads only a lease duration after its create', async () => {
    const c = startCluster();
    await c.clock.advance(5_000);
    const leader = c.replica(c.leaders()[0]!);
    leader.controller.abort();
    await leader.done;
    c.store.delete();
    const deletedAt = c.clock.now();
    let created = 0;
    const leadersBefore = c.checker.terms.length;
    while (c.checker.terms.length === leadersBefore) {
      await c.clock.advance(100);
      if (created === 0 && c.store.current !== undefined) created = c.clock.now();
    }
    const started = c.checker.terms.at(-1)!.start;
    expect(created - deletedAt).toBeLessThanOrEqual(2_000 * 2.2 * 2 + 100);
    expect(started - created).toBeGreaterThanOrEqual(15_000);
    expect(c.log.some((l) => l.level === 'warn' && l.msg.startsWith('the lease was deleted'))).toBe(
      true,
    );
    expect(
      c.log.some(
        (l) => l.msg === 'created the lease; leading once it stayed ours for a lease duration',
      ),
    ).toBe(true);
    expect(c.store.current!.spec).toMatchObject({ leaseTransitions: 2 });
    expect(c.checker.violations).toEqual([]);
    await c.stop();
  });

  it('a lease held by an unknown identity is taken over only after it stayed unchanged for its duration', async () => {
    const clock = new FakeClock(1_000_000);
    const store = createMemoryLeaseStore();
    store.set({
      holderIdentity: 'ghost',
      leaseDurationSeconds: 15,
      leaseTransitions: 4,
      renewTime: '2001-01-01T00:00:00.000000Z',
    });
    const events: string[] = [];
    const e = createLeaderElector({
      lock: createMemoryLock({ store, identity: 'a' }),
      clock,
      logger: captureLogger(),
      random: () => 0,
      onStartedLeading: () => void events.push(`started@${String(clock.now() - 1_000_000)}`),
      onStoppedLeading: noop,
      onNewLeader: (id) => events.push(`new:${id}`),
    });
    const ctl = new AbortController();
    const done = e.run(ctl.signal);
    await clock.advance(14_000);
    expect(e.isLeader()).toBe(false);
    expect(e.getLeader()).toBe('ghost');
    await clock.advance(2_000);
    expect(e.isLeader()).toBe(true);
    expect(events).toEqual(['new:ghost', 'new:a', 'started@16000']);
    expect(store.current!.spec).toMatchObject({ holderIdentity: 'a', leaseTransitions: 5 });
    ctl.abort();
    await done;
  });

  it('a lease with garbage fields is reported as InvalidLeaseError, does not crash the elector, and is overwritten once it stays unchanged for a lease duration', async () => {
    const clock = new FakeClock(1_000_000);
    const store = createMemoryLeaseStore();
    store.set({
      holderIdentity: 42,
      leaseDurationSeconds: 'forever',
      renewTime: 'yesterday',
      leaseTransitions: -3,
    });
    const logger = captureLogger();
    const e = createLeaderElector({
      lock: createMemoryLock({ store, identity: 'a' }),
      clock,
      logger,
      random: () => 0,
      onStartedLeading: noop,
      onStoppedLeading: noop,
    });
    const ctl = new AbortController();
    const done = e.run(ctl.signal);
    await clock.advance(10_000);
    // Someone keeps rewriting garbage: the elector keeps waiting.
    store.set({ holderIdentity: 42, leaseDurationSeconds: 'forever', renewTime: 'today' });
    await clock.advance(10_000);
    expect(e.isLeader()).toBe(false);
    const warned = logger.lines.filter(
      (l) => l.level === 'warn' && isInvalidLeaseError(l.fields.err),
    );
    expect(warned.length).toBeGreaterThanOrEqual(1);
    const err = warned[0]!.fields.err as { fields: string[]; message: string };
    expect(err.fields).toEqual([
      'holderIdentity',
      'leaseDurationSeconds',
      'renewTime',
      'leaseTransitions',
    ]);
    expect(err.message).toContain('spec.leaseDurationSeconds is "forever"');
    await clock.advance(10_000);
    expect(e.isLeader()).toBe(true);
    expect(store.current!.spec).toMatchObject({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      leaseTransitions: 1,
    });
    ctl.abort();
    await done;
  });

  it('callbacks that throw (even a revoked Proxy) are logged and never become unhandled rejections', async () => {
    const clock = new FakeClock(0);
    const logger = captureLogger();
    const store = createMemoryLeaseStore();
    store.set({ leaseDurationSeconds: 1 });
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const e = createLeaderElector({
      lock: createMemoryLock({ store, identity: 'a' }),
      clock,
      logger,
      onStartedLeading: () => undefined,
      onStoppedLeading: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the point of the test
        throw revoked.proxy;
      },
      onNewLeader: () => {
        throw new Error('pow');
      },
    });
    const ctl = new AbortController();
    const done = e.run(ctl.signal);
    await clock.advance(3_000);
    expect(e.isLeader()).toBe(true);
    ctl.abort();
    await done;
    const errors = logger.lines.filter((l) => l.level === 'error').map((l) => l.msg);
    expect(errors).toEqual(['onNewLeader failed', 'onStoppedLeading failed']);
    expect(
      (logger.lines.find((l) => l.msg === 'onNewLeader failed')!.fields.err as Error).message,
    ).toBe('pow');
    expect(
      (logger.lines.find((l) => l.msg === 'onStoppedLeading failed')!.fields.err as Error).message,
    ).toBe('[object that cannot be inspected]');
  });

  it('run waits for onStartedLeading to return before it releases, refuses a second concurrent run, and leaves no timers', async () => {
    const clock = new FakeClock(0);
    const store = createMemoryLeaseStore();
    store.set({ leaseDurationSeconds: 1 }); // released earlier: taken at once
    let finishWork: () => void = noop;
    const e = createLeaderElector({
      lock: createMemoryLock({ store, identity: 'a' }),
      clock,
      logger: captureLogger(),
      releaseOnCancel: true,
      onStartedLeading: () => new Promise<void>((resolve) => (finishWork = resolve)),
      onStoppedLeading: noop,
    });
    const ctl = new AbortController();
    const done = e.run(ctl.signal);
    await expect(e.run(ctl.signal)).rejects.toThrow(/already running/);
    await clock.advance(1);
    ctl.abort();
    await clock.advance(5_000);
    expect(holderOf(store.current!.spec)).toBe('a'); // not released while the work runs
    finishWork();
    await done;
    expect(holderOf(store.current!.spec)).toBe('');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a planted bug (ignoring renewDeadline) makes a partitioned leader overlap with its successor, and the checker sees it', async () => {
    const c = startCluster({ internals: { ignoreRenewDeadline: true } });
    await c.clock.advance(5_000);
    const old = c.leaders()[0]!;
    c.net.setLink(old, 'fail');
    await c.clock.advance(30_000);
    expect(c.checker.violations.length).toBeGreaterThan(0);
    expect(c.checker.violations[0]!.leaders).toContain(old);
    c.net.setLink(old, 'ok');
    await c.stop();
  });

  for (const clientGoTiming of [false, true]) {
    it(`a renewal whose answer is slow, then a partition: ${clientGoTiming ? "client-go's deadline (from the answer) lets two replicas lead at once" : 'the deadline from the start of the renewal keeps a single leader'}`, async () => {
      const c = startCluster({ internals: { deadlineFromAnswer: clientGoTiming } });
      await c.clock.advance(5_000);
      const old = c.leaders()[0]!;
      // The next renewal lands at once, but its answer takes 9 s (just inside every deadline).
      c.net.slowAnswers.set(old, 9_000);
      const writes = c.store.writes;
      while (c.store.writes === writes) await c.clock.advance(50);
      await c.clock.advance(9_000);
      c.net.slowAnswers.delete(old);
      c.net.setLink(old, 'fail');
      await c.clock.advance(30_000);
      if (clientGoTiming) expect(c.checker.violations.length).toBeGreaterThan(0);
      else expect(c.checker.violations).toEqual([]);
      expect(c.leaders()).toHaveLength(1);
      c.net.setLink(old, 'ok');
      await c.stop();
    });
  }

  it('exposes the Elector class for planted-bug tests only; createLeaderElector returns the same behaviour', () => {
    const lock = createMemoryLock({ store: createMemoryLeaseStore(), identity: 'x' });
    expect(
      createLeaderElector({ lock, onStartedLeading: noop, onStoppedLeading: noop }),
    ).toBeInstanceOf(Elector);
  });
});

describe('acting only on recent observations (issue 21, input 4)', () => {
  it('A cut off, B takes over, the lease is deleted by hand, A reconnects: A does not create it while B may still lead', async () => {
    const c = startCluster({ ids: ['a', 'b'] });
    await c.clock.advance(1_000);
    const first = c.leaders()[0]!;
    const second = first === 'a' ? 'b' : 'a';
    c.net.setLink(first, 'fail');
    await until(c.clock, () => c.leaders()[0] === second);
    // B leads; it is cut off too (it still believes it leads until its renew deadline) and the
    // Lease is deleted; then A's connection returns, its last successful read naming A.
    c.net.setLink(second, 'stall');
    c.store.delete();
    const deletedAt = c.clock.now();
    c.net.setLink(first, 'ok');
    await c.clock.advance(40_000);
    expect(c.checker.violations).toEqual([]);
    const next = c.checker.terms.filter((t) => t.start > deletedAt);
    expect(next.length).toBeGreaterThan(0);
    // The deleted lease is created a lease duration after A first saw it missing.
    expect(next[0]!.start - deletedAt).toBeGreaterThanOrEqual(15_000);
    expect(
      c.log.some(
        (l) =>
          l.msg ===
          'the lease was deleted; creating it again, to lead a lease duration later unless its holder recreates it first',
      ),
    ).toBe(true);
    c.net.setLink(second, 'ok');
    await c.stop();
  });

  it('the leader recreates a lease deleted by hand within one retry period and keeps its term', async () => {
    const c = startCluster();
    await c.clock.advance(5_000);
    const leader = c.leaders()[0]!;
    c.store.delete();
    await c.clock.advance(2_100);
    expect(holderOf(c.store.current?.spec)).toBe(leader);
    expect(c.replica(leader).events.filter((e) => e === 'started')).toHaveLength(1);
    await c.stop();
  });

  it('a fresh elector that finds no Lease creates it at its next attempt but leads only a lease duration after that', async () => {
    const c = startCluster({ lease: 'missing' });
    await c.clock.advance(100);
    expect(c.store.current).toBeUndefined(); // first sight: the leader of a deleted lease gets a retry period to recreate it
    expect(
      c.log.some(
        (l) => l.msg === 'the lease does not exist; creating it, to lead a lease duration later',
      ),
    ).toBe(true);
    const created = await until(c.clock, () => c.store.current !== undefined);
    const claimant = holderOf(c.store.current!.spec);
    await c.clock.advance(14_000);
    expect(c.leaders()).toEqual([]);
    await c.clock.advance(6_000);
    expect(c.leaders()).toEqual([claimant]);
    expect(created).toBeLessThanOrEqual(2_000 * 2.2 + 100);
    expect(c.store.current!.spec).toMatchObject({ holderIdentity: claimant, leaseTransitions: 0 });
    expect(c.checker.violations).toEqual([]);
    await c.stop();
  });

  for (const edit of ['holder', 'duration', 'cleared', 'touched'] as const) {
    it(`a hand edit (${edit === 'holder' ? 'holderIdentity set to another elector' : edit === 'duration' ? 'leaseDurationSeconds cut to 1' : edit === 'cleared' ? 'holderIdentity removed' : 'resourceVersion bumped'}) while the leader is cut off never makes two leaders`, async () => {
      const c = startCluster({ ids: ['a', 'b', 'c'] });
      await c.clock.advance(4_000);
      const leader = c.leaders()[0]!;
      const other = c.replicas.find((r) => r.id !== leader)!.id;
      const spec = c.store.current!.spec as Record<string, unknown>;
      // The leader cannot see the edit: it believes it leads until its renew deadline.
      c.net.setLink(leader, 'stall');
      if (edit === 'holder') c.store.set({ ...spec, holderIdentity: other });
      if (edit === 'duration') c.store.set({ ...spec, leaseDurationSeconds: 1 });
      if (edit === 'cleared') c.store.set({ ...spec, holderIdentity: undefined });
      if (edit === 'touched') c.store.set(spec);
      await c.clock.advance(12_000);
      expect(c.replica(leader).elector.isLeader()).toBe(false);
      c.net.setLink(leader, 'ok');
      await c.clock.advance(30_000);
      expect(c.checker.violations).toEqual([]);
      expect(c.leaders()).toHaveLength(1);
      await c.stop();
    });
  }

  it('a hand edit seen by a connected leader: it renews over a changed duration, and ends its term when its renewal sees another holder', async () => {
    for (const edit of ['duration', 'holder'] as const) {
      const c = startCluster({ ids: ['a', 'b'] });
      await c.clock.advance(4_000);
      const leader = c.leaders()[0]!;
      const spec = c.store.current!.spec as Record<string, unknown>;
      c.store.set(
        edit === 'duration'
          ? { ...spec, leaseDurationSeconds: 1 }
          : { ...spec, holderIdentity: 'ghost' },
      );
      await c.clock.advance(2_100);
      const r = c.replica(leader);
      if (edit === 'duration') {
        expect(c.leaders()).toEqual([leader]);
        expect(r.events.filter((e) => e === 'started')).toHaveLength(1);
        expect(c.store.current!.spec).toMatchObject({
          holderIdentity: leader,
          leaseDurationSeconds: 15,
        });
      } else {
        expect(c.leaders()).toEqual([]);
        expect(r.lostReasons.map((x) => (x as { reason: string }).reason)).toEqual(['lease-taken']);
      }
      expect(c.checker.violations).toEqual([]);
      await c.stop();
    }
  });

  it("a write whose answer was lost is recognised as the elector's own on the next read: it leads without waiting a lease duration", async () => {
    const c = startCluster({ ids: ['a'] });
    c.net.loseAnswersLeft = 1; // the takeover of the released lease lands; its answer is lost
    await c.clock.advance(10_500); // the attempt is abandoned at the renew deadline
    expect(holderOf(c.store.current!.spec)).toBe('a');
    expect(c.leaders()).toEqual([]);
    await c.clock.advance(5_000);
    expect(c.leaders()).toEqual(['a']);
    await c.stop();
  });
});
