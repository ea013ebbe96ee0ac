import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import {
  createDefaultLogger,
  defaultLogger,
  maxLogLineLength,
  maxLogStackLength,
} from './default-logger.js';
import { flushLogger } from './logger.js';
import { hostileValue } from './test-support/hostile.js';

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
    expect(lines).toHaveLength(1);
    expect(lines[0]!.split('\n')[0]).toBe(
      'kubecache warn informer pods.v1: event handler failed: boom handler=printer attempt=2 detail={"a":1}',
    );
  });

  it('prints a cause once per window, then one line with how many lines it held back', async () => {
    const { lines, clock, logger } = capture({ repeatWindowMs: 30_000 });
    const fields = { component: 'reflector', resource: 'pods.v1', err: expired };
    for (let i = 0; i < 100; i++) {
      logger.warn({ ...fields, retryInMs: i }, 'watch ended');
      await clock.advance(100); // 100 lines over 10 s
    }
    expect(lines).toHaveLength(1);
    await clock.advance(20_000); // the window ends: its summary is printed by a timer
    expect(lines).toEqual([
      'kubecache warn reflector pods.v1: watch ended: too old resource version: 5 (1000) (410 Expired) retryInMs=0\n',
      'kubecache warn reflector pods.v1: watch ended: too old resource version: 5 (1000) (410 Expired) retryInMs=99 (repeated 99 times)\n',
    ]);
    logger.warn({ ...fields, retryInMs: 8 }, 'watch ended'); // a new window started
    expect(lines).toHaveLength(2);
    await clock.advance(60_000);
    expect(lines).toHaveLength(3);
    logger.warn({ ...fields, retryInMs: 9 }, 'watch ended'); // after a quiet window: at once
    expect(lines[3]).toBe(
      'kubecache warn reflector pods.v1: watch ended: too old resource version: 5 (1000) (410 Expired) retryInMs=9\n',
    );
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

// The line of the TypeError thrown below, found in this file's source (the stack must name it).
const here = fileURLToPath(import.meta.url);
const throwLine =
  readFileSync(here, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(['//', '<-', 'throws'].join(' '))) + 1;

function reconcileFoo(foo: { spec?: { replicas: number } }): number {
  return foo.spec!.replicas; // <- throws
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

describe('createDefaultLogger: stacks', () => {
  it("prints the stack of a failure from code under the cause's first line, with the throwing file:line", () => {
    const { lines, logger } = capture();
    const err = thrown(() => reconcileFoo({}));
    for (let i = 0; i < 3; i++) {
      logger.warn(
        { component: 'controller', resource: 'foos', err, key: 'default/a', retries: i },
        'reconcile failed; will retry',
      );
    }
    expect(lines).toHaveLength(1);
    const [first, ...stack] = lines[0]!.trimEnd().split('\n');
    expect(first).toBe(
      "kubecache warn controller foos: reconcile failed; will retry: Cannot read properties of undefined (reading 'replicas') key=default/a retries=0",
    );
    expect(stack[0]).toBe("  TypeError: Cannot read properties of undefined (reading 'replicas')");
    expect(stack[1]).toMatch(/^ {4}at reconcileFoo \(.*default-logger\.test\.ts:(\d+):\d+\)$/);
    expect(Number(/test\.ts:(\d+)/.exec(stack[1]!)![1])).toBe(throwLine);
    // vitest's own frames (node_modules) are counted, not printed.
    expect(stack.filter((l) => l.includes('at ') && l.includes('node_modules'))).toEqual([]);
    expect(stack.at(-1)).toMatch(
      /^ {4}… \d+ more frames \(node_modules, node:internal or over 8\)$/,
    );
  });

  it('prints the cause chain compactly, keeps the throwing frame, counts library frames', () => {
    const { lines, logger } = capture();
    const inner = new RangeError('inner');
    inner.stack = [
      'RangeError: inner',
      '    at parse (/app/node_modules/yaml/dist/parse.js:10:5)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      '    at load (/app/src/config.ts:7:3)',
    ].join('\n');
    const outer = new Error('config broken', { cause: inner });
    outer.stack =
      'Error: config broken\n    at main (/app/src/main.ts:3:9)\n    at node:internal/main/run_main_module:28:49';
    logger.error({ component: 'app', err: outer }, 'startup failed');
    expect(lines[0]!.split('\n')).toEqual([
      'kubecache error app: startup failed: config broken: inner',
      '  Error: config broken',
      '    at main (/app/src/main.ts:3:9)',
      '    … 1 more frame (node_modules, node:internal or over 8)',
      '  caused by RangeError: inner',
      '    at parse (/app/node_modules/yaml/dist/parse.js:10:5)',
      '    at load (/app/src/config.ts:7:3)',
      '    … 1 more frame (node_modules, node:internal or over 8)',
      '',
    ]);
  });

  it('prints no stack for API, network and kubecache errors, nor with stacks: never', () => {
    const { lines, logger } = capture();
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), {
        code: 'ECONNREFUSED',
      }),
    });
    const branded = Object.assign(new Error('expected kind Pods'), {
      [Symbol.for('@kubecache/reflector/ReflectorError')]: true,
    });
    logger.warn({ component: 'reflector', err: expired }, 'watch ended');
    logger.warn({ component: 'reflector', err: refused }, 'list failed');
    logger.error({ component: 'reflector', err: branded }, 'list failed');
    const never = capture({ stacks: 'never' });
    never.logger.error({ err: new TypeError('x') }, 'bug');
    for (const l of [...lines, ...never.lines]) expect(l.split('\n')).toHaveLength(2);
    const always = capture({ stacks: 'always' });
    always.logger.warn({ err: expired }, 'watch ended');
    expect(always.lines[0]!.split('\n').length).toBeGreaterThan(2);
  });

  it('redacts the stack: messages and frames of the whole chain', () => {
    const { lines, logger } = capture();
    const inner = new Error('login with password=hunter2');
    const outer = new Error('request failed: Authorization: Bearer sk-live-123', { cause: inner });
    outer.stack = `Error: request failed: Authorization: Bearer sk-live-123\n    at get (https://admin:pa55@10.0.0.1/x.js?token=tok-456:1:1)`;
    logger.error({ err: outer }, 'failed');
    const out = lines.join('');
    expect(out).toContain('  caused by Error: login with password=[REDACTED]');
    for (const secret of ['hunter2', 'sk-live-123', 'pa55', 'tok-456'])
      expect(out).not.toContain(secret);
  });
});

