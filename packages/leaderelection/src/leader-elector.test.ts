import { FakeClock } from '@kubecache/core';
import { describe, expect, it } from 'vitest';
import {
  isLeaderElectionConfigError,
  isLeaderElectionHealthError,
  isLeaderWorkFailedError,
  isInvalidLeaseError,
  isLeadershipLostError,
  type LeaderWorkFailedError,
} from './errors.js';
import { Elector, createLeaderElector } from './leader-elector.js';
import { createMemoryLeaseStore, createMemoryLock } from './memory-lock.js';
import { parseLeaseSpec } from './record.js';
import { startCluster } from './test-support/harness.js';
import { LeadershipChecker, captureLogger } from './test-support/sim.js';

const noop = (): void => undefined;

function holderOf(spec: unknown): string {
  return parseLeaseSpec(spec).record.holderIdentity;
}

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

/** Two electors a and b over one memory store, with fast retries; `work` decides a term's fate. */
function pair(options: {
  work: (id: string, signal: AbortSignal) => void | Promise<void>;
  releaseOnCancel?: boolean;
}) {
  const clock = new FakeClock(1_000_000);
  const store = createMemoryLeaseStore();
  store.set({ leaseDurationSeconds: 1 });
  const logger = captureLogger();
  const checker = new LeadershipChecker(clock);
  const make = (id: string) => {
    const ctl = new AbortController();
    const e = createLeaderElector({
      lock: createMemoryLock({ store, identity: id }),
      clock,
      logger,
      random: () => 0.5,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 500,
      releaseOnCancel: options.releaseOnCancel ?? false,
      onStartedLeading: (signal) => {
        void checker.lead(id, signal);
        return options.work(id, signal);
      },
      onStoppedLeading: noop,
    });
    const done = e.run(ctl.signal);
    done.catch(() => undefined);
    return { id, e, ctl, done };
  };
  const a = make('a');
  return { clock, store, logger, checker, a, make };
}

/** Advances in 50 ms steps until `pred()`; returns the time it took (ms). */
async function until(clock: FakeClock, pred: () => boolean, maxMs = 60_000): Promise<number> {
  const start = clock.now();
  while (!pred()) {
    if (clock.now() - start > maxMs) throw new Error('condition not met');
    await clock.advance(50);
  }
  return clock.now() - start;
}

