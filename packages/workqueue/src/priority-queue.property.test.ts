// Model test: random sequences of adds (priorities, delays), gets (one of them possibly waiting),
// dones, clock advances and shutdown, checked step by step against a reference model that scans
// a plain Map: the ready, unprocessed entry of highest priority, then earliest ready time, then
// first insertion, is handed out; one entry per item (higher priority, earlier ready time win);
// re-adds while processed wait for done; shutdown drops delayed entries.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FakeClock } from '@kubecache/core';
import { createPriorityQueue, type PriorityGetResult } from './priority-queue.js';

type Op =
  | { kind: 'add'; key: string; priority: number | undefined; afterMs: number | undefined }
  | { kind: 'get' }
  | { kind: 'done'; pick: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'shutdown' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      key: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      priority: fc.option(fc.constantFrom(-100, 0, 5), { nil: undefined }),
      afterMs: fc.option(fc.integer({ min: -5, max: 30 }), { nil: undefined }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('get' as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('done' as const), pick: fc.nat(10) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.integer({ min: 0, max: 40 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('shutdown' as const) }) },
);

interface ModelEntry {
  priority: number;
  readyAt: number;
  seq: number;
}

class Model {
  now = 0;
  seq = 0;
  stopping = false;
  readonly entries = new Map<string, ModelEntry>();
  readonly processing = new Set<string>();

  add(key: string, priority = 0, afterMs?: number): void {
    if (this.stopping) return;
    const wait = afterMs !== undefined && afterMs > 0 ? afterMs : 0;
    const readyAt = this.now + wait;
    const e = this.entries.get(key);
    if (e === undefined) {
      this.entries.set(key, { priority, readyAt, seq: this.seq++ });
    } else if (e.readyAt > this.now) {
      // Still waiting for its time: the higher priority, the earlier time.
      e.priority = Math.max(e.priority, priority);
      e.readyAt = Math.min(e.readyAt, readyAt);
    } else if (priority > e.priority) {
      // Ready: a higher priority moves it to the back of that priority.
      e.priority = priority;
      e.readyAt = this.now;
      e.seq = this.seq++;
    }
  }

  /** The entry `get` must hand out now, or undefined. */
  best(): [string, ModelEntry] | undefined {
    let best: [string, ModelEntry] | undefined;
    for (const [k, e] of this.entries) {
      if (e.readyAt > this.now || this.processing.has(k)) continue;
      const b = best?.[1];
      if (
        b === undefined ||
        e.priority > b.priority ||
        (e.priority === b.priority &&
          (e.readyAt < b.readyAt || (e.readyAt === b.readyAt && e.seq < b.seq)))
      )
        best = [k, e];
    }
    return best;
  }

  take(): PriorityGetResult<string> | undefined {
    const b = this.best();
    if (b === undefined) return this.stopping ? { shutdown: true } : undefined;
    this.entries.delete(b[0]);
    this.processing.add(b[0]);
    return { item: b[0], priority: b[1].priority, shutdown: false };
  }

  /** The next time an entry becomes ready within `until`, or undefined. */
  nextReady(until: number): number | undefined {
    let t: number | undefined;
    for (const e of this.entries.values())
      if (e.readyAt > this.now && e.readyAt <= until && (t === undefined || e.readyAt < t))
        t = e.readyAt;
    return t;
  }

  shutDown(): void {
    this.stopping = true;
    for (const [k, e] of this.entries) if (e.readyAt > this.now) this.entries.delete(k);
  }

  readyLen(): number {
    let n = 0;
    for (const [k, e] of this.entries) if (e.readyAt <= this.now && !this.processing.has(k)) n++;
    return n;
  }

  waitingLen(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.readyAt > this.now) n++;
    return n;
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('PriorityQueue model test', () => {
  it('matches the reference model: priority, FIFO, dedupe, processing, delays, shutdown', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 10, maxLength: 100, size: 'max' }),
        async (ops) => {
          const clock = new FakeClock();
          const q = createPriorityQueue<string>({ clock });
          const m = new Model();
          // At most one waiting get: its result once the queue delivered it.
          let waiter: { result: PriorityGetResult<string> | undefined } | undefined;

          /** A waiting get must receive exactly what the model hands out at this moment. */
          const serveWaiter = async (): Promise<void> => {
            await flush();
            if (waiter === undefined) return;
            const expected = m.take();
            expect(waiter.result).toEqual(expected);
            if (expected !== undefined) waiter = undefined;
          };

          for (const op of ops) {
            switch (op.kind) {
              case 'add':
                q.addWithOptions(op.key, {
                  ...(op.priority === undefined ? {} : { priority: op.priority }),
                  ...(op.afterMs === undefined ? {} : { afterMs: op.afterMs }),
                });
                m.add(op.key, op.priority, op.afterMs);
                await serveWaiter();
                break;
              case 'get': {
                if (waiter !== undefined) break;
                const w: { result: PriorityGetResult<string> | undefined } = { result: undefined };
                void q.get().then((r) => (w.result = r));
                await flush();
                const expected = m.take();
                if (expected === undefined) waiter = w; // must wait
                expect(w.result).toEqual(expected);
                break;
              }
              case 'done': {
                const held = [...m.processing];
                const item = held[op.pick % Math.max(1, held.length)];
                if (item === undefined) break;
                q.done(item);
                m.processing.delete(item);
                await serveWaiter();
                break;
              }
              case 'advance': {
                // Step through every ready time on the way: a waiting get takes the best entry
                // of the first moment something became ready.
                const target = m.now + op.ms;
                for (let t = m.nextReady(target); t !== undefined; t = m.nextReady(target)) {
                  await clock.advance(t - m.now);
                  m.now = t;
                  await serveWaiter();
                }
                await clock.advance(target - m.now);
                m.now = target;
                await serveWaiter();
                break;
              }
              case 'shutdown':
                q.shutDown();
                m.shutDown();
                await serveWaiter();
                break;
            }
            expect(q.len()).toBe(m.readyLen());
            expect(q.waitingLen()).toBe(m.waitingLen());
          }
          q.shutDown();
          expect(clock.pendingTimers()).toBe(0);
        },
      ),
      { numRuns: 300, seed: 20261206 },
    );
  });
});
