import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock, createDefaultLogger, type Clock } from '@kubecache/core';
import {
  ProcessorListener,
  slowHandlerBacklog,
  slowHandlerThresholdMs,
  type Notification,
} from './processor.js';
import type { ResourceEventHandler } from './handlers.js';

type Obj = { n: number };

function listener(handler: ResourceEventHandler<Obj>, errors: Error[] = []) {
  return new ProcessorListener<Obj>({
    handler,
    resyncPeriodMs: 0,
    onError: (err) => errors.push(err),
    clock: new FakeClock(0),
    upstreamSynced: () => true,
    onRemove: () => {},
  });
}
const add = (n: number): Notification<Obj> => ({ type: 'add', obj: { n }, isInInitialList: false });

describe('ProcessorListener', () => {
  it('delivers on a microtask, never inside add(), in order across sync, async and thenable handlers', async () => {
    const seen: string[] = [];
    const l = listener({
      onAdd: (o) => {
        if (o.n % 3 === 1)
          return new Promise<void>((r) => setTimeout(() => (seen.push(`async ${o.n}`), r()), 5));
        if (o.n % 3 === 2)
          return { then: (ok: () => void) => (seen.push(`thenable ${o.n}`), ok()) } as never;
        seen.push(`sync ${o.n}`);
        return undefined;
      },
    });
    for (let i = 0; i < 7; i++) l.add(add(i));
    expect(seen).toEqual([]);
    await l.idle();
    expect(seen).toEqual([
      'sync 0',
      'async 1',
      'thenable 2',
      'sync 3',
      'async 4',
      'thenable 5',
      'sync 6',
    ]);
  });

  it('reports throwing and rejecting handlers and carries on; a null return is not an error', async () => {
    const errors: Error[] = [];
    const seen: number[] = [];
    const l = listener(
      {
        onAdd: (o) => {
          seen.push(o.n);
          if (o.n === 0) throw new Error('sync boom');
          if (o.n === 1) return Promise.reject(new Error('async boom'));
          return null as never;
        },
      },
      errors,
    );
    for (let i = 0; i < 3; i++) l.add(add(i));
    await l.idle();
    expect(seen).toEqual([0, 1, 2]);
    expect(errors.map((e) => e.message)).toEqual(['sync boom', 'async boom']);
  });

  it('stops delivering once removed, even while an async handler runs', async () => {
    const seen: number[] = [];
    let release!: () => void;
    const l = listener({
      onAdd: (o) => {
        seen.push(o.n);
        if (o.n === 0) return new Promise<void>((r) => (release = r));
        return undefined;
      },
    });
    l.add(add(0));
    l.add(add(1));
    await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([0]);
    expect(l.queueDepth()).toBe(1);
    void l.remove(); // a caller that ignores the promise: removed at once all the same
    release();
    await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([0]);
    await l.idle();
  });

  it('remove() resolves once the running call settled, dropping the queued ones (client-go 1.37 ShutDownEventHandler)', async () => {
    const events: string[] = [];
    let release!: () => void;
    const l = listener({
      onAdd: async (o) => {
        events.push(`start ${String(o.n)}`);
        if (o.n === 0) await new Promise<void>((r) => (release = r));
        events.push(`end ${String(o.n)}`);
      },
    });
    for (let i = 0; i < 3; i++) l.add(add(i));
    await new Promise((r) => setTimeout(r, 5));
    expect(events).toEqual(['start 0']);
    let drained = false;
    const removal = l.remove().then(() => {
      drained = true;
      events.push('drained');
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(drained).toBe(false); // call 0 is still running
    expect(l.queueDepth()).toBe(0); // 1 and 2 were dropped
    release();
    await removal;
    expect(events).toEqual(['start 0', 'end 0', 'drained']);
    // Removing again, or removing an idle handler, resolves at once.
    await l.remove();
    const idle = listener({});
    await idle.remove();
  });

  it('remove() from inside a synchronous call resolves once that call returned', async () => {
    const events: string[] = [];
    let removal: Promise<void> | undefined;
    const l = listener({
      onAdd: (o) => {
        events.push(`call ${String(o.n)}`);
        removal ??= l.remove().then(() => void events.push('drained'));
      },
    });
    l.add(add(0));
    l.add(add(1));
    await new Promise((r) => setTimeout(r, 5));
    await removal;
    expect(events).toEqual(['call 0', 'drained']);
  });
});

// Values a handler may throw, reject with or return, built fresh (a revoked Proxy cannot be
// inspected at all, not even by fast-check, so the arbitraries hold factories).
function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}
const throwingGetters = (): object =>
  Object.defineProperties(
    {},
    Object.fromEntries(
      ['message', 'name', 'stack', 'cause', 'then'].map((k) => [
        k,
        {
          get(): never {
            throw new Error(`${k} getter`);
          },
        },
      ]),
    ),
  );
const hostileThrown: readonly (() => unknown)[] = [
  () => null,
  () => undefined,
  () => Symbol('thrown'),
  revokedProxy,
  throwingGetters,
  () => ({
    toString: (): never => {
      throw new Error('toString');
    },
    [Symbol.toPrimitive]: (): never => {
      throw new Error('toPrimitive');
    },
  }),
  () => {
    const e = new Error('cycle');
    (e as { cause?: unknown }).cause = e;
    return e;
  },
  () => {
    const e = new Error('getters');
    Object.defineProperty(e, 'message', {
      get(): never {
        throw new Error('message getter');
      },
    });
    return e;
  },
  () => 'x'.repeat(1_000_000),
  () =>
    new Proxy(new Error('trapped'), {
      get(): never {
        throw new Error('trap');
      },
      getPrototypeOf(): never {
        throw new Error('trap');
      },
    }),
];
/** Values a handler may return, and whether returning them is a failure. */
const hostileReturned: readonly (readonly [() => unknown, boolean])[] = [
  [revokedProxy, true],
  [throwingGetters, true], // its `then` getter throws
  [
    () => ({
      then: (): never => {
        throw new Error('then threw');
      },
    }),
    true,
  ],
  [() => ({ then: (_ok: unknown, fail: (e: unknown) => void) => fail(revokedProxy()) }), true],
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what the test is about
  [() => Promise.reject(revokedProxy()), true],
  [() => null, false],
  [() => Symbol('returned'), false],
  [() => ({ then: 42 }), false],
  [
    () => {
      const o: Record<string, unknown> = {};
      o.o = o;
      return o;
    },
    false,
  ],
];

type Act =
  | { kind: 'ok' }
  | { kind: 'throw' | 'reject' | 'asyncThrow'; value: () => unknown }
  | { kind: 'return'; value: () => unknown; fails: boolean };

const act: fc.Arbitrary<Act> = fc.oneof(
  fc.constant({ kind: 'ok' } as const),
  fc
    .tuple(fc.constantFrom('throw', 'reject', 'asyncThrow'), fc.constantFrom(...hostileThrown))
    .map(([kind, value]) => ({ kind, value, toString: () => kind })),
  fc.constantFrom(...hostileReturned).map(([value, fails]) => ({
    kind: 'return' as const,
    value,
    fails,
    toString: () => `return (fails: ${fails})`,
  })),
);

function perform(a: Act): unknown {
  switch (a.kind) {
    case 'ok':
      return undefined;
    case 'throw':
      throw a.value();
    case 'reject':
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- idem
      return Promise.reject(a.value());
    case 'asyncThrow':
      return (async () => {
        await Promise.resolve();
        throw a.value();
      })();
    case 'return':
      return a.value();
  }
}

function settled(p: Promise<void>, ms: number): Promise<boolean> {
  return Promise.race([
    p.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
  ]);
}

describe('ProcessorListener with handlers that throw, reject or return anything', () => {
  it('reports each failure as a readable Error, keeps delivering in order, leaves no unhandled rejection (fast-check)', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(act, { minLength: 1, maxLength: 12 }),
          fc.boolean(),
          async (acts, update) => {
            const errors: Error[] = [];
            const seen: number[] = [];
            const handle = (n: number): unknown => {
              seen.push(n);
              return n < acts.length ? perform(acts[n]!) : undefined;
            };
            const l = listener(
              update
                ? { onUpdate: (_old, o) => handle(o.n) as void }
                : { onAdd: (o) => handle(o.n) as void },
              errors,
            );
            for (let i = 0; i <= acts.length; i++) {
              l.add(update ? { type: 'update', oldObj: { n: i }, newObj: { n: i } } : add(i));
            }
            expect(await settled(l.idle(), 2000)).toBe(true);
            expect(seen).toEqual(Array.from({ length: acts.length + 1 }, (_, i) => i));
            const failing = acts.filter((a) => a.kind !== 'ok' && (a.kind !== 'return' || a.fails));
            expect(errors).toHaveLength(failing.length);
            for (const e of errors) {
              expect(e).toBeInstanceOf(Error);
              expect(typeof e.message).toBe('string');
              expect(e.message.length).toBeLessThanOrEqual(1000);
            }
          },
        ),
        { numRuns: 150 },
      );
      await new Promise((r) => setTimeout(r, 20)); // unhandled rejections are reported after a turn
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a handler returning a revoked Proxy is reported and the next notification still arrives', async () => {
    const errors: Error[] = [];
    const seen: number[] = [];
    const l = listener(
      {
        onAdd: (o) => {
          seen.push(o.n);
          return (o.n === 0 ? revokedProxy() : undefined) as void;
        },
      },
      errors,
    );
    l.add(add(0));
    l.add(add(1));
    expect(await settled(l.idle(), 2000)).toBe(true);
    expect(seen).toEqual([0, 1]);
    expect(errors.map((e) => e.message)).toHaveLength(1);
  });
});

