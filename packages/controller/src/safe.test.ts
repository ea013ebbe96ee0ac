/* eslint-disable @typescript-eslint/only-throw-error -- hostile throws are the subject */
import type { Logger } from '@kubecache/core';
import { describe, expect, it } from 'vitest';
import { attempt, describeValue, errorOf, safeLog } from './safe.js';

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

describe('errorOf / describeValue', () => {
  it('keep a readable Error and describe everything else without throwing', () => {
    const e = new Error('x');
    expect(errorOf(e)).toBe(e);
    expect(errorOf('plain').message).toBe('plain');
    expect(errorOf(revoked()).message).toBe('reconcile threw a value that cannot be inspected');
    expect(errorOf(null).message).toBe('reconcile threw a non-Error value: null');
    expect(errorOf(Symbol('s')).message).toBe('reconcile threw a non-Error value: Symbol(s)');
    const bad = Object.defineProperty(new Error('m'), 'message', {
      get: () => {
        throw revoked();
      },
    });
    expect(errorOf(bad).message).toBe('reconcile threw an Error that cannot be inspected');
    const huge = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${String(i)}`, i]));
    expect(describeValue(huge)).toBe('[object Object] with 1000 keys (k0, k1, k2, k3, k4, …)');
    expect(describeValue('y'.repeat(500)).length).toBeLessThanOrEqual(201);
  });
});

describe('safeLog / attempt', () => {
  it('logs again without err when the logger throws on it, and never throws itself', () => {
    const lines: unknown[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
      warn: (obj) => {
        JSON.stringify(obj);
        lines.push(obj);
      },
    };
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    safeLog(logger, 'warn', { key: 'k', err: circular }, 'm');
    expect(lines).toEqual([{ key: 'k', error: '[object Object] with 1 key (self)' }]);
    const broken: Logger = {
      ...logger,
      warn: () => {
        throw revoked();
      },
    };
    expect(() => safeLog(broken, 'warn', { err: 1 }, 'm')).not.toThrow();
    expect(
      attempt(() => {
        throw revoked();
      })?.message,
    ).toBe('threw a value that cannot be inspected');
    expect(attempt(() => undefined)).toBeUndefined();
  });
});
