import { describe, expect, it } from 'vitest';
import type { Status } from '@kubecache/core';
import {
  ApiStatusError,
  isApiStatusError,
  isConnectionRefused,
  isExpired,
  isGone,
  isInternalError,
  isResponseDecodeError,
  isStatusObject,
  isTooLargeResourceVersion,
  isTooManyRequests,
  isWatchDecodeError,
  isWatchIdleTimeoutError,
  ResponseDecodeError,
  WatchDecodeError,
  WatchIdleTimeoutError,
} from './errors.js';

const status = (s: Partial<Status>): Status => ({ kind: 'Status', status: 'Failure', ...s });

describe('ApiStatusError', () => {
  it('exposes code, reason, message, causes and the Status', () => {
    const s = status({
      code: 504,
      reason: 'Timeout',
      message: 'Too large resource version',
      details: {
        causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large' }],
        retryAfterSeconds: 1,
      },
    });
    const err = new ApiStatusError(s);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ApiStatusError');
    expect(err.code).toBe(504);
    expect(err.reason).toBe('Timeout');
    expect(err.message).toBe('Too large resource version');
    expect(err.causes).toHaveLength(1);
    expect(err.retryAfterSeconds).toBe(1);
    expect(err.status).toBe(s);
  });

  it('prefers the Retry-After header over details.retryAfterSeconds, and keeps a cause', () => {
    const cause = new Error('root');
    const err = new ApiStatusError(status({ code: 429, details: { retryAfterSeconds: 1 } }), {
      retryAfterSeconds: 9,
      cause,
    });
    expect(err.retryAfterSeconds).toBe(9);
    expect(err.cause).toBe(cause);
    expect(err.message).toBe('API error 429');
  });

  it('is recognised by brand, so a copy from another package version still matches', () => {
    const foreign = Object.assign(new Error('x'), {
      [Symbol.for('@kubecache/listwatch/ApiStatusError')]: true,
      code: 410,
      reason: 'Expired',
      causes: [],
    });
    expect(isApiStatusError(foreign)).toBe(true);
    expect(isExpired(foreign)).toBe(true);
    expect(isApiStatusError(new Error('plain'))).toBe(false);
    expect(isApiStatusError(null)).toBe(false);
  });
});

describe('classifiers', () => {
  const e = (s: Partial<Status>): ApiStatusError => new ApiStatusError(status(s));

  it('isExpired matches reason Expired only; isGone matches Expired, Gone and any 410', () => {
    expect(isExpired(e({ code: 410, reason: 'Expired' }))).toBe(true);
    expect(isExpired(e({ code: 410, reason: 'Gone' }))).toBe(false);
    expect(isGone(e({ code: 410, reason: 'Gone' }))).toBe(true);
    expect(isGone(e({ code: 410 }))).toBe(true);
    expect(isGone(e({ code: 410, reason: 'Expired' }))).toBe(true);
    expect(isGone(e({ code: 404, reason: 'NotFound' }))).toBe(false);
  });

  it('isTooLargeResourceVersion matches the cause, or the legacy message on a timeout', () => {
    expect(
      isTooLargeResourceVersion(
        e({
          code: 504,
          reason: 'Timeout',
          details: { causes: [{ reason: 'ResourceVersionTooLarge' }] },
        }),
      ),
    ).toBe(true);
    expect(
      isTooLargeResourceVersion(
        e({ code: 504, reason: 'Timeout', message: 'Too large resource version: 10, current: 5' }),
      ),
    ).toBe(true);
    expect(isTooLargeResourceVersion(e({ code: 504, reason: 'Timeout', message: 'slow' }))).toBe(
      false,
    );
    expect(isTooLargeResourceVersion(new Error('Too large resource version'))).toBe(false);
  });

  it('isTooManyRequests and isInternalError match by code or by reason', () => {
    expect(isTooManyRequests(e({ code: 429 }))).toBe(true);
    expect(isTooManyRequests(e({ reason: 'TooManyRequests' }))).toBe(true);
    expect(isTooManyRequests(e({ code: 503 }))).toBe(false);
    expect(isInternalError(e({ code: 500 }))).toBe(true);
    expect(isInternalError(e({ reason: 'InternalError' }))).toBe(true);
    expect(isInternalError(e({ code: 503 }))).toBe(false);
  });

  it('isConnectionRefused looks through causes and AggregateErrors, and survives cycles', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(isConnectionRefused(refused)).toBe(true);
    expect(isConnectionRefused(new Error('wrapped', { cause: refused }))).toBe(true);
    expect(isConnectionRefused(new AggregateError([new Error('a'), refused]))).toBe(true);
    const cyclic = new Error('loop');
    (cyclic as { cause?: unknown }).cause = cyclic;
    expect(isConnectionRefused(cyclic)).toBe(false);
    expect(isConnectionRefused(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(
      false,
    );
    expect(isConnectionRefused(undefined)).toBe(false);
  });

  it('isStatusObject accepts Status-shaped objects only', () => {
    expect(isStatusObject({ kind: 'Status' })).toBe(true);
    expect(isStatusObject({ code: 500 })).toBe(true);
    expect(isStatusObject({ kind: 'Pod' })).toBe(false);
    expect(isStatusObject([])).toBe(false);
    expect(isStatusObject('Status')).toBe(false);
  });
});

describe('decode and timeout errors', () => {
  it('WatchDecodeError keeps the last good resource version and a bounded preview of the line', () => {
    const err = new WatchDecodeError('bad', '42', 'x'.repeat(1000));
    expect(isWatchDecodeError(err)).toBe(true);
    expect(err.name).toBe('WatchDecodeError');
    expect(err.lastResourceVersion).toBe('42');
    expect(err.line).toHaveLength(201);
    expect(new WatchDecodeError('bad', '', 'short').line).toBe('short');
  });

  it('WatchIdleTimeoutError and ResponseDecodeError have names, brands and details', () => {
    const idle = new WatchIdleTimeoutError(1500, 'list');
    expect(isWatchIdleTimeoutError(idle)).toBe(true);
    expect(idle.message).toBe('list idle for 1500 ms: no bytes received');
    expect(new WatchIdleTimeoutError(10).verb).toBe('watch');
    const decode = new ResponseDecodeError('no items', 200);
    expect(isResponseDecodeError(decode)).toBe(true);
    expect(decode.statusCode).toBe(200);
    expect(isResponseDecodeError(idle)).toBe(false);
    expect(isWatchDecodeError(decode)).toBe(false);
  });
});
