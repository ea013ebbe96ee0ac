import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createStringInterner } from './string-interner.js';
import { deepFreeze } from './shared-fields.js';

const image = 'registry.example.com/team/app:v1.2.3';

describe('createStringInterner', () => {
  it('leaves every JSON value deep-equal to its parse (property)', () => {
    const intern = createStringInterner({ minLength: 1 });
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        expect(intern(JSON.parse(text) as unknown)).toStrictEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('swaps a repeated value for the copy it holds, counting the hits and table entries', () => {
    const intern = createStringInterner();
    const a = JSON.parse(JSON.stringify({ spec: { containers: [{ image }] } })) as object;
    const b = JSON.parse(JSON.stringify({ status: { images: [image, image] } })) as object;
    intern(a);
    expect(intern.size).toBe(1);
    expect(intern.hits).toBe(0);
    expect(intern(b)).toBe(b);
    expect(intern.hits).toBe(2);
    expect(b).toStrictEqual({ status: { images: [image, image] } });
  });

  it('leaves strings outside [minLength, maxLength] and frozen subtrees alone', () => {
    const intern = createStringInterner({ minLength: 11, maxLength: 20 });
    const long = 'x'.repeat(21);
    const frozen = deepFreeze({ name: image });
    const o = { short: 'kube-system', tiny: 'default', long, frozen };
    intern(o);
    intern({ ...o, frozen: { ...frozen } });
    // Only 'kube-system' (11 characters) enters the table, and the second object hits it; the
    // image (36 > 20 characters) is left alone, in the frozen subtree and in its unfrozen copy.
    expect(intern.size).toBe(1);
    expect(intern.hits).toBe(1);
    expect(Object.isFrozen(frozen)).toBe(true);
  });

  it('does not go through the __proto__ setter for an own __proto__ member', () => {
    const intern = createStringInterner({ minLength: 1 });
    const text =
      '{"__proto__":"not a prototype at all","a":{"__proto__":{"b":"not a prototype at all"}}}';
    const o = JSON.parse(text) as Record<string, unknown>;
    intern(o);
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(o).toStrictEqual(JSON.parse(text));
    expect(Object.getOwnPropertyNames(o)).toEqual(['__proto__', 'a']);
  });

  it('keeps at most maxEntries strings (the table is dropped and refilled when full)', () => {
    const intern = createStringInterner({ maxEntries: 3 });
    for (let i = 0; i < 10; i++) intern({ v: `value-number-${i}` });
    expect(intern.size).toBeLessThanOrEqual(3);
    expect(intern.size).toBeGreaterThan(0);
  });

  it('stops at a depth of 64 instead of overflowing the stack on deep JSON', () => {
    const intern = createStringInterner({ minLength: 1 });
    const text = '['.repeat(20_000) + '"deep-string-value"' + ']'.repeat(20_000);
    const v = JSON.parse(text) as unknown;
    expect(() => intern(v)).not.toThrow();
    expect(intern.size).toBe(0);
  });

  it('throws a RangeError for a maxEntries that is not positive', () => {
    expect(() => createStringInterner({ maxEntries: 0 })).toThrow(RangeError);
    expect(() => createStringInterner({ maxEntries: Number.NaN })).toThrow(RangeError);
  });
});

describe('createStringInterner memory', () => {
  // V8's full GC, reachable without --expose-gc.
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const heapAfterGc = (): number => {
    for (let i = 0; i < 3; i++) gc();
    return process.memoryUsage().heapUsed;
  };
  /** Heap held by 4,000 parsed objects that each carry the same 400-character value. */
  const held = (intern: (o: unknown) => unknown): number => {
    const text = JSON.stringify({ spec: { value: 'v'.repeat(400) } });
    const before = heapAfterGc();
    const objects = Array.from({ length: 4000 }, () => intern(JSON.parse(text)));
    const after = heapAfterGc();
    expect(objects).toHaveLength(4000);
    return after - before;
  };

  it('keeps one copy of a repeated value, not one per object', () => {
    const plain = held((o) => o);
    const interned = held(createStringInterner());
    // Plain: 4,000 copies of ~416 bytes (1.6 MB) besides the objects; interned: one.
    expect(plain - interned).toBeGreaterThan(4000 * 400 * 0.8);
  });
});
