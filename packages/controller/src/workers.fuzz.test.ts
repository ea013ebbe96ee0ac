// Issue 21 input 2: no value a reconcile throws or returns can break the runtime's error path.
// fast-check drives one real controller (the test server, its informer): each run gives a key a
// hostile behaviour — throw a revoked Proxy, null, a symbol, an Error whose getters throw, a
// circular or huge object…; return a result whose getters throw, NaN/negative/Infinity delays —
// under an error policy that may itself throw or return garbage, an onReconcile hook that may
// throw, and a logger that throws on what it cannot serialise. The controller must keep
// reconciling other keys, `run` must not reject, every failure must be logged with its key (as its
// cause's first line, or named in the summary of the repeats held back by the rate-limited logger) and
// requeued per the policy.
/* eslint-disable @typescript-eslint/only-throw-error, @typescript-eslint/prefer-promise-reject-errors -- throwing non-Errors is what this test is about */
import { createRateLimitedLogger, flushLogger, type Logger } from '@kubecache/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createController, type Controller } from './controller.js';
import {
  eventually,
  startHarness,
  widgetType,
  type Harness,
  type Widget,
} from './test-support/harness.js';
import type { ErrorAction, ErrorPolicy } from './workers.js';

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

const throwing = (): never => {
  throw revoked(); // even what the getter throws cannot be inspected
};

