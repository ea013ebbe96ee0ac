import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { createDefaultLogger, defaultLogger } from './default-logger.js';
import { flushLogger, silentLogger, type Logger, type LogLevel } from './logger.js';
import { createRateLimitedLogger } from './rate-limited-logger.js';

type Call = [LogLevel, ...unknown[]];

/** A pino-shaped logger that records its calls. */
function recorder(): Logger & { calls: Call[]; flushed: number } {
  const calls: Call[] = [];
  const r = {
    calls,
    flushed: 0,
    debug: (...a: unknown[]) => void calls.push(['debug', ...a]),
    info: (...a: unknown[]) => void calls.push(['info', ...a]),
    warn: (...a: unknown[]) => void calls.push(['warn', ...a]),
    error: (...a: unknown[]) => void calls.push(['error', ...a]),
    flush: () => void r.flushed++,
  };
  return r;
}

describe('createRateLimitedLogger', () => {
  it("passes a cause's first call unchanged (the Error itself, so pino prints its stack), then one summary per window with the keys", async () => {
    const target = recorder();
    const clock = new FakeClock();
    const logger = createRateLimitedLogger(target, { clock });
    const err = new TypeError("Cannot read properties of undefined (reading 'spec')");
    // 60 failures over 30 s, for 3 keys: what pino printed as 60 JSON lines.
    for (let i = 0; i < 60; i++) {
      logger.warn(
        {
          component: 'controller',
          resource: 'foos',
          err,
          key: `default/${'abc'[i % 3]}`,
          retries: i,
        },
        'reconcile failed; will retry',
      );
      await clock.advance(500);
    }
    expect(target.calls).toHaveLength(2);
    expect(target.calls[0]).toEqual([
      'warn',
      { component: 'controller', resource: 'foos', err, key: 'default/a', retries: 0 },
      'reconcile failed; will retry',
    ]);
    expect((target.calls[0]![1] as { err: unknown }).err).toBe(err);
    expect(target.calls[1]).toEqual([
      'warn',
      {
        component: 'controller',
        resource: 'foos',
        err: "Cannot read properties of undefined (reading 'spec')",
        retries: 59,
        repeated: 59,
        keys: ['default/b', 'default/c', 'default/a'],
        keyCount: 3,
      },
      'reconcile failed; will retry',
    ]);
  });

  it('passes a call after a quiet window at once, with the error described (no second stack)', async () => {
    const target = recorder();
    const clock = new FakeClock();
    const logger = createRateLimitedLogger(target, { clock });
    logger.error({ err: new Error('boom'), key: 'ns/a' }, 'failed');
    await clock.advance(31_000);
    logger.error({ err: new Error('boom'), key: 'ns/b' }, 'failed');
    expect(target.calls).toEqual([
      ['error', { err: new Error('boom'), key: 'ns/a' }, 'failed'],
      ['error', { err: 'boom', key: 'ns/b' }, 'failed'],
    ]);
  });

  it('flush() makes the summary calls now and flushes the target; string calls keep their shape', () => {
    const target = recorder();
    const logger = createRateLimitedLogger(target, { clock: new FakeClock() });
    logger.info('started');
    logger.info('started');
    logger.warn({ err: new Error('x'), key: 'k1' }, 'sync failed');
    for (let i = 2; i <= 8; i++) logger.warn({ err: new Error('x'), key: `k${i}` }, 'sync failed');
    expect(target.calls).toHaveLength(2);
    flushLogger(logger);
    expect(target.flushed).toBe(1);
    expect(target.calls.slice(2)).toEqual([
      ['info', { repeated: 1 }, 'started'],
      [
        'warn',
        { err: 'x', repeated: 7, keys: ['k2', 'k3', 'k4', 'k5', 'k6'], keyCount: 7 },
        'sync failed',
      ],
    ]);
    expect(target.calls[0]).toEqual(['info', 'started']);
  });

  it('leaves loggers that already apply the policy as they are', () => {
    const own = createDefaultLogger({ write: () => undefined });
    expect(createRateLimitedLogger(own)).toBe(own);
    expect(createRateLimitedLogger(defaultLogger)).toBe(defaultLogger);
    const wrapped = createRateLimitedLogger(recorder());
    expect(createRateLimitedLogger(wrapped)).toBe(wrapped);
    expect(() => createRateLimitedLogger(silentLogger).flush()).not.toThrow();
  });

  it('when the target throws on a value it cannot serialize, passes the line again with it described', () => {
    const calls: unknown[] = [];
    const picky = recorder();
    picky.error = (fields: unknown, msg?: unknown) => {
      JSON.stringify(fields); // a serializer: throws on a revoked Proxy
      calls.push([fields, msg]);
    };
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    createRateLimitedLogger(picky, { clock: new FakeClock() }).error(
      { err: proxy, key: 'ns/a', extra: proxy },
      'reconcile failed',
    );
    expect(calls).toEqual([
      [
        {
          err: '[object that cannot be inspected]',
          key: 'ns/a',
          extra: '[object that cannot be inspected]',
        },
        'reconcile failed',
      ],
    ]);
  });

  it('never throws, even when the target does or the fields cannot be read', () => {
    const throwing: Logger = {
      debug: () => {
        throw new Error('pino failed');
      },
      info: () => {
        throw new Error('pino failed');
      },
      warn: () => {
        throw new Error('pino failed');
      },
      error: () => {
        throw new Error('pino failed');
      },
      flush: () => {
        throw new Error('flush failed');
      },
    };
    const logger = createRateLimitedLogger(throwing, { clock: new FakeClock() });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(() => {
      logger.error({ err: proxy }, 'x');
      logger.error(proxy, 'y');
      logger.error({ err: proxy }, 'x');
      logger.flush();
    }).not.toThrow();
  });
});
