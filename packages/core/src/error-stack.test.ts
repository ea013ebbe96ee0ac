import { describe, expect, it } from 'vitest';
import { formatErrorStack, stackIsUseful } from './error-stack.js';

describe('formatErrorStack', () => {
  it('keeps the throwing frame and own frames, counts the others, follows causes once', () => {
    const a = new Error('a');
    a.stack = [
      'Error: a',
      '    at throwIt (/app/node_modules/lib/index.js:1:1)',
      '    at mine (/app/src/mine.ts:2:2)',
      '    at node:internal/process/task_queues:95:5',
    ].join('\n');
    const b = new Error('b', { cause: a });
    b.stack = 'Error: b\n    at outer (/app/src/outer.ts:9:9)';
    (a as { cause?: unknown }).cause = b; // a cycle
    expect(formatErrorStack(b).split('\n')).toEqual([
      '  Error: b',
      '    at outer (/app/src/outer.ts:9:9)',
      '  caused by Error: a',
      '    at throwIt (/app/node_modules/lib/index.js:1:1)',
      '    at mine (/app/src/mine.ts:2:2)',
      '    … 1 more frame (node_modules, node:internal or over 8)',
    ]);
  });

  it("is '' without a stack, bounded with one, and never throws", () => {
    expect(formatErrorStack('text')).toBe('');
    expect(formatErrorStack({ message: 'no stack' })).toBe('');
    const huge = Object.assign(new Error('h'), {
      stack: `Error: h\n${'    at f (/a.ts:1:1)\n'.repeat(50_000)}`,
    });
    expect(formatErrorStack(huge, { maxFrames: 100_000 }).length).toBeLessThanOrEqual(4000);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(formatErrorStack(proxy)).toBe('');
  });

  it('redacts frames but keeps the file:line of files named like secrets', () => {
    const e = new Error('x');
    e.stack = [
      'Error: x',
      '    at onAdd (/app/src/secrets.test.ts:12:5)',
      '    at refresh (/app/src/token-cache.js:3:1)',
      '    at get (https://u:pa55@host/x.js?token=abc:1:1)',
    ].join('\n');
    expect(formatErrorStack(e).split('\n')).toEqual([
      '  Error: x',
      '    at onAdd (/app/src/secrets.test.ts:12:5)',
      '    at refresh (/app/src/token-cache.js:3:1)',
      '    at get (https://[REDACTED]@host/x.js?token=[REDACTED]:1:1)',
    ]);
  });
});

describe('stackIsUseful', () => {
  it('is true for failures of code, false for API, network, abort and kubecache errors', () => {
    expect(stackIsUseful(new TypeError('x'))).toBe(true);
    expect(stackIsUseful(new Error('wrapped', { cause: new RangeError('r') }))).toBe(true);
    expect(stackIsUseful(Object.assign(new Error('gone'), { code: 410 }))).toBe(false);
    expect(
      stackIsUseful(
        new TypeError('fetch failed', {
          cause: Object.assign(new Error('c'), { code: 'ECONNRESET' }),
        }),
      ),
    ).toBe(false);
    expect(stackIsUseful(new DOMException('aborted', 'AbortError'))).toBe(false);
    expect(
      stackIsUseful(Object.assign(new Error('k'), { [Symbol.for('@kubecache/x/E')]: true })),
    ).toBe(false);
    expect(stackIsUseful('a string')).toBe(false);
  });
});
