// Test support: values that user code may throw or return and whose inspection is hostile —
// throwing getters, throwing conversions, revoked proxies, cycles, huge payloads. Not exported
// from the package.
import fc from 'fast-check';

function thrower(what: string): () => never {
  return () => {
    throw new Error(`${what} getter threw`);
  };
}

/** A Proxy whose every trap throws. */
function trapEverything<T extends object>(target: T): T {
  const boom = (): never => {
    throw new Error('trap threw');
  };
  return new Proxy(target, {
    get: boom,
    has: boom,
    ownKeys: boom,
    getPrototypeOf: boom,
    getOwnPropertyDescriptor: boom,
    apply: boom,
  });
}

function revoked<T extends object>(target: T): T {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

/** A named list of hostile values, each built fresh by its factory. */
export const hostileFactories: readonly (readonly [string, () => unknown])[] = [
  ['null', () => null],
  ['undefined', () => undefined],
  ['symbol', () => Symbol('thrown')],
  ['huge symbol', () => Symbol('s'.repeat(200_000))],
  ['bigint', () => 10n ** 40n],
  ['function', () => function named(): void {}],
  [
    'function with throwing toString',
    () => Object.assign(() => undefined, { toString: thrower('toString') }),
  ],
  ['revoked proxy', () => revoked({})],
  ['revoked error proxy', () => revoked(new Error('inner'))],
  ['revoked function proxy', () => revoked(() => undefined)],
  ['trap-everything proxy', () => trapEverything({})],
  ['trap-everything error proxy', () => trapEverything(new Error('inner'))],
  [
    'object with throwing getters',
    () =>
      Object.defineProperties(
        {},
        Object.fromEntries(
          ['message', 'name', 'stack', 'cause', 'code', 'reason', 'kind', 'body', 'then'].map(
            (k) => [k, { get: thrower(k), enumerable: true }],
          ),
        ),
      ),
  ],
  [
    'error with throwing getters',
    () => {
      const e = new Error('x');
      for (const k of ['message', 'name', 'stack', 'cause', 'code', 'statusCode']) {
        Object.defineProperty(e, k, { get: thrower(k), enumerable: true });
      }
      return e;
    },
  ],
  [
    'object with throwing conversions',
    () => ({
      toString: thrower('toString'),
      valueOf: thrower('valueOf'),
      [Symbol.toPrimitive]: thrower('toPrimitive'),
      toJSON: thrower('toJSON'),
    }),
  ],
  [
    'error with throwing conversions',
    () =>
      Object.assign(new Error('conv'), {
        toString: thrower('toString'),
        [Symbol.toPrimitive]: thrower('toPrimitive'),
        toJSON: thrower('toJSON'),
      }),
  ],
  [
    'circular object',
    () => {
      const o: Record<string, unknown> = { a: 1 };
      o.self = o;
      o.list = [o, o];
      return o;
    },
  ],
  [
    'error with a cause cycle',
    () => {
      const a = new Error('a');
      const b = new Error('b', { cause: a });
      (a as { cause?: unknown }).cause = b;
      return a;
    },
  ],
  [
    'self-caused error',
    () => {
      const a = new Error('self');
      (a as { cause?: unknown }).cause = a;
      return a;
    },
  ],
  ['huge string', () => 'x'.repeat(1_000_000)],
  ['huge word string', () => `password${'a'.repeat(200_000)}=`],
  ['error with huge message', () => new Error(`token ${'t'.repeat(500_000)}`)],
  [
    'error with huge stack',
    () => Object.assign(new Error('s'), { stack: '  at x\n'.repeat(100_000) }),
  ],
  ['error with non-string message', () => Object.assign(new Error(), { message: { a: 1 } })],
  ['error with non-string stack', () => Object.assign(new Error('n'), { stack: 42 })],
  [
    'error with huge name and code',
    () =>
      Object.assign(new Error('n'), {
        name: 'N'.repeat(100_000),
        code: 'C'.repeat(100_000),
        reason: 'R'.repeat(100_000),
      }),
  ],
  [
    'error with huge body',
    () =>
      Object.assign(new Error('b'), {
        body: `{"kind":"Status","message":"${'m'.repeat(300_000)}"}`,
      }),
  ],
  ['huge object', () => Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i]))],
  ['huge array', () => Array.from({ length: 100_000 }, (_, i) => i)],
  [
    'deeply nested object',
    () => {
      let o: Record<string, unknown> = {};
      for (let i = 0; i < 20_000; i++) o = { o };
      return o;
    },
  ],
  ['null-prototype object', () => Object.create(null) as object],
  ['object whose prototype getter throws', () => Object.create(trapEverything({})) as object],
  [
    'thenable whose then throws',
    () => ({
      then: thrower('then'),
    }),
  ],
  [
    'thenable that throws when called',
    () => ({
      then: () => {
        throw new Error('then threw');
      },
    }),
  ],
  [
    'thenable rejecting with a revoked proxy',
    () => ({ then: (_: unknown, reject: (e: unknown) => void) => reject(revoked({})) }),
  ],
];

/**
 * A box holding one hostile value (built fresh on each `make()`), or anything fast-check makes,
 * or either as the `cause` and `body` of an Error. Boxed because fast-check inspects (and
 * prints) the values it generates, which these values would break.
 */
export interface HostileBox {
  readonly label: string;
  make(): unknown;
  toString(): string;
}

function box(label: string, make: () => unknown): HostileBox {
  return { label, make, toString: () => label };
}

export function hostileValue(): fc.Arbitrary<HostileBox> {
  const base = fc.oneof(
    fc.constantFrom(...hostileFactories).map(([label, make]) => box(label, make)),
    fc
      .anything({ withBigInt: true, withMap: true, withSet: true, withTypedArray: true })
      .map((v) => box(`anything ${fc.stringify(v).slice(0, 200)}`, () => v)),
  );
  return fc.oneof(
    { weight: 4, arbitrary: base },
    {
      weight: 1,
      arbitrary: fc
        .tuple(base, base, fc.string())
        .map(([cause, body, message]) =>
          box(
            `Error(${JSON.stringify(message)}) with cause ${cause.label} and body ${body.label}`,
            () => Object.assign(new Error(message, { cause: cause.make() }), { body: body.make() }),
          ),
        ),
    },
  );
}
