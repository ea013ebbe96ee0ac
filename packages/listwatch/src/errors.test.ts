import { describe, expect, it } from 'vitest';
import type { Status } from '@kubecache/core';
import {
  ApiStatusError,
  isApiStatusError,
  isBadRequest,
  isConflict,
  isConnectionRefused,
  isExpired,
  isForbidden,
  isGone,
  isInternalError,
  isInvalid,
  isNonRetriable,
  isNotFound,
  isResponseDecodeError,
  isServiceUnavailable,
  isTimeout,
  isUnauthorized,
  isStatusObject,
  isTooLargeResourceVersion,
  isTooManyRequests,
  isWatchDecodeError,
  isWatchIdleTimeoutError,
  reasonForStatusCode,
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

  it('isExpired and isGone match reason Expired or Gone, or a 410 whose reason is missing or unknown', () => {
    for (const guard of [isExpired, isGone]) {
      expect(guard(e({ code: 410, reason: 'Expired' }))).toBe(true);
      expect(guard(e({ code: 410, reason: 'Gone' }))).toBe(true);
      expect(guard(e({ code: 410 }))).toBe(true);
      expect(guard(e({ code: 410, reason: 'Unknown' }))).toBe(true);
      expect(guard(e({ code: 410, reason: 'SomethingNew' }))).toBe(true);
      expect(guard(e({ reason: 'Expired' }))).toBe(true);
      // A known reason wins over the code (apimachinery's rule).
      expect(guard(e({ code: 410, reason: 'NotFound' }))).toBe(false);
      expect(guard(e({ code: 404, reason: 'NotFound' }))).toBe(false);
      expect(guard(new Error('410 Gone'))).toBe(false);
    }
  });

  it('isTooLargeResourceVersion follows the reflector: the cause on any code, or a timeout with the legacy message', () => {
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
        e({ details: { causes: [{ reason: 'ResourceVersionTooLarge' }] } }),
      ),
    ).toBe(true);
    // Servers before 1.17: the message of a Timeout; 1.17.0–1.18.5: the message of a cause.
    expect(
      isTooLargeResourceVersion(
        e({ code: 504, reason: 'Timeout', message: 'Too large resource version: 10, current: 5' }),
      ),
    ).toBe(true);
    expect(
      isTooLargeResourceVersion(
        e({ code: 504, details: { causes: [{ message: 'Too large resource version' }] } }),
      ),
    ).toBe(true);
    // "Timeout" by code needs an unknown reason; other codes and reasons never match by message.
    expect(
      isTooLargeResourceVersion(e({ code: 504, message: 'Too large resource version: 10' })),
    ).toBe(true);
    expect(
      isTooLargeResourceVersion(
        e({ code: 500, reason: 'InternalError', message: 'Too large resource version: 10' }),
      ),
    ).toBe(false);
    expect(
      isTooLargeResourceVersion(
        e({ code: 504, reason: 'ServiceUnavailable', message: 'Too large resource version' }),
      ),
    ).toBe(false);
    expect(isTooLargeResourceVersion(e({ code: 504, reason: 'Timeout', message: 'slow' }))).toBe(
      false,
    );
    expect(isTooLargeResourceVersion(new Error('Too large resource version'))).toBe(false);
  });

  it('isTooManyRequests matches reason TooManyRequests or code 429 whatever the reason', () => {
    expect(isTooManyRequests(e({ code: 429 }))).toBe(true);
    expect(isTooManyRequests(e({ code: 429, reason: 'Forbidden' }))).toBe(true);
    expect(isTooManyRequests(e({ reason: 'TooManyRequests' }))).toBe(true);
    expect(isTooManyRequests(e({ code: 503 }))).toBe(false);
  });

  const byCode: [string, (err: unknown) => boolean, number, string][] = [
    ['isInternalError', isInternalError, 500, 'InternalError'],
    ['isNotFound', isNotFound, 404, 'NotFound'],
    ['isUnauthorized', isUnauthorized, 401, 'Unauthorized'],
    ['isForbidden', isForbidden, 403, 'Forbidden'],
    ['isInvalid', isInvalid, 422, 'Invalid'],
    ['isBadRequest', isBadRequest, 400, 'BadRequest'],
    ['isConflict', isConflict, 409, 'Conflict'],
    ['isTimeout', isTimeout, 504, 'Timeout'],
    ['isServiceUnavailable', isServiceUnavailable, 503, 'ServiceUnavailable'],
  ];
  for (const [name, guard, code, reason] of byCode) {
    it(`${name} matches reason ${reason}, or code ${String(code)} when the reason is missing or unknown`, () => {
      expect(guard(e({ code, reason }))).toBe(true);
      expect(guard(e({ reason }))).toBe(true);
      expect(guard(e({ code }))).toBe(true);
      expect(guard(e({ code, reason: 'Unknown' }))).toBe(true);
      expect(guard(e({ code, reason: 'NotInAnyRelease' }))).toBe(true);
      const otherReason = reason === 'Gone' ? 'NotFound' : 'Gone';
      expect(guard(e({ code, reason: otherReason }))).toBe(false);
      expect(guard(e({ code: code === 418 ? 419 : 418 }))).toBe(false);
      expect(guard(Object.assign(new Error(reason), { code, reason }))).toBe(false);
    });
  }

  it('reasonForStatusCode gives the reason client-go gives a non-Status answer of that code', () => {
    expect(reasonForStatusCode(404)).toBe('NotFound');
    expect(reasonForStatusCode(410)).toBe('Gone');
    expect(reasonForStatusCode(422)).toBe('Invalid');
    expect(reasonForStatusCode(504)).toBe('Timeout');
    expect(reasonForStatusCode(502)).toBe('InternalError');
    expect(reasonForStatusCode(599)).toBe('InternalError');
    expect(reasonForStatusCode(418)).toBe('Unknown');
  });

  it('isNonRetriable is true for the answers a retry cannot fix: 400, 401, 403, 404, 422', () => {
    for (const code of [400, 401, 403, 404, 422]) expect(isNonRetriable(e({ code }))).toBe(true);
    expect(
      isNonRetriable(e({ code: 400, reason: 'BadRequest', message: 'invalid selector' })),
    ).toBe(true);
    expect(isNonRetriable(e({ reason: 'Forbidden' }))).toBe(true);
    for (const code of [409, 410, 429, 500, 503, 504]) {
      expect(isNonRetriable(e({ code }))).toBe(false);
    }
    expect(isNonRetriable(e({ code: 410, reason: 'Expired' }))).toBe(false);
    expect(isNonRetriable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isNonRetriable(undefined)).toBe(false);
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
