import { FakeClock } from '@kubecache/core';
import { describe, expect, it } from 'vitest';
import { isLeaderElectionHealthError } from './errors.js';
import { createLeaderHealthCheck, leaderElectionHealthCheck } from './healthz.js';
import { createLeaderElector } from './leader-elector.js';
import { createMemoryLeaseStore, createMemoryLock } from './memory-lock.js';
import { DriftClock, captureLogger } from './test-support/sim.js';

describe('leader health check (client-go HealthzAdaptor)', () => {
  it('is healthy without an elector, for a candidate, and for a leader that renews', async () => {
    const base = new FakeClock(0);
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- tests of the deprecated API
    const health = createLeaderHealthCheck({ toleranceMs: 20_000 });
    expect(health.check()).toBeUndefined();
    const e = createLeaderElector({
      lock: createMemoryLock({ store: createMemoryLeaseStore(), identity: 'a' }),
      clock: base,
      logger: captureLogger(),
      onStartedLeading: () => undefined,
      onStoppedLeading: () => undefined,
    });
    health.setLeaderElector(e);
    expect(health.check()).toBeUndefined();
    const ctl = new AbortController();
    const done = e.run(ctl.signal);
    await base.advance(120_000);
    expect(e.isLeader()).toBe(true);
    expect(health.check()).toBeUndefined();
    ctl.abort();
    await done;
  });

  it('fails when the leader’s timers are starved (a blocked event loop) past leaseDuration + tolerance', async () => {
    const base = new FakeClock(0);
    const clock = new DriftClock(base, 0, 1);
    const logger = captureLogger();
    const store = createMemoryLeaseStore();
    store.set({ leaseDurationSeconds: 1 }); // released earlier: taken at once
    const e = createLeaderElector({
      lock: createMemoryLock({ store, identity: 'a' }),
      clock,
      logger,
      onStartedLeading: () => undefined,
      onStoppedLeading: () => undefined,
    });
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- tests of the deprecated API
    const health = createLeaderHealthCheck({ toleranceMs: 20_000, elector: e });
    const coreShaped = leaderElectionHealthCheck(e, { toleranceMs: 20_000 });
    const ctl = new AbortController();
    const done = e.run(ctl.signal);
    await base.advance(1_000);
    clock.frozen = true; // last renewal at 0
    await base.advance(34_000);
    expect(health.check()).toBeUndefined();
    expect(coreShaped.check()).toEqual({ ok: true });
    await base.advance(1_000);
    const err = health.check();
    expect(isLeaderElectionHealthError(err)).toBe(true);
    expect(err!.sinceRenewMs).toBe(36_000);
    // The same in core's HealthCheck shape (for healthHandler), named as a Kubernetes check.
    expect(coreShaped.name).toBe('leader-election');
    expect(coreShaped.check()).toEqual({ ok: false, reason: err!.message });
    clock.thaw(); // the deadline timer runs at last: the term ends (and a new one begins)
    await base.advance(100);
    expect(
      logger.lines.some((l) => l.level === 'error' && l.msg.startsWith('stopped leading')),
    ).toBe(true);
    expect(health.check()).toBeUndefined();
    ctl.abort();
    await done;
  });

  it('refuses a negative tolerance', () => {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- tests of the deprecated API
    expect(() => createLeaderHealthCheck({ toleranceMs: -1 })).toThrow(RangeError);
  });

  it('leaderElectionHealthCheck (core HealthCheck shape): healthy without an elector, set later, and red once leader work failed', async () => {
    const clock = new FakeClock(0);
    const store = createMemoryLeaseStore();
    store.set({ leaseDurationSeconds: 1 });
    const health = leaderElectionHealthCheck(undefined, { toleranceMs: 5_000 });
    expect(health.name).toBe('leader-election');
    expect(health.check()).toEqual({ ok: true });
    let fail: (err: Error) => void = () => undefined;
    const e = createLeaderElector({
      lock: createMemoryLock({ store, identity: 'a' }),
      clock,
      logger: captureLogger(),
      onStartedLeading: () => new Promise<void>((_, reject) => (fail = reject)),
      onStoppedLeading: () => undefined,
    });
    health.setLeaderElector(e);
    const done = e.run(new AbortController().signal);
    await clock.advance(100);
    expect(e.isLeader()).toBe(true);
    expect(health.check()).toEqual({ ok: true });
    fail(new Error('worker pool gone'));
    await expect(done).rejects.toThrow('leader work failed: worker pool gone');
    expect(health.check()).toEqual({
      ok: false,
      reason: 'leader election memory/lease ended because leader work failed: worker pool gone',
    });
    expect(() => leaderElectionHealthCheck(e, { toleranceMs: -1 })).toThrow(RangeError);
  });
});
