import { FakeClock } from '@kubecache/core';
import { describe, expect, it } from 'vitest';
import {
  isLeaderElectionHealthError,
  isLeaderWorkFailedError,
  type LeaderWorkFailedError,
} from './errors.js';
import { createLeaderElector } from './leader-elector.js';
import { createMemoryLeaseStore, createMemoryLock } from './memory-lock.js';
import { holderOf, until } from './test-support/harness.js';
import { LeadershipChecker, captureLogger } from './test-support/sim.js';

const noop = (): void => undefined;

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