describe('supervision: leader work that fails ends the term and the run', () => {
  {
    it('onStartedLeading rejects while leading: the term ends, the lease is released (releaseOnCancel false), run rejects with LeaderWorkFailedError, and the standby takes over well within the lease duration', async () => {
      const boom = new Error('workers died');
      let failA: (err: unknown) => void = noop;
      const p = pair({
        work: (id, signal) =>
          new Promise<void>((resolve, reject) => {
            if (id === 'a') failA = reject;
            signal.addEventListener('abort', () => resolve());
          }),
      });
      await p.clock.advance(100);
      expect(p.a.e.isLeader()).toBe(true);
      const b = p.make('b');
      await p.clock.advance(3_000);
      expect(b.e.isLeader()).toBe(false);
      const failedAt = p.clock.now();
      failA(boom);
      let rejection: unknown;
      await p.a.done.catch((err: unknown) => (rejection = err));
      // The release was attempted before run rejected: the lease has no holder now.
      expect(holderOf(p.store.current!.spec)).toBe('');
      expect(isLeaderWorkFailedError(rejection)).toBe(true);
      const failure = rejection as LeaderWorkFailedError;
      expect(failure.name).toBe('LeaderWorkFailedError');
      expect(failure.cause).toBe(boom);
      expect(failure.message).toBe('leader work failed: workers died');
      expect(failure.identity).toBe('a');
      expect(p.a.e.isLeader()).toBe(false);
      const health = p.a.e.check(20_000);
      expect(isLeaderElectionHealthError(health)).toBe(true);
      expect(health!.cause).toBe(failure);
      const takeover = await until(p.clock, () => b.e.isLeader());
      // Measured: about one retry period (500 ms × up to 2.2), against 15 s without a release.
      expect(p.clock.now() - failedAt).toBe(takeover);
      expect(takeover).toBeLessThan(2_000);
      expect(p.checker.violations).toEqual([]);
      const lines = p.logger.lines.map((l) => `${l.level} ${l.msg}`);
      expect(lines).toContain('error stopped leading: leader work failed');
      expect(lines).toContain('info released lease');
      const stopped = p.logger.lines.find((l) => l.msg === 'stopped leading: leader work failed')!;
      expect(stopped.fields.err).toBe(boom);
      b.ctl.abort();
      await b.done;
    });
  }

  it('a synchronous throw from onStartedLeading is a failure too (cause: the thrown value, even a non-Error)', async () => {
    const p = pair({
      work: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the point of the test
        throw Symbol('not an error');
      },
    });
    let rejection: unknown;
    await p.clock.advance(100);
    await p.a.done.catch((err: unknown) => (rejection = err));
    expect(isLeaderWorkFailedError(rejection)).toBe(true);
    expect(typeof (rejection as Error).cause).toBe('symbol');
    expect((rejection as Error).message).toBe('leader work failed: Symbol(not an error)');
    expect(holderOf(p.store.current!.spec)).toBe('');
  });

  it('control: a leader that dies without releasing is replaced only after the lease duration', async () => {
    const p = pair({
      work: (_id, signal) => new Promise<void>((r) => signal.addEventListener('abort', () => r())),
    });
    await p.clock.advance(100);
    const b = p.make('b');
    await p.clock.advance(3_000);
    p.a.ctl.abort(); // releaseOnCancel is false: nothing is released
    const stoppedAt = p.clock.now();
    await p.a.done;
    const takeover = await until(p.clock, () => b.e.isLeader());
    expect(p.clock.now() - stoppedAt).toBe(takeover);
    expect(takeover).toBeGreaterThanOrEqual(15_000 - 500);
    b.ctl.abort();
    await b.done;
  });

  it('onStartedLeading resolving while leading does not end the term (as client-go); rejecting after its signal aborted is not a failure', async () => {
    let ended = false;
    const p = pair({
      work: async (_id, signal) => {
        if (!ended) {
          ended = true;
          return; // returns at once: the term goes on
        }
        await new Promise<void>((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason as Error)),
        );
      },
    });
    await p.clock.advance(100);
    expect(p.a.e.isLeader()).toBe(true);
    await p.clock.advance(30_000);
    expect(p.a.e.isLeader()).toBe(true);
    expect(
      p.logger.lines.some((l) => l.msg.startsWith('onStartedLeading returned; still leading')),
    ).toBe(true);
    p.a.ctl.abort();
    await p.a.done; // resolves
    expect(p.a.e.check(0)).toBeUndefined();
  });

  it('a second term whose work rejects because its signal aborted (the usual way work ends) is not reported as a failure', async () => {
    const p = pair({
      work: (_id, signal) =>
        new Promise<void>((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason as Error)),
        ),
      releaseOnCancel: true,
    });
    await p.clock.advance(100);
    p.a.ctl.abort();
    await p.a.done;
    expect(p.logger.lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(holderOf(p.store.current!.spec)).toBe('');
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

describe('release is reliable (issue 21, input 5)', () => {
  it('abort while a renewal has reached the server but its answer has not: the release re-reads, releases, says so, and the standby takes over at once', async () => {
    const c = startCluster({ ids: ['a', 'b'], elector: { releaseOnCancel: true } });
    await c.clock.advance(3_000);
    const leader = c.replica(c.leaders()[0]!);
    const standby = c.replicas.find((r) => r !== leader)!;
    c.net.slowAnswers.set(leader.id, 5_000);
    const writes = c.store.writes;
    while (c.store.writes === writes) await c.clock.advance(10);
    expect(holderOf(c.store.current!.spec)).toBe(leader.id); // the renewal landed
    leader.controller.abort(); // its answer is 5 s away
    c.net.slowAnswers.delete(leader.id);
    await c.clock.advance(100);
    await leader.done;
    expect(holderOf(c.store.current!.spec)).toBe('');
    expect(c.store.current!.spec).toMatchObject({ leaseDurationSeconds: 1 });
    const msgs = c.log.filter((l) => l.fields.identity === leader.id).map((l) => l.msg);
    expect(msgs).toContain('released lease');
    expect(msgs).not.toContain('the lease changed hands before it was released');
    const releasedAt = c.clock.now();
    await until(c.clock, () => standby.elector.isLeader());
    expect(c.clock.now() - releasedAt).toBeLessThanOrEqual(2_000 * 2.2 + 100);
    expect(c.checker.violations).toEqual([]);
    await c.stop();
  });

  it('the release says what it found: a lease now held by another, or deleted', async () => {
    for (const what of ['taken', 'deleted'] as const) {
      const c = startCluster({ ids: ['a'], elector: { releaseOnCancel: true } });
      await c.clock.advance(1_000);
      const spec = c.store.current!.spec as Record<string, unknown>;
      if (what === 'taken') c.store.set({ ...spec, holderIdentity: 'ghost' });
      else c.store.delete();
      c.replicas[0]!.controller.abort();
      await c.clock.advance(100);
      await c.replicas[0]!.done;
      const msgs = c.log.map((l) => l.msg);
      if (what === 'taken') {
        expect(msgs).toContain('the lease is now held by ghost; nothing to release');
        expect(holderOf(c.store.current!.spec)).toBe('ghost');
      } else {
        expect(msgs).toContain('the lease was deleted; nothing to release');
        expect(c.store.current).toBeUndefined();
      }
      await c.stop();
    }
  });
});
