import { ApiStatusError } from '@kubecache/listwatch';
import { describe, expect, it } from 'vitest';
import {
  InvalidLeaseError,
  LeaderElectionConfigError,
  LeaderElectionHealthError,
  LeadershipLostError,
  isConflict,
  isInvalidLeaseError,
  isLeaderElectionConfigError,
  isLeaderElectionHealthError,
  isLeadershipLostError,
  isNotFound,
} from './errors.js';

describe('typed errors', () => {
  it('have stable names and brand-based guards that accept copies from another package instance', () => {
    const cases: [Error, (e: unknown) => boolean, string, symbol][] = [
      [
        new LeaderElectionConfigError('retryPeriodMs', 'x'),
        isLeaderElectionConfigError,
        'LeaderElectionConfigError',
        Symbol.for('@kubecache/leaderelection/LeaderElectionConfigError'),
      ],
      [
        new InvalidLeaseError('n/l', ['spec'], ['spec is 1']),
        isInvalidLeaseError,
        'InvalidLeaseError',
        Symbol.for('@kubecache/leaderelection/InvalidLeaseError'),
      ],
      [
        new LeadershipLostError('cancelled', 'x'),
        isLeadershipLostError,
        'LeadershipLostError',
        Symbol.for('@kubecache/leaderelection/LeadershipLostError'),
      ],
      [
        new LeaderElectionHealthError('x', 1),
        isLeaderElectionHealthError,
        'LeaderElectionHealthError',
        Symbol.for('@kubecache/leaderelection/LeaderElectionHealthError'),
      ],
    ];
    for (const [err, guard, name, brand] of cases) {
      expect(err.name).toBe(name);
      expect(guard(err)).toBe(true);
      expect(guard(new Error('plain'))).toBe(false);
      expect(guard({ [brand]: true })).toBe(true); // what a second copy of the package produces
    }
    expect(new InvalidLeaseError('n/l', ['spec'], ['spec is 1']).message).toBe(
      'lease n/l has an invalid record: spec is 1',
    );
  });

  it('isConflict and isNotFound read the HTTP code of an ApiStatusError', () => {
    const status = (code: number) => new ApiStatusError({ kind: 'Status', code, reason: 'x' });
    expect(isConflict(status(409))).toBe(true);
    expect(isConflict(status(404))).toBe(false);
    expect(isNotFound(status(404))).toBe(true);
    expect(isConflict(new Error('409'))).toBe(false);
  });
});
