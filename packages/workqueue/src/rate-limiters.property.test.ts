// Property tests of every rate limiter (issue 21, input 1): for any options a limiter accepts and
// any sequence of when/forget/numRequeues calls on several keys, every delay is a finite number
// in [0, the limiter's maximum] and forget resets the count; any option it cannot honour is an
// InvalidArgumentError (a TypeError) at construction, naming the option.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Clock } from '@kubecache/core';
import { longestDelayMs } from './delay.js';
import { isInvalidArgumentError } from './errors.js';
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
  WithMaxWaitRateLimiter,
  defaultControllerRateLimiter,
  type TypedRateLimiter,
} from './rate-limiters.js';

/** A clock the test sets by hand (synchronous, unlike FakeClock.advance). */
class HandClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
  setTimeout(): { cancel(): void } {
    return { cancel: () => undefined };
  }
}

type Spec =
  | { kind: 'exp'; baseDelayMs?: number; maxDelayMs?: number }
  | { kind: 'fastSlow'; fastDelayMs: number; slowDelayMs: number; maxFastAttempts: number }
  | { kind: 'bucket'; qps?: number; burst?: number }
  | { kind: 'default' }
  | { kind: 'maxOf'; limiters: Spec[] }
  | { kind: 'withMaxWait'; limiter: Spec; maxDelayMs: number };

/** Delays in ms, edge values included: 0, the smallest double, the largest, fractions. */
const delayArb = fc.oneof(
  fc.constantFrom(0, Number.MIN_VALUE, 1, 5, 1_000_000, Number.MAX_VALUE, longestDelayMs),
  fc.double({ min: 0, max: 1e7, noNaN: true }),
  fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
);

const countArb = fc.oneof(
  fc.nat(20),
  fc.constantFrom(0, 2 ** 31, Number.MAX_SAFE_INTEGER, 1e300, Number.MAX_VALUE),
);

const leafArb: fc.Arbitrary<Spec> = fc.oneof(
  fc.record(
    {
      kind: fc.constant('exp' as const),
      baseDelayMs: delayArb,
      maxDelayMs: delayArb,
    },
    { requiredKeys: ['kind'] },
  ),
  fc.record({
    kind: fc.constant('fastSlow' as const),
    fastDelayMs: delayArb,
    slowDelayMs: delayArb,
    maxFastAttempts: countArb,
  }),
  fc.record(
    {
      kind: fc.constant('bucket' as const),
      qps: fc.oneof(
        fc.constantFrom(Number.MIN_VALUE, 1e-300, 0.001, 10, 1e300, Number.MAX_VALUE, Infinity),
        fc.double({ min: Number.MIN_VALUE, noNaN: true }),
      ),
      burst: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(100, 2 ** 53, 1e300)),
    },
    { requiredKeys: ['kind'] },
  ),
  fc.constant({ kind: 'default' as const }),
);

const specArb: fc.Arbitrary<Spec> = fc.letrec<{ spec: Spec }>((tie) => ({
  spec: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.record({
      kind: fc.constant('maxOf' as const),
      limiters: fc.array(tie('spec'), { minLength: 1, maxLength: 3 }),
    }),
    fc.record({
      kind: fc.constant('withMaxWait' as const),
      limiter: tie('spec'),
      maxDelayMs: delayArb,
    }),
  ),
})).spec;

function build(spec: Spec, clock: Clock): TypedRateLimiter<unknown> {
  switch (spec.kind) {
    case 'exp':
      return new ItemExponentialFailureRateLimiter(spec);
    case 'fastSlow':
      return new ItemFastSlowRateLimiter(spec);
    case 'bucket':
      return new BucketRateLimiter({ ...spec, clock });
    case 'default':
      return defaultControllerRateLimiter({ clock });
    case 'maxOf':
      return new MaxOfRateLimiter(...spec.limiters.map((s) => build(s, clock)));
    case 'withMaxWait':
      return new WithMaxWaitRateLimiter({
        limiter: build(spec.limiter, clock),
        maxDelayMs: spec.maxDelayMs,
      });
  }
}

/** The longest delay the limiter may ever return. */
function maxOf(spec: Spec): number {
  switch (spec.kind) {
    case 'exp':
      return spec.maxDelayMs ?? 1_000_000;
    case 'fastSlow':
      return Math.max(spec.fastDelayMs, spec.slowDelayMs);
    case 'bucket':
    case 'default':
      return longestDelayMs;
    case 'maxOf':
      return Math.min(longestDelayMs, Math.max(...spec.limiters.map(maxOf)));
    case 'withMaxWait':
      return Math.min(spec.maxDelayMs, maxOf(spec.limiter));
  }
}

