// Fuzz test (issue 21, input 2, the workqueue part): random add / get / done / forget / addAfter /
// addRateLimited / shutDown sequences with hostile keys (null, NaN, -0, symbols, a revoked Proxy,
// objects whose getters and toString throw, circular and huge objects), hostile delays and a
// metrics provider whose hooks throw now and then, checked against a plain model of client-go's
// dirty / processing / waiting semantics. The queue must never throw, hand every added key out
// exactly once per add-before-get burst, never to two workers at once, and keep len() and
// waitingLen() consistent.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FakeClock, type Logger } from '@kubecache/core';
import { clampDelayMs } from './delay.js';
import type { GetResult } from './queue.js';
import type { WorkqueueMetricsProvider } from './metrics.js';
import type { TypedRateLimiter } from './rate-limiters.js';
import { createRateLimitingQueue } from './rate-limiting-queue.js';

const { proxy: revokedProxy, revoke } = Proxy.revocable({}, {});
revoke();
const circular: Record<string, unknown> = { name: 'loop' };
circular.self = circular;
const throwingObject = Object.defineProperties(
  {},
  {
    toString: {
      value: () => {
        throw new Error('toString');
      },
    },
    valueOf: {
      value: () => {
        throw new Error('valueOf');
      },
    },
    name: {
      get: () => {
        throw new Error('getter');
      },
      enumerable: true,
    },
    [Symbol.toPrimitive]: {
      value: () => {
        throw new Error('toPrimitive');
      },
    },
  },
);
const huge = Array.from({ length: 100_000 }, (_, i) => i);

// By index: fast-check inspects generated values, which a revoked Proxy does not survive.
const keys: unknown[] = [
  'default/a',
  'default/b',
  '',
  0,
  -0, // the same item as 0 (SameValueZero)
  Number.NaN,
  null,
  undefined,
  false,
  Symbol('k'),
  12n,
  revokedProxy,
  throwingObject,
  circular,
  huge,
];

const delays: unknown[] = [
  Number.NaN,
  -1,
  0,
  -Infinity,
  Infinity,
  Number.MAX_VALUE,
  '100',
  undefined,
  0.25,
  1,
  7,
  50,
  400,
];

type Op =
  | { kind: 'add'; key: number }
  | { kind: 'get' }
  | { kind: 'done'; pick: number }
  | { kind: 'doneAny'; key: number }
  | { kind: 'forget'; key: number }
  | { kind: 'addAfter'; key: number; delay: number }
  | { kind: 'addRateLimited'; key: number; delay: number }
  | { kind: 'tick'; ms: number }
  | { kind: 'shutDown' };

const keyArb = fc.nat(keys.length - 1);
const delayArb = fc.nat(delays.length - 1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('add' as const), key: keyArb }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('get' as const) }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('done' as const), pick: fc.nat(20) }), weight: 4 },
  fc.record({ kind: fc.constant('doneAny' as const), key: keyArb }),
  fc.record({ kind: fc.constant('forget' as const), key: keyArb }),
  {
    arbitrary: fc.record({ kind: fc.constant('addAfter' as const), key: keyArb, delay: delayArb }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('addRateLimited' as const),
      key: keyArb,
      delay: delayArb,
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.nat(600) }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'shutDown' as const }), weight: 1 },
);

/** Metrics hooks that throw whenever the plan says so (and a detach function that throws). */
function flakyMetrics(plan: boolean[]): {
  provider: WorkqueueMetricsProvider;
  calls: () => number;
} {
  let n = 0;
  const maybeThrow = (): void => {
    // Alternately an Error and a thrown value that cannot even be inspected.
    if (plan[n++ % plan.length]) throw n % 2 === 0 ? new Error('hook') : (revokedProxy as Error);
  };
  return {
    calls: () => n,
    provider: {
      add: maybeThrow,
      depth: maybeThrow,
      queueLatency: maybeThrow,
      workDuration: maybeThrow,
      unfinishedWork: maybeThrow,
      longestRunningProcessor: maybeThrow,
      retry: maybeThrow,
      attach: () => {
        maybeThrow();
        return maybeThrow;
      },
    },
  };
}

/** Records what the queue reported; inspects nothing it was given. */
function countingLogger(): { logger: Logger; count: () => number } {
  let n = 0;
  const log = (): void => {
    n++;
  };
  return { logger: { debug: log, info: log, warn: log, error: log }, count: () => n };
}

/** client-go's queue, as plain data. */
class Model {
  queue: unknown[] = [];
  dirty = new Set<unknown>();
  processing = new Set<unknown>();
  waiting = new Map<unknown, number>(); // item → ready time
  stopping = false;
  /** Gets that wait, in arrival order, by id; `expected` is what each must resolve with. */
  waiters: number[] = [];
  expected = new Map<number, GetResult<unknown>>();

  add(item: unknown): void {
    if (this.stopping || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.enqueue(item);
  }

  enqueue(item: unknown): void {
    const waiter = this.waiters.shift();
    if (waiter === undefined) {
      this.queue.push(item);
      return;
    }
    this.handOut(item);
    this.expected.set(waiter, { item, shutdown: false });
  }

  handOut(item: unknown): void {
    if (this.processing.has(item)) throw new Error('an item was handed to two workers');
    this.processing.add(item);
    this.dirty.delete(item);
  }

  done(item: unknown): void {
    if (!this.processing.delete(item)) return;
    if (this.dirty.has(item)) this.enqueue(item);
  }

  addAfter(item: unknown, readyAt: number, now: number): void {
    if (this.stopping) return;
    if (readyAt <= now) {
      this.add(item);
      return;
    }
    const existing = this.waiting.get(item);
    if (existing === undefined || readyAt < existing) this.waiting.set(item, readyAt);
  }

  fire(now: number): void {
    const due = [...this.waiting].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]);
    for (const [item] of due) {
      this.waiting.delete(item);
      this.add(item);
    }
  }

  shutDown(): void {
    this.stopping = true;
    this.waiting.clear();
    for (const w of this.waiters) this.expected.set(w, { shutdown: true });
    this.waiters = [];
  }
}