/** Values whose inspection throws, loops or is huge. */
const hostile: fc.Arbitrary<() => unknown> = fc.constantFrom<() => unknown>(
  () => revoked(),
  () => null,
  () => undefined,
  () => Symbol('boom'),
  () => 42n,
  () => Number.NaN,
  () => 'a string',
  () => 'x'.repeat(1_000_000),
  () => ({ toString: throwing, valueOf: throwing }),
  () => Object.defineProperty(new Error('getter'), 'message', { get: throwing }),
  () => Object.defineProperty(new Error('getter'), 'stack', { get: throwing }),
  () => Object.defineProperty(new Error('getter'), 'name', { get: () => 42 }),
  () => Object.defineProperty(new Error('cause'), 'cause', { get: throwing }),
  () => {
    const o: Record<string, unknown> = { a: 1 };
    o.self = o;
    return o;
  },
  () => {
    const e = new Error('circular');
    (e as Error & { cause: unknown }).cause = e;
    return e;
  },
  () => Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${String(i)}`, i])),
  () =>
    new Proxy(
      {},
      {
        get: throwing,
        has: throwing,
        ownKeys: throwing,
        getPrototypeOf: throwing,
        getOwnPropertyDescriptor: throwing,
      },
    ),
  () => Object.create(null) as object,
  () => function named() {},
);

/** What a reconcile does with its hostile value. */
type Behaviour =
  | { readonly kind: 'throw'; readonly value: () => unknown }
  | { readonly kind: 'reject'; readonly value: () => unknown }
  | { readonly kind: 'thenable'; readonly value: () => unknown }
  | { readonly kind: 'bad-result'; readonly value: () => unknown }
  | { readonly kind: 'odd-result'; readonly result: unknown };

const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  hostile.map((value) => ({ kind: 'throw' as const, value })),
  hostile.map((value) => ({ kind: 'reject' as const, value })),
  hostile.map((value) => ({ kind: 'thenable' as const, value })),
  fc
    .constantFrom<() => unknown>(
      () => revoked(),
      () => ({
        get requeueAfterMs(): number {
          return throwing();
        },
      }),
      () => ({ then: throwing }),
    )
    .map((value) => ({ kind: 'bad-result' as const, value })),
  fc
    .oneof(fc.constantFrom(Number.NaN, -1, -Infinity, Infinity, 0, -0), fc.double({ noNaN: false }))
    .map((requeueAfterMs) => ({ kind: 'odd-result' as const, result: { requeueAfterMs } })),
  fc
    .anything({ withBigInt: true, withBoxedValues: true, withMap: true, withSet: true })
    .filter((v) => typeof v !== 'object' || v === null || !('then' in v))
    .map((result) => ({ kind: 'odd-result' as const, result })),
);

/** Error policies: none, sane ones, and ones that throw or return garbage. */
type Policy = 'default' | 'drop' | 'after' | 'throws' | 'garbage';
const policies: Record<Policy, ErrorPolicy | undefined> = {
  default: undefined,
  drop: () => 'drop',
  after: () => ({ requeueAfterMs: 1 }),
  throws: () => {
    throw revoked();
  },
  garbage: () => revoked() as ErrorAction,
};

describe('worker error path (fuzz)', () => {
  let h: Harness;
  let controller: Controller;
  let rejected: unknown;
  const plan = new Map<string, { behaviour: Behaviour; failing: boolean }>();
  const calls = new Map<string, number>();
  let policy: Policy = 'default';
  let hookThrows = false;
  const warnings: { key: unknown; msg: string | undefined }[] = [];
  // The keys named by the summaries of held-back repeats (the controller's logger is
  // rate-limited: a failure is either its cause's first line or counted in a summary).
  const summarised: { key: unknown; msg: string | undefined }[] = [];

  // Serialises what it is given, as a JSON logger does: throws on cycles, BigInt, revoked Proxies.
  const strict =
    (sink?: typeof warnings) =>
    (obj: object | string, msg?: string): void => {
      JSON.stringify(obj);
      if (sink && typeof obj === 'object') {
        sink.push({ key: (obj as { key?: unknown }).key, msg });
        const keys: unknown = (obj as { keys?: unknown }).keys;
        if (Array.isArray(keys)) for (const key of keys) summarised.push({ key, msg });
      }
    };
  // Wrapped here so that the test can flush it (the controller keeps a rate-limited logger as is).
  const logger: Logger = createRateLimitedLogger({
    debug: strict(),
    info: strict(),
    warn: strict(warnings),
    error: strict(),
  });

  beforeAll(async () => {
    h = await startHarness();
    controller = createController<Widget>({
      name: 'fuzz',
      for: { informer: h.widgets, ...widgetType },
      logger,
      concurrency: 2,
      rateLimiter: {
        when: () => 1,
        forget: () => undefined,
        numRequeues: () => 0,
      },
      errorPolicy: (err, request, context) => {
        const p = policies[policy];
        return p === undefined ? 'rateLimited' : p(err, request, context);
      },
      onReconcile: () => {
        if (hookThrows) throw revoked();
      },
      reconcile: ({ name }) => {
        calls.set(name, (calls.get(name) ?? 0) + 1);
        const step = plan.get(name);
        if (step === undefined || !step.failing) return undefined;
        const b = step.behaviour;
        switch (b.kind) {
          case 'throw':
            throw b.value();
          case 'reject':
            return Promise.reject(b.value());
          case 'thenable':
            return { then: (_ok: unknown, fail: (e: unknown) => void) => fail(b.value()) } as never;
          case 'bad-result':
            return b.value() as never;
          case 'odd-result':
            return b.result as never;
        }
      },
    });
    const run = h.start(controller);
    run.done.catch((err: unknown) => {
      rejected = err ?? 'rejected';
    });
  });

  afterAll(async () => {
    await h.close();
  });

  it('keeps reconciling, never rejects run, logs each failure with its key and requeues per the policy', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        behaviour,
        fc.constantFrom<Policy>('default', 'drop', 'after', 'throws', 'garbage'),
        fc.boolean(),
        async (b, p, throwsInHook) => {
          n++;
          const bad = `bad-${String(n)}`;
          const good = `good-${String(n)}`;
          policy = p;
          hookThrows = throwsInHook;
          warnings.length = 0;
          summarised.length = 0;
          plan.set(bad, { behaviour: b, failing: true });
          controller.enqueue({ namespace: 'default', name: bad });
          controller.enqueue({ namespace: 'default', name: good });
          await eventually(() => expect(calls.get(good)).toBe(1), 5000);
          const fails = b.kind !== 'odd-result';
          const retried = fails && p !== 'drop';
          await eventually(() => {
            const c = calls.get(bad) ?? 0;
            if (retried) expect(c).toBeGreaterThanOrEqual(2);
            else if (fails) expect(c).toBe(1);
            else expect(c).toBeGreaterThanOrEqual(1);
          }, 5000);
          plan.set(bad, { behaviour: b, failing: false }); // the next attempt succeeds
          flushLogger(logger); // the summaries of this iteration's held-back repeats
          if (fails) {
            expect([...warnings, ...summarised]).toContainEqual({
              key: `default/${bad}`,
              msg: retried ? 'reconcile failed; will retry' : 'reconcile failed; not retried',
            });
          } else {
            expect(warnings.filter((w) => w.key === `default/${bad}`)).toEqual([]);
          }
          expect(rejected).toBeUndefined();
        },
      ),
      { numRuns: 150 },
    );
    hookThrows = false;
    controller.enqueue({ namespace: 'default', name: 'after-all' });
    await eventually(() => expect(calls.get('after-all')).toBe(1));
    expect(rejected).toBeUndefined();
    expect(controller.healthCheck().check()).toEqual({ ok: true });
  });
});
