import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';
import { FakeClock } from './clock.js';

describe('Backoff', () => {
  it('doubles from 800 ms up to the 30 s cap when jitter is off', () => {
    const clock = new FakeClock();
    const b = new Backoff({ jitter: 0 }, { clock });
    const seen = Array.from({ length: 8 }, () => b.next());
    expect(seen).toEqual([800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
  });

  it('adds up to 100 % jitter by default so delays spread over [base, 2 × base)', () => {
    const b = new Backoff({}, { clock: new FakeClock(), random: () => 0.5 });
    expect(b.next()).toBe(1200);
    expect(b.next()).toBe(2400);
  });

  it('starts over after the reset period without backoffs', async () => {
    const clock = new FakeClock();
    const b = new Backoff({ jitter: 0 }, { clock });
    b.next();
    b.next();
    expect(b.next()).toBe(3200);
    await clock.advance(120_001);
    expect(b.next()).toBe(800);
  });

  it('reset() returns to the initial delay', () => {
    const b = new Backoff({ jitter: 0, initialMs: 10 }, { clock: new FakeClock() });
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(10);
  });
});