describe('slow-handler tracing (client-go 1.36)', () => {
  /** A clock that a handler moves synchronously (FakeClock.advance is asynchronous). */
  class StepClock implements Clock {
    t = 0;
    now = (): number => this.t;
    advance(ms: number): void {
      this.t += ms;
    }
    setTimeout = (): { cancel(): void } => ({ cancel: () => {} });
  }

  /** A listener whose handler takes `costMs(n)` of `clock` per call. */
  function traced(name: string, clock: StepClock, lines: string[], costMs: (n: number) => number) {
    const logger = createDefaultLogger({ level: 'warn', write: (l) => void lines.push(l.trim()) });
    return new ProcessorListener<Obj>({
      handler: { onAdd: (o) => clock.advance(costMs(o.n)) },
      name,
      resyncPeriodMs: 0,
      onError: () => {},
      clock,
      upstreamSynced: () => true,
      onRemove: () => {},
      logger,
      informerName: 'pods.v1',
    });
  }

  it('logs a call over 100 ms made while more than 1024 notifications wait, once per handler per window', async () => {
    expect([slowHandlerBacklog, slowHandlerThresholdMs]).toEqual([1024, 100]);
    const clock = new StepClock();
    const lines: string[] = [];
    // Calls 0 and 1 are slow with a backlog over 1024; call 2 takes exactly 100 ms (not over);
    // call 900 is slow but the backlog is down to 199 by then: not traced.
    const cost = (n: number): number => (n <= 1 ? 150 : n === 2 ? 100 : n === 900 ? 500 : 0);
    const a = traced('printer', clock, lines, cost);
    const b = traced('indexer', clock, lines, (n) => (n === 0 ? 101 : 0));
    for (let i = 0; i < 1100; i++) {
      a.add(add(i));
      b.add(add(i));
    }
    await a.idle();
    await b.idle();
    // One line per cause (handler): printer's second slow call is held back by the rate limit.
    expect(lines).toEqual([
      'kubecache warn informer pods.v1: slow event handler handler=printer durationMs=150 backlog=1099 cause="slow handler printer"',
      'kubecache warn informer pods.v1: slow event handler handler=indexer durationMs=101 backlog=1099 cause="slow handler indexer"',
    ]);
  });

  it('does not trace calls while the backlog is at most 1024', async () => {
    const clock = new StepClock();
    const lines: string[] = [];
    const l = traced('printer', clock, lines, () => 1000);
    for (let i = 0; i < slowHandlerBacklog + 1; i++) l.add(add(i)); // backlog 1024 at the first call
    await l.idle();
    expect(lines).toEqual([]);
  });
});
