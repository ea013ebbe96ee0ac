import { describe, expect, it } from 'vitest';
import { ApiStatusError, ServerConfigError } from '@kubecache/listwatch';
import {
  describeError,
  describePermanentError,
  isPermanentError,
  permanentCause,
} from './failure.js';

const status = (code: number, reason: string, message: string): ApiStatusError =>
  new ApiStatusError({ kind: 'Status', status: 'Failure', code, reason, message });

describe('API errors', () => {
  it('treats 400, 401, 403, 404 and 422 as permanent, and 5xx, 429, 410 and refused connections as retriable', () => {
    for (const [code, reason] of [
      [400, 'BadRequest'],
      [401, 'Unauthorized'],
      [403, 'Forbidden'],
      [404, 'NotFound'],
      [422, 'Invalid'],
    ] as const)
      expect(isPermanentError(status(code, reason, 'x')), `${code}`).toBe(true);
    for (const [code, reason] of [
      [500, 'InternalError'],
      [503, 'ServiceUnavailable'],
      [429, 'TooManyRequests'],
      [410, 'Expired'],
    ] as const)
      expect(isPermanentError(status(code, reason, 'x')), `${code}`).toBe(false);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    expect(isPermanentError(refused)).toBe(false);
  });

  it('describes a 404 of an unknown resource with the server message, code and what to check', () => {
    expect(
      describePermanentError(
        status(404, 'NotFound', 'the server could not find the requested resource'),
      ),
    ).toBe(
      'not found: the server could not find the requested resource (404 NotFound); does the server serve pods (v1)?',
    );
  });

  it('keeps every description on one line and redacts credentials in the message', () => {
    const err = status(401, 'Unauthorized', 'bad token\nAuthorization: Bearer abc.def.ghi');
    const line = describePermanentError(err);
    expect(line).not.toContain('\n');
    expect(line).not.toContain('abc.def.ghi');
    expect(line).toMatch(/^unauthorized: bad token .*\(401 Unauthorized\); check the credentials/);
    expect(describeError(status(503, 'ServiceUnavailable', 'try later'))).toBe(
      'API error 503 ServiceUnavailable: try later; retrying',
    );
  });

  it('finds a permanent API error in the cause chain (a WatchList request the server rejected)', () => {
    const forbidden = status(403, 'Forbidden', 'pods is forbidden');
    const wrapped = new Error('WatchList is not available', { cause: forbidden });
    expect(permanentCause(wrapped)).toBe(forbidden);
    expect(permanentCause(new Error('x', { cause: status(503, 'ServiceUnavailable', 'y') }))).toBe(
      undefined,
    );
  });

  it('a plain Error is not prefixed with "Error:" (the renderer already says "error:"), its code is kept', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(describeError(reset)).toBe('socket hang up (ECONNRESET); retrying');
    expect(describeError(new TypeError('x is not a function'))).toBe(
      'TypeError: x is not a function; retrying',
    );
  });

  it('a kubeconfig that does not match the server is permanent and printed as its own one-line hint', () => {
    const cause = Object.assign(new Error('unable to verify the first certificate'), {
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    const err = new ServerConfigError(
      'untrusted-certificate',
      { server: 'https://127.0.0.1:6443', cluster: 'prod' },
      cause,
    );
    expect(isPermanentError(err)).toBe(true);
    expect(describePermanentError(err)).toBe(
      `the server https://127.0.0.1:6443 presented a certificate the kubeconfig's CA does not trust (unable to verify the first certificate): check certificate-authority(-data) of cluster "prod"`,
    );
  });
});
