import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock, monotonicNow, realClock, sleep } from './clock.js';
import { isAbortError } from './errors.js';

describe('FakeClock', () => {
  it('fires timers in deadline order when advanced', async () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 20);
    clock.setTimeout(() => fired.push('a'), 10);
    clock.setTimeout(() => fired.push('c'), 30);
    await clock.advance(25);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(1025);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('never fires a cancelled timer', async () => {
    const clock = new FakeClock();
    let fired = false;
    clock.setTimeout(() => (fired = true), 5).cancel();
    await clock.advance(10);
    expect(fired).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('lets a promise chain woken by one timer schedule and hit the next within one advance', async () => {
    const clock = new FakeClock();
    const done: number[] = [];
    const chain = (async () => {
      await sleep(10, { clock });
      done.push(clock.now());
      await sleep(10, { clock });
      done.push(clock.now());
    })();
    await clock.advance(25);
    await chain;
    expect(done).toEqual([10, 20]);
  });
});

describe('sleep', () => {
  it('rejects with an abort error and releases its timer when the signal aborts', async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    const p = sleep(1000, { clock, signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toSatisfy(isAbortError);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('rejects at once for an already aborted signal', async () => {
    await expect(sleep(10, { signal: AbortSignal.abort() })).rejects.toSatisfy(isAbortError);
  });
});

describe('monotonicNow', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('measures sub-millisecond durations on the real clock, even while Date.now stands still', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    const start = monotonicNow(realClock);
    const spinUntil = performance.now() + 0.3;
    while (performance.now() < spinUntil) {
      // busy for 0.3 ms
    }
    const elapsed = monotonicNow(realClock) - start;
    expect(elapsed).toBeGreaterThanOrEqual(0.3);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('follows now() on a clock without monotonicNow (FakeClock: durations follow advance)', async () => {
    const clock = new FakeClock(5_000);
    const start = monotonicNow(clock);
    await clock.advance(250);
    expect(monotonicNow(clock) - start).toBe(250);
  });
});