/** Whether the limiter counts failures per item (the bucket alone does not). */
function tracksItems(spec: Spec): boolean {
  switch (spec.kind) {
    case 'exp':
    case 'fastSlow':
    case 'default':
      return true;
    case 'bucket':
      return false;
    case 'maxOf':
      return spec.limiters.some(tracksItems);
    case 'withMaxWait':
      return tracksItems(spec.limiter);
  }
}

/** Whether delays depend only on the item's failure count (no token bucket inside). */
function perItemOnly(spec: Spec): boolean {
  switch (spec.kind) {
    case 'exp':
    case 'fastSlow':
      return true;
    case 'bucket':
    case 'default':
      return false;
    case 'maxOf':
      return spec.limiters.every(perItemOnly);
    case 'withMaxWait':
      return perItemOnly(spec.limiter);
  }
}

const { proxy: revokedProxy, revoke } = Proxy.revocable({}, {});
revoke();
const hostileKeys: unknown[] = [
  'default/a',
  '',
  0,
  -0,
  Number.NaN,
  null,
  undefined,
  Symbol('k'),
  revokedProxy,
  {
    toString(): string {
      throw new Error('toString');
    },
  },
];

type Op =
  | { kind: 'when'; key: number; times: number }
  | { kind: 'forget'; key: number }
  | { kind: 'numRequeues'; key: number }
  | { kind: 'tick'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('when' as const),
      key: fc.nat(hostileKeys.length - 1),
      times: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 5 }), fc.constant(1100)),
    }),
    weight: 5,
  },
  fc.record({ kind: fc.constant('forget' as const), key: fc.nat(hostileKeys.length - 1) }),
  fc.record({ kind: fc.constant('numRequeues' as const), key: fc.nat(hostileKeys.length - 1) }),
  fc.record({
    kind: fc.constant('tick' as const),
    ms: fc.oneof(fc.nat(1000), fc.constant(1e15), fc.constant(-500)),
  }),
);

describe('rate limiters, any valid options', () => {
  it('return a finite delay in [0, max] for every call; numRequeues counts since forget', () => {
    fc.assert(
      fc.property(specArb, fc.array(opArb, { maxLength: 40 }), (spec, ops) => {
        const clock = new HandClock();
        const limiter = build(spec, clock);
        const max = maxOf(spec);
        const tracks = tracksItems(spec);
        const deterministic = perItemOnly(spec);
        const counts = new Map<unknown, number>();
        const delayAtCount = new Map<number, number>(); // for per-item-only limiters
        for (const op of ops) {
          const key = op.kind === 'tick' ? undefined : hostileKeys[op.key];
          switch (op.kind) {
            case 'when':
              for (let i = 0; i < op.times; i++) {
                const before = counts.get(key) ?? 0;
                const d = limiter.when(key);
                counts.set(key, before + 1);
                if (!(typeof d === 'number' && Number.isFinite(d) && d >= 0 && d <= max)) {
                  throw new Error(`delay ${String(d)} outside [0, ${String(max)}] at ${before}`);
                }
                if (deterministic) {
                  const seen = delayAtCount.get(before);
                  if (seen === undefined) delayAtCount.set(before, d);
                  else if (seen !== d) throw new Error(`count ${before}: ${d} ≠ ${seen}`);
                }
              }
              break;
            case 'forget':
              limiter.forget(key);
              counts.delete(key);
              expect(limiter.numRequeues(key)).toBe(0);
              break;
            case 'numRequeues':
              expect(limiter.numRequeues(key)).toBe(tracks ? (counts.get(key) ?? 0) : 0);
              break;
            case 'tick':
              clock.t += op.ms;
              break;
          }
        }
      }),
      { numRuns: 300, seed: 20261206 },
    );
  });
});

// fast-check inspects the values it generates, which a revoked Proxy does not survive: the
// arbitraries yield this marker, replaced by the proxy when the options are built.
const revokedMarker = Symbol('a revoked Proxy');
const real = (v: unknown): unknown => (v === revokedMarker ? revokedProxy : v);

// Values that are never a usable number of ms or count, whatever the option.
const notANumberArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(Number.NaN, '5', true, 5n, Symbol('s'), revokedMarker, {}, [], () => 5),
  fc.string(),
);

