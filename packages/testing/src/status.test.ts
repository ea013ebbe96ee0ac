import { describe, expect, it } from 'vitest';
import type { ServerApiError } from './status.js';
import {
  alreadyExists,
  badRequest,
  conflict,
  expired,
  failure,
  invalid,
  isServerApiError,
  notFound,
  tooLargeResourceVersion,
} from './status.js';

describe('Status errors', () => {
  it('builds metav1.Status failures with code, reason, message and details', () => {
    expect(failure(429, 'TooManyRequests', 'slow down', { retryAfterSeconds: 3 })).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'slow down',
      reason: 'TooManyRequests',
      code: 429,
      details: { retryAfterSeconds: 3 },
    });
  });

  it('uses the reasons and codes of kube-apiserver', () => {
    const cases: [ServerApiError, number, string][] = [
      [notFound('pods', 'p'), 404, 'NotFound'],
      [alreadyExists('pods', 'p'), 409, 'AlreadyExists'],
      [conflict('pods', 'p'), 409, 'Conflict'],
      [invalid('pods', 'p', [{ field: 'metadata.name', message: 'bad' }]), 422, 'Invalid'],
      [expired('too old'), 410, 'Expired'],
      [badRequest('nope'), 400, 'BadRequest'],
      [tooLargeResourceVersion(10, 5), 504, 'Timeout'],
    ];
    for (const [err, code, reason] of cases) {
      expect(err.code).toBe(code);
      expect(err.status.reason).toBe(reason);
      expect(err.name).toBe('ServerApiError');
      expect(err.message).toBe(err.status.message);
    }
    expect(tooLargeResourceVersion(10, 5).status.details?.causes?.[0]?.reason).toBe(
      'ResourceVersionTooLarge',
    );
  });

  it('recognises the error by brand, not only by class identity', () => {
    expect(isServerApiError(notFound('pods', 'p'))).toBe(true);
    expect(isServerApiError(new Error('x'))).toBe(false);
    expect(isServerApiError({ [Symbol.for('@kubecache/testing/ServerApiError')]: true })).toBe(
      true,
    );
    expect(isServerApiError(undefined)).toBe(false);
  });
});
