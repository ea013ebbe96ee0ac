import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { createDefaultLogger, defaultLogger } from './default-logger.js';

function capture(options: Parameters<typeof createDefaultLogger>[0] = {}) {
  const lines: string[] = [];
  const clock = new FakeClock();
  const logger = createDefaultLogger({ clock, write: (l) => lines.push(l), ...options });
  return { lines, clock, logger };
}

const expired = Object.assign(new Error('too old resource version: 5 (1000)'), {
  name: 'ApiStatusError',
  code: 410,
  reason: 'Expired',
});

describe('createDefaultLogger', () => {
  it('prints warnings and errors as one line each and drops debug and info', () => {
    const { lines, logger } = capture();
    logger.debug({ component: 'reflector' }, 'listed');
    logger.info('starting');
    logger.warn({ component: 'reflector', resource: 'pods.v1', err: expired }, 'watch ended');
    logger.error('plain message');
    expect(lines).toEqual([
      'kubecache warn reflector pods.v1: watch ended: too old resource version: 5 (1000) (410 Expired)\n',
      'kubecache error kubecache: plain message\n',
    ]);
  });

  it('does not mistake a resource named secrets for a secret key (the header is not redacted)', () => {
    const { lines, logger } = capture();
    logger.warn({ component: 'reflector', resource: 'secrets.v1', err: expired }, 'list failed');
    logger.warn({ component: 'reflector', resource: 'pods.v1' }, 'list failed token=abc123');
    expect(lines).toEqual([
      'kubecache warn reflector secrets.v1: list failed: too old resource version: 5 (1000) (410 Expired)\n',
      'kubecache warn reflector pods.v1: list failed token=[REDACTED]\n',
    ]);
  });

  it('prints other fields as key=value after the error', () => {
    const { lines, logger } = capture();
    logger.warn(
      {
        component: 'informer',
        resource: 'pods.v1',
        handler: 'printer',
        err: new Error('boom'),
        attempt: 2,
        detail: { a: 1 },
      },
      'event handler failed',
    );
    expect(lines).toEqual([
      'kubecache warn informer pods.v1: event handler failed: boom handler=printer attempt=2 detail={"a":1}\n',
    ]);
  });

  it('prints a cause once per window, then once more with how many lines it left out', async () => {
    const { lines, clock, logger } = capture({ repeatWindowMs: 30_000 });
    const fields = { component: 'reflector', resource: 'pods.v1', err: expired };
    for (let i = 0; i < 100; i++) {
      logger.warn({ ...fields, retryInMs: i }, 'watch ended');
      await clock.advance(100); // 100 lines over 10 s
    }
    expect(lines).toHaveLength(1);
    await clock.advance(20_000);
    logger.warn({ ...fields, retryInMs: 7 }, 'watch ended');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe(
      'kubecache warn reflector pods.v1: watch ended: too old resource version: 5 (1000) (410 Expired) retryInMs=7 (repeated 99 times)\n',
    );
    logger.warn({ ...fields, retryInMs: 8 }, 'watch ended'); // a new window started
    expect(lines).toHaveLength(2);
  });

  it('tells causes apart by component, resource, message, code and reason', () => {
    const { lines, logger } = capture();
    const forbidden = Object.assign(new Error('pods is forbidden'), {
      code: 403,
      reason: 'Forbidden',
    });
    logger.warn({ component: 'reflector', resource: 'pods.v1', err: expired }, 'watch ended');
    logger.warn({ component: 'reflector', resource: 'pods.v1', err: forbidden }, 'watch ended');
    logger.warn({ component: 'reflector', resource: 'nodes.v1', err: expired }, 'watch ended');
    logger.warn({ component: 'reflector', resource: 'pods.v1', err: expired }, 'list failed');
    logger.warn({ component: 'reflector', resource: 'pods.v1', err: expired }, 'watch ended');
    expect(lines).toHaveLength(4);
  });

  it('forgets the oldest cause beyond maxCauses, so memory stays bounded', () => {
    const { lines, logger } = capture({ maxCauses: 2 });
    logger.warn('a');
    logger.warn('b');
    logger.warn('c'); // forgets a
    logger.warn('a');
    logger.warn('c');
    expect(lines.map((l) => l.trim())).toEqual([
      'kubecache warn kubecache: a',
      'kubecache warn kubecache: b',
      'kubecache warn kubecache: c',
      'kubecache warn kubecache: a',
    ]);
  });

  it('never prints a secret, whether in the message, the error or a field', () => {
    const { lines, logger } = capture();
    const pem = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg\n-----END EC PRIVATE KEY-----';
    logger.error(
      {
        component: 'listwatch',
        err: new Error('request failed: Authorization: Bearer sk-live-123'),
        url: 'https://10.0.0.1/api/v1/pods?token=tok-456',
        key: pem,
        headers: { Authorization: 'Bearer tok-789' },
      },
      'password=hunter2 rejected',
    );
    const out = lines.join('');
    for (const secret of ['sk-live-123', 'tok-456', 'MHcCAQEEIBkg', 'tok-789', 'hunter2']) {
      expect(out).not.toContain(secret);
    }
    expect(lines).toHaveLength(1);
  });

  it('keeps every line on one line and bounded, and never throws from the output', () => {
    const { lines, logger } = capture();
    logger.warn(`first\nsecond ${'y'.repeat(5000)}`);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.indexOf('\n')).toBe(lines[0]!.length - 1);
    expect(lines[0]!.length).toBeLessThanOrEqual(2001);
    const throwing = createDefaultLogger({
      write: () => {
        throw new Error('EPIPE');
      },
    });
    expect(() => throwing.error('x')).not.toThrow();
  });

  it('prints info and debug when asked to, and every repeat when the window is 0', () => {
    const { lines, logger } = capture({ level: 'debug', repeatWindowMs: 0 });
    logger.debug('d');
    logger.info('i');
    logger.info('i');
    expect(lines).toHaveLength(3);
  });

  it('is pino-shaped, so the default logger has the four methods', () => {
    expect(typeof defaultLogger.warn).toBe('function');
    expect(typeof defaultLogger.error).toBe('function');
    expect(typeof defaultLogger.info).toBe('function');
    expect(typeof defaultLogger.debug).toBe('function');
  });
});