type Invalid = { build: () => unknown; option: string };

const invalidArb: fc.Arbitrary<Invalid> = fc.oneof(
  // ItemExponentialFailureRateLimiter: finite numbers ≥ 0 (undefined and null are the default).
  fc
    .tuple(
      fc.constantFrom('baseDelayMs', 'maxDelayMs'),
      fc.oneof(
        notANumberArb,
        fc.constantFrom(Infinity, -Infinity, -Number.MIN_VALUE),
        fc.double({ max: -Number.MIN_VALUE, noNaN: true }),
      ),
    )
    .map(([option, value]) => ({
      option,
      build: () => new ItemExponentialFailureRateLimiter({ [option]: real(value) }),
    })),
  // ItemFastSlowRateLimiter: all three required.
  fc
    .tuple(
      fc.constantFrom('fastDelayMs', 'slowDelayMs'),
      fc.oneof(
        notANumberArb,
        fc.constantFrom(undefined, null, Infinity, -1),
        fc.double({ max: -Number.MIN_VALUE, noNaN: true }),
      ),
    )
    .map(([option, value]) => ({
      option,
      build: () =>
        new ItemFastSlowRateLimiter({
          fastDelayMs: 1,
          slowDelayMs: 2,
          maxFastAttempts: 3,
          [option]: real(value),
        }),
    })),
  fc
    .oneof(
      notANumberArb,
      fc.constantFrom(undefined, null, Infinity, -1, 0.5, 1.5, Number.MIN_VALUE),
      fc.integer({ max: -1 }),
      fc.double({ noNaN: true }).filter((x) => !Number.isInteger(x) || x < 0),
    )
    .map((value) => ({
      option: 'maxFastAttempts',
      build: () =>
        new ItemFastSlowRateLimiter({
          fastDelayMs: 1,
          slowDelayMs: 2,
          maxFastAttempts: real(value) as number,
        }),
    })),
  // BucketRateLimiter: qps > 0 (Infinity allowed), burst an integer ≥ 1.
  fc
    .oneof(notANumberArb, fc.constantFrom(0, -0, -Infinity), fc.double({ max: 0, noNaN: true }))
    .map((value) => ({
      option: 'qps',
      build: () => new BucketRateLimiter({ qps: real(value) as number }),
    })),
  fc
    .oneof(
      notANumberArb,
      fc.constantFrom(0, Infinity, 1.5, 0.999),
      fc.integer({ max: 0 }),
      fc.double({ noNaN: true }).filter((x) => !Number.isInteger(x) || x < 1),
    )
    .map((value) => ({
      option: 'burst',
      build: () => new BucketRateLimiter({ burst: real(value) as number }),
    })),
  // MaxOfRateLimiter and WithMaxWaitRateLimiter: real limiters, a finite cap ≥ 0.
  fc
    .tuple(fc.nat(1), fc.constantFrom(null, undefined, 5, {}, revokedMarker, { when: () => 1 }))
    .map(([at, bad]) => ({
      option: `limiters[${String(at)}]`,
      build: () => {
        const limiters: unknown[] = [new ItemExponentialFailureRateLimiter()];
        limiters.splice(at, 0, real(bad));
        return new MaxOfRateLimiter(...(limiters as TypedRateLimiter<unknown>[]));
      },
    })),
  fc.constant({ option: 'limiters', build: () => new MaxOfRateLimiter() }),
  fc.oneof(notANumberArb, fc.constantFrom(undefined, Infinity, -1)).map((value) => ({
    option: 'maxDelayMs',
    build: () =>
      new WithMaxWaitRateLimiter({
        limiter: new ItemExponentialFailureRateLimiter(),
        maxDelayMs: real(value) as number,
      }),
  })),
);

describe('rate limiters, options they cannot honour', () => {
  it('throw an InvalidArgumentError (a TypeError) at construction, naming the option', () => {
    fc.assert(
      fc.property(invalidArb, ({ build: make, option }) => {
        let caught: unknown;
        try {
          make();
        } catch (err) {
          caught = err;
        }
        expect(caught).toBeInstanceOf(TypeError);
        expect(isInvalidArgumentError(caught)).toBe(true);
        const err = caught as TypeError & { argument: string };
        expect(err.argument).toBe(option);
        expect(err.message.startsWith(`${option}: `)).toBe(true);
      }),
      { numRuns: 500, seed: 20261206 },
    );
  });
});
