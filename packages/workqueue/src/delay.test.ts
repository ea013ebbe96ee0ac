// Tests of the delay range shared by the rate limiters and the delaying queue.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clampDelayMs, longestDelayMs } from './delay.js';

describe('clampDelayMs', () => {
  it('keeps delays within [0, max]: NaN, negatives and non-numbers are 0, Infinity is the max', () => {
    expect(clampDelayMs(Number.NaN)).toBe(0);
    expect(clampDelayMs(-5)).toBe(0);
    expect(clampDelayMs(-Infinity)).toBe(0);
    expect(clampDelayMs('100')).toBe(0);
    expect(clampDelayMs(undefined)).toBe(0);
    expect(clampDelayMs(Infinity)).toBe(longestDelayMs);
    expect(clampDelayMs(Infinity, 50)).toBe(50);
    expect(clampDelayMs(20, 50)).toBe(20);
    expect(clampDelayMs(0.5)).toBe(0.5);
  });

  it('is Go’s longest time.Duration, about 292 years', () => {
    expect(longestDelayMs * 1e6).toBe(2 ** 63);
    expect(longestDelayMs / (365.25 * 24 * 3600 * 1000)).toBeCloseTo(292.3, 1);
  });

  it('returns a finite number in [0, max] for any value and any max', () => {
    fc.assert(
      fc.property(
        fc.anything(),
        fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
        (v, max) => {
          const d = clampDelayMs(v, max);
          expect(Number.isFinite(d) && d >= 0 && d <= max).toBe(true);
        },
      ),
      { numRuns: 500, seed: 20261206 },
    );
  });
});