describe('createDefaultLogger: keys and counts', () => {
  const boom = () => new Error('boom');

  it('3 keys failing for a minute: the first line, then one line per window naming the 3 keys', async () => {
    const { lines, clock, logger } = capture({ stacks: 'never' });
    for (let t = 0; t < 60_000; t += 100) {
      const key = `default/${'abc'[(t / 100) % 3]}`;
      logger.warn(
        { component: 'controller', resource: 'foos', err: boom(), key },
        'reconcile failed',
      );
      await clock.advance(100);
    }
    expect(lines).toEqual([
      'kubecache warn controller foos: reconcile failed: boom key=default/a\n',
      'kubecache warn controller foos: reconcile failed: boom (repeated 299 times for 3 keys: default/b, default/c, default/a)\n',
      'kubecache warn controller foos: reconcile failed: boom (repeated 300 times for 3 keys: default/a, default/b, default/c)\n',
    ]);
  });

  it('names the first 5 keys of a window and counts the others; the key is never part of the cause', async () => {
    const { lines, clock, logger } = capture({ stacks: 'never' });
    for (let i = 0; i < 20; i++) {
      // The key and numbers in the message vary; the cause does not.
      const err = new Error(`deployment "foo-${i}" for default/k${i} failed after ${i} ms`);
      logger.error(
        { component: 'informer', resource: 'pods.v1', err, handler: 'h', key: `default/k${i}` },
        'event handler failed',
      );
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      'kubecache error informer pods.v1: event handler failed: deployment "foo-0" for default/k0 failed after 0 ms handler=h key=default/k0\n',
    );
    await clock.advance(30_000);
    expect(lines[1]).toBe(
      'kubecache error informer pods.v1: event handler failed: deployment "foo-19" for default/k19 failed after 19 ms handler=h (repeated 19 times for 19 keys: default/k1, default/k2, default/k3, default/k4, default/k5 and 14 more)\n',
    );
  });

  it('tells apart errors of different classes or messages, and honours an explicit cause field', () => {
    const { lines, logger } = capture({ stacks: 'never' });
    logger.warn({ err: new TypeError('x is undefined'), key: 'a' }, 'failed');
    logger.warn({ err: new RangeError('x is undefined'), key: 'a' }, 'failed');
    logger.warn({ err: new TypeError('y is undefined'), key: 'a' }, 'failed');
    logger.warn({ err: new TypeError('x is undefined'), key: 'b' }, 'failed'); // same cause as the first
    logger.warn({ err: new Error('one'), cause: 'quota' }, 'failed');
    logger.warn({ err: new Error('two'), cause: 'quota' }, 'failed'); // same explicit cause
    expect(lines).toHaveLength(4);
  });

  it('flush() prints what is held back at once, and only once', () => {
    const { lines, logger } = capture({ stacks: 'never' });
    for (const key of ['ns/a', 'ns/b', 'ns/b']) logger.error({ err: boom(), key }, 'sync failed');
    expect(lines).toHaveLength(1);
    logger.flush();
    expect(lines[1]).toBe(
      'kubecache error kubecache: sync failed: boom (repeated 2 times for 1 key: ns/b)\n',
    );
    logger.flush();
    flushLogger(logger);
    expect(lines).toHaveLength(2);
  });

  it('a cause forgotten beyond maxCauses prints its held-back count first', () => {
    const { lines, logger } = capture({ maxCauses: 1, stacks: 'never' });
    logger.warn('a');
    logger.warn('a');
    logger.warn('b');
    expect(lines).toEqual([
      'kubecache warn kubecache: a\n',
      'kubecache warn kubecache: a (repeated 1 time)\n',
      'kubecache warn kubecache: b\n',
    ]);
  });

  it('a process that ends within the window prints the held-back count on exit, and is not kept alive by it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubecache-logger-'));
    const script = join(dir, 'exit.ts');
    writeFileSync(
      script,
      [
        `import { createDefaultLogger } from ${JSON.stringify(join(dirname(here), 'default-logger.ts'))};`,
        `const logger = createDefaultLogger({ stacks: 'never' });`,
        `for (const key of ['default/a', 'default/b', 'default/a']) logger.error({ err: new Error('boom'), key }, 'reconcile failed');`,
      ].join('\n'),
    );
    const started = Date.now();
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], {
      encoding: 'utf8',
      timeout: 25_000, // the window is 30 s: a kept-alive process would be killed first
      cwd: dirname(here),
    });
    rmSync(dir, { recursive: true, force: true });
    expect(run.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(run.stderr).toBe(
      [
        'kubecache error kubecache: reconcile failed: boom key=default/a',
        'kubecache error kubecache: reconcile failed: boom (repeated 2 times for 2 keys: default/b, default/a)',
        '',
      ].join('\n'),
    );
  });
});