/** Names an item by its index in `keys` (printing the item itself could throw). */
function nameOf(item: unknown): string {
  const i = keys.findIndex((k) => sameItem(k, item));
  return i < 0 ? 'an unknown item' : `keys[${String(i)}]`;
}

/** SameValueZero, as Map and Set compare items; never inspects them. */
function sameItem(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b); // NaN is the same item as NaN
}

/** Throws a readable error unless `got` is `want` (compared without inspecting items). */
function expectResult(id: number, got: GetResult<unknown> | undefined, want: GetResult<unknown>) {
  const show = (r: GetResult<unknown> | undefined): string =>
    r === undefined ? 'nothing yet' : r.shutdown ? 'shutdown' : nameOf(r.item);
  const same =
    got !== undefined &&
    got.shutdown === want.shutdown &&
    (got.shutdown || want.shutdown || sameItem(got.item, want.item));
  if (!same) throw new Error(`get #${String(id)}: got ${show(got)}, expected ${show(want)}`);
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('workqueue under hostile keys, delays and metrics', () => {
  it('never throws, hands every added key out once per burst, keeps len() consistent', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 50 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }),
        async (ops, plan) => {
          const clock = new FakeClock();
          const metrics = flakyMetrics(plan);
          const logs = countingLogger();
          let nextDelay: unknown = 0;
          const limiter: TypedRateLimiter<unknown> = {
            when: () => nextDelay as number,
            forget: () => undefined,
            numRequeues: () => 0,
          };
          const q = createRateLimitingQueue<unknown>(limiter, {
            clock,
            name: 'fuzz',
            metrics: metrics.provider,
            metricsUpdatePeriodMs: 100,
            logger: logs.logger,
          });
          const m = new Model();
          const results = new Map<number, GetResult<unknown>>();
          let nextWaiter = 0;

          // Ready times are kept distinct among finite, near delays, so the order in which
          // items of equal time come out (unspecified) never matters.
          const readyAtFor = (delay: unknown): { delayMs: number; readyAt: number } => {
            let delayMs = clampDelayMs(delay);
            if (delayMs > 0 && delayMs < 1e6) {
              const taken = new Set(m.waiting.values());
              while (taken.has(clock.now() + delayMs)) delayMs += 0.5;
            }
            return { delayMs, readyAt: clock.now() + delayMs };
          };

          for (const op of ops) {
            switch (op.kind) {
              case 'add':
                q.add(keys[op.key]);
                m.add(keys[op.key]);
                break;
              case 'get': {
                const id = nextWaiter++;
                const p = q.get();
                void p.then((r) => results.set(id, r));
                if (m.queue.length > 0) {
                  const item = m.queue.shift();
                  m.handOut(item);
                  m.expected.set(id, { item, shutdown: false });
                } else if (m.stopping) {
                  m.expected.set(id, { shutdown: true });
                } else {
                  m.waiters.push(id);
                }
                break;
              }
              case 'done': {
                const held = [...m.processing];
                if (held.length === 0) break;
                const item = held[op.pick % held.length];
                q.done(item);
                m.done(item);
                break;
              }
              case 'doneAny':
                q.done(keys[op.key]);
                m.done(keys[op.key]);
                break;
              case 'forget':
                q.forget(keys[op.key]);
                break;
              case 'addAfter':
              case 'addRateLimited': {
                const raw = delays[op.delay];
                const { delayMs, readyAt } = readyAtFor(raw);
                const given = delayMs === clampDelayMs(raw) ? raw : delayMs;
                if (op.kind === 'addAfter') {
                  q.addAfter(keys[op.key], given as number);
                } else {
                  nextDelay = given;
                  q.addRateLimited(keys[op.key]);
                }
                m.addAfter(keys[op.key], readyAt, clock.now());
                break;
              }
              case 'tick':
                await clock.advance(op.ms);
                m.fire(clock.now());
                break;
              case 'shutDown':
                q.shutDown();
                m.shutDown();
                break;
            }
            await flush();
            expect(q.len()).toBe(m.queue.length);
            expect(q.waitingLen()).toBe(m.waiting.size);
            expect(q.shuttingDown()).toBe(m.stopping);
            for (const [id, want] of m.expected) expectResult(id, results.get(id), want);
          }

          // Shut down and drain: every key still queued comes out exactly once.
          q.shutDown();
          m.shutDown();
          await flush();
          const left = [...m.queue];
          const drained: unknown[] = [];
          for (;;) {
            const r = await q.get();
            if (r.shutdown) break;
            drained.push(r.item);
            q.done(r.item);
          }
          expect(drained.map(nameOf)).toEqual(left.map(nameOf));
          expect(drained.every((item, i) => sameItem(item, left[i]))).toBe(true);
          for (const [id, want] of m.expected) expectResult(id, results.get(id), want);
          expect(results.size).toBe(nextWaiter);
          // Each failing hook is reported at most once (8 hooks, plus one non-number delay).
          expect(logs.count()).toBeLessThanOrEqual(9);
          expect(clock.pendingTimers()).toBe(0);
        },
      ),
      { numRuns: 150, seed: 20261206 },
    );
  });
});
