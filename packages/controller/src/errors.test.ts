import { describe, expect, it } from 'vitest';
import {
  ControllerFailedError,
  ReconcileTimeoutError,
  isAlreadyExistsError,
  isConflictError,
  isControllerFailedError,
  isNotFoundError,
  isReconcileTimeoutError,
} from './errors.js';

const apiException = (code: number, reason: string): Error =>
  Object.assign(new Error(`HTTP-Code: ${code}`), {
    code,
    body: JSON.stringify({ kind: 'Status', code, reason, message: 'm' }),
  });

describe('error classifiers', () => {
  it('tell conflicts by reason, or by 409 when the reason is not a known one (apimachinery IsConflict)', () => {
    expect(isConflictError(apiException(409, 'Conflict'))).toBe(true);
    expect(isConflictError(apiException(409, 'Unknown'))).toBe(true);
    expect(isConflictError(Object.assign(new Error('x'), { code: 409 }))).toBe(true);
    expect(isConflictError(apiException(409, 'AlreadyExists'))).toBe(false);
    expect(isAlreadyExistsError(apiException(409, 'AlreadyExists'))).toBe(true);
    expect(isConflictError(apiException(500, 'InternalError'))).toBe(false);
    expect(isConflictError(new Error('wrapped', { cause: apiException(409, 'Conflict') }))).toBe(
      true,
    );
  });

  it('tell not-found answers the same way', () => {
    expect(isNotFoundError(apiException(404, 'NotFound'))).toBe(true);
    expect(isNotFoundError(apiException(404, ''))).toBe(true);
    expect(isNotFoundError(apiException(410, 'Gone'))).toBe(false);
  });
});

describe('ControllerFailedError', () => {
  it('names the controller and the reason, carries the cause, and is recognised by its brand', () => {
    const cause = new Error('rate limiter broke');
    const err = new ControllerFailedError('foo', 'workers', 'a worker died', { cause });
    expect(err.name).toBe('ControllerFailedError');
    expect(err.message).toBe('controller foo failed (workers): a worker died');
    expect(err.reason).toBe('workers');
    expect(err.cause).toBe(cause);
    expect(isControllerFailedError(err)).toBe(true);
    expect(isControllerFailedError(new Error('x'))).toBe(false);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(isControllerFailedError(proxy)).toBe(false);
    const timeout = new ReconcileTimeoutError('default/a', 100);
    expect(timeout.message).toBe('reconcile of default/a exceeded reconcileTimeoutMs (100 ms)');
    expect(isReconcileTimeoutError(timeout)).toBe(true);
  });
});
