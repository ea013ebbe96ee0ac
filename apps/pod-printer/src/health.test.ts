import { describe, expect, it } from 'vitest';
import { runHealthChecks } from '@kubecache/core';
import {
  LeaderElectionHealthError,
  createLeaderHealthCheck,
  type LeaderElector,
} from '@kubecache/leaderelection';
import { informerSyncedCheck, leaderElectionCheck, pingCheck } from './health.js';

describe('health checks', () => {
  it('informer-sync fails with the resource and the last error until the informer synced', () => {
    let synced = false;
    let last: string | undefined = undefined;
    const check = informerSyncedCheck(
      'pods',
      () => synced,
      () => last,
    );
    expect(check.check()).toEqual({ ok: false, reason: 'pods not synced' });
    last = 'API server unreachable (connect ECONNREFUSED 127.0.0.1:1); retrying';
    expect(runHealthChecks([pingCheck, check]).lines).toEqual([
      '[+]ping ok',
      '[-]informer-sync failed: pods not synced: API server unreachable (connect ECONNREFUSED 127.0.0.1:1); retrying',
    ]);
    synced = true;
    expect(check.check()).toEqual({ ok: true });
  });

  it('leaderElection passes without an elector or while healthy, and fails with the elector error', () => {
    const adaptor = createLeaderHealthCheck({ toleranceMs: 20_000 });
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
