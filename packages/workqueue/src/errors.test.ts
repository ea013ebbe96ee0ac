// Tests of the package's typed argument error.
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  describeValue,
  isInvalidArgumentError,
  requireFiniteNumber,
  requireInteger,
} from './errors.js';

describe('InvalidArgumentError', () => {
  it('carries a stable name, the argument, the rejected value as cause, and a brand', () => {
    let caught: unknown;
    try {
      requireFiniteNumber('delayMs', Number.NaN);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect(caught).toBeInstanceOf(TypeError);
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
    }).toThrow('burst: expected a finite number ≥ 1, got 0');
    expect(() => {
      requireFiniteNumber('burst', 1, 1);
    }).not.toThrow();
  });

  it('requires integers where counts are expected', () => {
    expect(() => {
      requireInteger('burst', 1.5, 1);
    }).toThrow('burst: expected an integer ≥ 1, got 1.5');
    expect(() => {
      requireInteger('burst', Infinity, 1);
    }).toThrow(TypeError);
    expect(() => {
      requireInteger('maxFastAttempts', 0, 0);
    }).not.toThrow();
  });

  it('describes any rejected value without inspecting it', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const hostile = {
      toString(): string {
        throw new Error('no');
      },
    };
    expect(describeValue(proxy)).toBe('an object');
    expect(describeValue(hostile)).toBe('an object');
    expect(describeValue(Symbol('s'))).toBe('a symbol');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(Number.NaN)).toBe('NaN');
    expect(describeValue('5')).toBe('"5"');
    expect(describeValue(5n)).toBe('5n');
    expect(() => {
      requireFiniteNumber('delayMs', proxy);
    }).toThrow('delayMs: expected a finite number, got an object');
  });
});
