import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  describeError,
  maxDescribedLength,
  maxErrorMessageLength,
  summarizeError,
} from './describe-error.js';
import { hostileFactories, hostileValue } from './test-support/hostile.js';

/** The shape of @kubecache/listwatch's ApiStatusError, without importing it. */
class FakeApiStatusError extends Error {
  override readonly name = 'ApiStatusError';
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

describe('describeError', () => {
  it('gives the server message, HTTP code and Status reason of an API error', () => {
    const err = new FakeApiStatusError(410, 'Expired', 'too old resource version: 5 (1000)');
    expect(describeError(err)).toBe('too old resource version: 5 (1000) (410 Expired)');
    expect(summarizeError(err)).toEqual({
      name: 'ApiStatusError',
      code: 410,
      reason: 'Expired',
      message: 'too old resource version: 5 (1000)',
    });
  });

  it("reads the Status in a client-node ApiException's JSON body instead of its multi-line message", () => {
    const status = {
      kind: 'Status',
      status: 'Failure',
      message: 'pods is forbidden: User "x" cannot list resource "pods"',
      reason: 'Forbidden',
      code: 403,
    };
    const err = Object.assign(
      new Error(
        `HTTP-Code: 403\nMessage: Unknown API Status Code!\nBody: ${JSON.stringify(status)}`,
      ),
      { code: 403, body: JSON.stringify(status) },
    );
    expect(describeError(err)).toBe(
      'pods is forbidden: User "x" cannot list resource "pods" (403 Forbidden)',
    );
  });

  it("follows a fetch failure's cause to the socket error and its code", () => {
    const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), {
      code: 'ECONNREFUSED',
    });
    const err = new TypeError('fetch failed', { cause: socket });
    expect(describeError(err)).toBe(
      'fetch failed: connect ECONNREFUSED 127.0.0.1:6443 (ECONNREFUSED)',
    );
  });

  it('describes non-errors, and leaves out the parenthesis without code or reason', () => {
    expect(describeError('plain text')).toBe('plain text');
    expect(describeError(new Error('boom'))).toBe('boom');
    expect(
      describeError({ kind: 'Status', code: 500, reason: 'InternalError', message: 'x' }),
    ).toBe('x (500 InternalError)');
    expect(describeError(undefined)).toBe('undefined');
  });

  it('returns one redacted line of bounded length', () => {
    const err = new Error(`line one\nAuthorization: Bearer abc\n${'x'.repeat(2000)}`);
    const text = describeError(err);
    expect(text).not.toContain('\n');
    expect(text).not.toContain('abc');
    expect(text.startsWith('line one Authorization: [REDACTED] xxx')).toBe(true);
    expect(text.length).toBe(maxErrorMessageLength);
  });
});

describe('describeError and summarizeError are total', () => {
  it('never throw and stay bounded for any value, hostile ones included (fast-check)', () => {
    fc.assert(
      fc.property(hostileValue(), (box) => {
        const value = box.make();
        const text = describeError(value);
        expect(typeof text).toBe('string');
        expect(text.length).toBeLessThanOrEqual(maxDescribedLength);
        const s = summarizeError(value);
        expect(typeof s.name).toBe('string');
        expect(s.name.length).toBeLessThanOrEqual(100);
        expect(typeof s.reason).toBe('string');
        expect(s.reason.length).toBeLessThanOrEqual(100);
        expect(String(s.code ?? '').length).toBeLessThanOrEqual(100);
        expect(s.message.length).toBeLessThanOrEqual(maxErrorMessageLength);
      }),
      { numRuns: 300 },
    );
  });

  it('describes every listed hostile value', () => {
    for (const [name, make] of hostileFactories) {
      const text = describeError(make());
      expect(typeof text, name).toBe('string');
      expect(text.length, name).toBeLessThanOrEqual(maxDescribedLength);
    }
  });

  it('says what a non-error was: null, a symbol, an object, a revoked proxy', () => {
    expect(describeError(null)).toBe('null');
    expect(describeError(Symbol('boom'))).toBe('Symbol(boom)');
    expect(describeError({ retry: false, count: 2 })).toBe('{"retry":false,"count":2}');
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(describeError(proxy)).toBe('[object that cannot be inspected]');
  });
});
