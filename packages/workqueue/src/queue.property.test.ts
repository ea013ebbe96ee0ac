// Property tests: random sequences of queue operations checked against a plain model of
// client-go's dirty/processing semantics, and random delays against a sorted release order.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FakeClock } from '@kubecache/core';
import { createDelayingQueue } from './delaying-queue.js';
import { createQueue } from './queue.js';

type Op = { kind: 'add'; key: string } | { kind: 'get' } | { kind: 'done'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), key: fc.constantFrom('a', 'b', 'c', 'd') }),
  fc.record({ kind: fc.constant('get' as const) }),
  fc.record({ kind: fc.constant('done' as const), pick: fc.nat(10) }),
);

describe('WorkQueue properties', () => {
  it('matches the model: FIFO order, no duplicates, re-adds during processing deferred to done', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 60 }), async (ops) => {
        const q = createQueue<string>();
        const model = {
          queue: [] as string[],
          dirty: new Set<string>(),
          processing: [] as string[],
        };
        for (const op of ops) {
          if (op.kind === 'add') {
            q.add(op.key);
            if (!model.dirty.has(op.key)) {
              model.dirty.add(op.key);
              if (!model.processing.includes(op.key)) model.queue.push(op.key);
            }
          } else if (op.kind === 'get') {
            if (model.queue.length === 0) continue; // would wait
            const r = await q.get();
            const expected = model.queue.shift();
            expect(r).toEqual({ item: expected, shutdown: false });
            if (expected === undefined) continue;
            expect(model.processing).not.toContain(expected); // never held twice
            model.processing.push(expected);
            model.dirty.delete(expected);
          } else {
            const item = model.processing[op.pick % Math.max(1, model.processing.length)];
            if (item === undefined) continue;
            q.done(item);
            model.processing.splice(model.processing.indexOf(item), 1);
            if (model.dirty.has(item)) model.queue.push(item);
          }
          expect(q.len()).toBe(model.queue.length);
        }
        q.shutDown();
      }),
      { numRuns: 200, seed: 20261122 },
    );
  });
});

describe('DelayingQueue properties', () => {
  it('releases each item once, at the earliest time it was asked for, in time order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.integer({ min: 1, max: 500 })),
          {
            minLength: 1,
            maxLength: 30,
          },
        ),
        async (requests) => {
          const clock = new FakeClock();
          const q = createDelayingQueue<string>({ clock });
          const earliest = new Map<string, number>();
          for (const [item, delay] of requests) {
            q.addAfter(item, delay);
            earliest.set(item, Math.min(earliest.get(item) ?? Infinity, delay));
          }
          const released: [string, number][] = [];
          while (clock.pendingTimers() > 0) {
            await clock.fireNext();
            while (q.len() > 0) {
              const r = await q.get();
              if (r.shutdown) break;
              released.push([r.item, clock.now()]);
              q.done(r.item);
            }
          }
          const expected = [...earliest].sort((x, y) => x[1] - y[1]);
          expect(released.map(([, t]) => t)).toEqual(expected.map(([, t]) => t));
          expect(new Map(released)).toEqual(new Map(expected));
          q.shutDown();
        },
      ),
      { numRuns: 100, seed: 20261122 },
    );
  });
});
