// Tests of the package's typed argument error.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, isInvalidArgumentError, requireFiniteNumber } from './errors.js';

describe('InvalidArgumentError', () => {
  it('carries a stable name, the argument, the rejected value as cause, and a brand', () => {
    let caught: unknown;
    try {
      requireFiniteNumber('delayMs', Number.NaN);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    const err = caught as InvalidArgumentError;
    expect(err.name).toBe('InvalidArgumentError');
    expect(err.argument).toBe('delayMs');
    expect(err.message).toMatch(/^delayMs: expected a finite number/);
    expect(err.cause).toBeNaN();
    expect(isInvalidArgumentError(err)).toBe(true);
  });

  it('is recognised by its brand across copies of the package, and not confused with other errors', () => {
    const foreign = { [Symbol.for('@kubecache/workqueue/InvalidArgumentError')]: true };
    expect(isInvalidArgumentError(foreign)).toBe(true);
    expect(isInvalidArgumentError(new RangeError('x'))).toBe(false);
    expect(isInvalidArgumentError(undefined)).toBe(false);
  });

  it('enforces a lower bound when one is given', () => {
    expect(() => {
      requireFiniteNumber('burst', 0, 1);
    }).toThrow('burst: expected a number ≥ 1, got 0');
    expect(() => {
      requireFiniteNumber('burst', 1, 1);
    }).not.toThrow();
  });
});