describe('createDefaultLogger is total', () => {
  it('never throws and prints bounded text for any fields, error or message (fast-check)', () => {
    const out: string[] = [];
    const logger = createDefaultLogger({
      write: (l) => out.push(l),
      repeatWindowMs: 0,
      level: 'debug',
      clock: new FakeClock(),
    });
    fc.assert(
      fc.property(
        hostileValue(),
        hostileValue(),
        hostileValue(),
        fc.constantFrom('debug', 'info', 'warn', 'error' as const),
        (err, field, msg, level) => {
          out.length = 0;
          const e = err.make();
          const f = field.make();
          const m = msg.make();
          logger[level]({ component: 'x', err: e, key: f, other: f }, m as string);
          logger[level](f as object, m as string);
          logger[level](m as string);
          expect(out.length).toBeGreaterThan(0);
          for (const line of out) {
            expect(typeof line).toBe('string');
            expect(line.length).toBeLessThanOrEqual(maxLogLineLength + maxLogStackLength + 2);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("takes an Error given in place of the fields as the err field (pino's logger.error(err, msg))", () => {
    const { lines, logger } = capture({ stacks: 'never' });
    logger.error(new RangeError('out of range'), 'resize failed');
    expect(lines).toEqual(['kubecache error kubecache: resize failed: out of range\n']);
  });

  it('describes a revoked Proxy thrown, and fields that cannot be read', () => {
    const { lines, logger } = capture();
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    logger.error({ component: 'controller', err: proxy, key: 'ns/a' }, 'reconcile failed');
    logger.error(proxy, 'fields unreadable');
    expect(lines).toEqual([
      'kubecache error controller: reconcile failed: [object that cannot be inspected] key=ns/a\n',
      'kubecache error kubecache: fields unreadable fields="[object that cannot be inspected]"\n',
    ]);
  });
});

describe('createDefaultLogger: the (<code> <reason>) tag', () => {
  it('prints a reason only when it is an API Status reason apimachinery knows, not an error class field', () => {
    const { lines, logger } = capture({ stacks: 'never' });
    const failed = (reason: string, code?: number) =>
      Object.assign(new Error(`controller foos cannot work: ${reason} failed`), {
        name: 'ControllerFailedError',
        reason,
        ...(code !== undefined ? { cause: Object.assign(new Error('forbidden'), { code }) } : {}),
      });
    logger.error({ component: 'controller', resource: 'foos', err: failed('informer') }, 'failed');
    logger.error({ component: 'controller', resource: 'foos', err: failed('workers') }, 'failed');
    logger.error({ component: 'controller', resource: 'foos', err: failed('informer', 403) }, 'x');
    logger.error({ component: 'reflector', resource: 'pods.v1', err: expired }, 'watch failed');
    expect(lines).toEqual([
      'kubecache error controller foos: failed: controller foos cannot work: informer failed\n',
      'kubecache error controller foos: failed: controller foos cannot work: workers failed\n',
      'kubecache error controller foos: x: controller foos cannot work: informer failed: forbidden (403)\n',
      'kubecache error reflector pods.v1: watch failed: too old resource version: 5 (1000) (410 Expired)\n',
    ]);
  });
});
