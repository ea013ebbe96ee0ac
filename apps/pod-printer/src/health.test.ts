import { describe, expect, it } from 'vitest';
import {
  LeaderElectionHealthError,
  leaderElectionHealthCheck,
  type LeaderElector,
} from '@kubecache/leaderelection';
import { pingCheck } from './health.js';

describe('health checks', () => {
  it('ping always passes', () => {
    expect(pingCheck.check()).toEqual({ ok: true });
  });

  it("leaderElection (as main builds it): passes without an elector or while healthy, fails with the elector's error", () => {
    const check = leaderElectionHealthCheck(undefined, {
      toleranceMs: 20_000,
      name: 'leaderElection',
    });
    expect(check.name).toBe('leaderElection');
    expect(check.check()).toEqual({ ok: true });
    let failure: LeaderElectionHealthError | undefined = undefined;
    check.setLeaderElector({ check: () => failure } as unknown as LeaderElector);
    expect(check.check()).toEqual({ ok: true });
    failure = new LeaderElectionHealthError('ns/l: no renewal for 40000 ms', 40_000);
    expect(check.check()).toEqual({ ok: false, reason: failure.message });
  });
});
