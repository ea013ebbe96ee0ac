import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxErrorMessageLength } from './describe-error.js';
import { isMarkedPermanent, permanentErrorBrand, toError } from './errors.js';
import { hostileFactories, hostileValue } from './test-support/hostile.js';

/** Reads what error handling reads; throws if any of it throws. */
function inspect(e: Error): string {
  return `${e.name}|${e.message}|${typeof e.stack}|${typeof (e as { cause?: unknown }).cause}`;
}

describe('toError', () => {
  it('returns an Error as is, and wraps anything else with it as the cause', () => {
    const e = new TypeError('t');
    expect(toError(e)).toBe(e);
    expect(toError('text').message).toBe('text');
    const wrapped = toError(null);
    expect(wrapped).toBeInstanceOf(Error);
    expect(wrapped.message).toBe('null');
    expect(wrapped.cause).toBeNull();
    expect(toError({ code: 7 }).message).toBe('{"code":7} (7)');
  });

  it('never throws and returns an Error whose name, message and stack can be read (fast-check)', () => {
    fc.assert(
      fc.property(hostileValue(), (box) => {
        const value = box.make();
        const e = toError(value);
        expect(e).toBeInstanceOf(Error);
        expect(() => inspect(e)).not.toThrow();
        if (e !== value) expect(e.message.length).toBeLessThanOrEqual(maxErrorMessageLength);
      }),
      { numRuns: 300 },
    );
    for (const [name, make] of hostileFactories) {
      const e = toError(make());
      expect(() => inspect(e), name).not.toThrow();
    }
  });

  it('wraps an Error whose own getters throw, keeping it as the cause', () => {
    const hostile = new Error('x');
    Object.defineProperty(hostile, 'message', {
      get() {
        throw new Error('getter');
      },
    });
    const e = toError(hostile);
    // (compared with ===: vitest's own formatting would read the throwing getter)
    expect(e === hostile).toBe(false);
    expect(e.cause === hostile).toBe(true);
    expect(e.message).toBe('Error');
  });
});

describe('permanentErrorBrand', () => {
  it('isMarkedPermanent is true only for an error carrying the mark, and total for hostile values', () => {
    class Marked extends Error {
      readonly [permanentErrorBrand] = true;
    }
    expect(isMarkedPermanent(new Marked('x'))).toBe(true);
    expect(isMarkedPermanent(Object.assign(new Error('x'), { [permanentErrorBrand]: 'yes' }))).toBe(
      false,
    );
    expect(isMarkedPermanent(new Error('x'))).toBe(false);
    expect(isMarkedPermanent('x')).toBe(false);
    expect(isMarkedPermanent(null)).toBe(false);
    const { proxy, revoke } = Proxy.revocable(new Marked('x'), {});
    revoke();
    expect(isMarkedPermanent(proxy)).toBe(false);
    expect(permanentErrorBrand).toBe(Symbol.for('@kubecache/core/PermanentError'));
  });
});
