// The heap behind the priority queue: order, removal and re-sorting against a sorted array.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IndexedHeap } from './indexed-heap.js';

interface E {
  heapIndex: number;
  key: number;
  seq: number;
}

const before = (a: E, b: E): boolean => a.key < b.key || (a.key === b.key && a.seq < b.seq);

describe('IndexedHeap', () => {
  it('pops in order, FIFO among equal keys with a sequence tie-breaker', () => {
    const h = new IndexedHeap<E>(before);
    const keys = [5, 1, 3, 1, 5, 0];
    keys.forEach((key, seq) => h.push({ heapIndex: -1, key, seq }));
    const out: string[] = [];
    for (let e = h.pop(); e !== undefined; e = h.pop()) out.push(`${e.key}/${e.seq}`);
    expect(out).toEqual(['0/5', '1/1', '1/3', '3/2', '5/0', '5/4']);
    expect(h.pop()).toBeUndefined();
  });

  it('matches a sorted array under random push, pop, remove and key changes', () => {
    type Op =
      | { kind: 'push'; key: number }
      | { kind: 'pop' }
      | { kind: 'remove'; pick: number }
      | { kind: 'rekey'; pick: number; key: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), key: fc.integer({ min: -5, max: 5 }) }),
      fc.record({ kind: fc.constant('pop' as const) }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat(50) }),
      fc.record({
        kind: fc.constant('rekey' as const),
        pick: fc.nat(50),
        key: fc.integer({ min: -5, max: 5 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80, size: 'max' }), (ops) => {
        const h = new IndexedHeap<E>(before);
        const model: E[] = [];
        let seq = 0;
        for (const o of ops) {
          if (o.kind === 'push') {
            const e = { heapIndex: -1, key: o.key, seq: seq++ };
            h.push(e);
            model.push(e);
          } else if (o.kind === 'pop') {
            model.sort((a, b) => (before(a, b) ? -1 : 1));
            expect(h.pop()).toBe(model.shift());
          } else if (model.length > 0) {
            const e = model[o.pick % model.length]!;
            if (o.kind === 'remove') {
              expect(h.remove(e)).toBe(true);
              expect(h.remove(e)).toBe(false);
              model.splice(model.indexOf(e), 1);
            } else {
              e.key = o.key;
              h.update(e);
            }
          }
          expect(h.size).toBe(model.length);
          const first = [...model].sort((a, b) => (before(a, b) ? -1 : 1))[0];
          expect(h.peek()).toBe(first);
        }
      }),
      { numRuns: 300, seed: 20261206 },
    );
  });
});
