import { describe, expect, it } from 'vitest';
import {
  LeaderElectionHealthError,
  createLeaderHealthCheck,
  type LeaderElector,
} from '@kubecache/leaderelection';
import { leaderElectionCheck, pingCheck } from './health.js';

describe('health checks', () => {
  it('leaderElection passes without an elector or while healthy, and fails with the elector error', () => {
    const adaptor = createLeaderHealthCheck({ toleranceMs: 20_000 });
    expect(pingCheck.check()).toEqual({ ok: true });
    const check = leaderElectionCheck(adaptor);
    expect(check.name).toBe('leaderElection');
    expect(check.check()).toEqual({ ok: true });
    let failure: LeaderElectionHealthError | undefined = undefined;
    adaptor.setLeaderElector({ check: () => failure } as unknown as LeaderElector);
    expect(check.check()).toEqual({ ok: true });
    failure = new LeaderElectionHealthError('ns/l: no renewal for 40000 ms', 40_000);
    expect(check.check()).toEqual({ ok: false, reason: failure.message });
  });
});
