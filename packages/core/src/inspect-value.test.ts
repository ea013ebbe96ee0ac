import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inspectValue, uninspectable } from './inspect-value.js';
import { hostileFactories, hostileValue } from './test-support/hostile.js';

describe('inspectValue', () => {
  it('describes primitives, symbols, functions, objects, arrays and errors compactly', () => {
    expect(inspectValue('text')).toBe('text');
    expect(inspectValue(null)).toBe('null');
    expect(inspectValue(undefined)).toBe('undefined');
    expect(inspectValue(12n)).toBe('12n');
    expect(inspectValue(Symbol('s'))).toBe('Symbol(s)');
    expect(inspectValue(function reconcile() {})).toBe('[function reconcile]');
    expect(inspectValue({ a: 1, b: ['x', true], c: { d: { e: { f: 1 } } } })).toBe(
      '{"a":1,"b":["x",true],"c":{"d":{"e":{…}}}}',
    );
    expect(inspectValue({ err: new TypeError('t') })).toBe('{"err":"[TypeError: t]"}');
  });

  it('marks cycles, skips throwing getters, never calls toString or toJSON', () => {
    const o: Record<string, unknown> = { a: 1 };
    o.self = o;
    expect(inspectValue(o)).toBe('{"a":1,"self":"[circular]"}');
    const hostile = {
      ok: 1,
      get bad(): never {
        throw new Error('getter');
      },
      toJSON: () => {
        throw new Error('toJSON');
      },
    };
    expect(inspectValue(hostile)).toBe('{"ok":1,"bad":undefined,"toJSON":"[function toJSON]"}');
  });

  it('describes a revoked Proxy, also nested', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(inspectValue(proxy)).toBe(uninspectable);
    expect(inspectValue({ inner: proxy })).toBe(`{"inner":"${uninspectable}"}`);
  });

  it('stays within maxLength for anything (fast-check)', () => {
    fc.assert(
      fc.property(hostileValue(), fc.integer({ min: 8, max: 2000 }), (box, max) => {
        const text = inspectValue(box.make(), max);
        expect(typeof text).toBe('string');
        expect(text.length).toBeLessThanOrEqual(max);
      }),
      { numRuns: 200 },
    );
    for (const [name, make] of hostileFactories) {
      expect(inspectValue(make()).length, name).toBeLessThanOrEqual(512);
    }
  });
});
