import { describe, expect, it } from 'vitest';
import { holderOf, startCluster, until } from './test-support/harness.js';

describe('release is reliable (issue 21, input 5)', () => {
  it('abort while a renewal has reached the server but its answer has not: the release re-reads, releases, says so, and the standby takes over at once', async () => {
    const c = startCluster({ ids: ['a', 'b'], elector: { releaseOnCancel: true } });
    await c.clock.advance(3_000);
    const leader = c.replica(c.leaders()[0]!);
    const standby = c.replicas.find((r) => r !== leader)!;
    c.net.slowAnswers.set(leader.id, 5_000);
    const writes = c.store.writes;
    while (c.store.writes === writes) await c.clock.advance(10);
    expect(holderOf(c.store.current!.spec)).toBe(leader.id); // the renewal landed
    leader.controller.abort(); // its answer is 5 s away
    c.net.slowAnswers.delete(leader.id);
    await c.clock.advance(100);
    await leader.done;
    expect(holderOf(c.store.current!.spec)).toBe('');
    expect(c.store.current!.spec).toMatchObject({ leaseDurationSeconds: 1 });
    const msgs = c.log.filter((l) => l.fields.identity === leader.id).map((l) => l.msg);
    expect(msgs).toContain('released lease');
    expect(msgs).not.toContain('the lease changed hands before it was released');
    const releasedAt = c.clock.now();
    await until(c.clock, () => standby.elector.isLeader());
    expect(c.clock.now() - releasedAt).toBeLessThanOrEqual(2_000 * 2.2 + 100);
    expect(c.checker.violations).toEqual([]);
    await c.stop();
  });

  it('the release says what it found: a lease now held by another, or deleted', async () => {
    for (const what of ['taken', 'deleted'] as const) {
      const c = startCluster({ ids: ['a'], elector: { releaseOnCancel: true } });
      await c.clock.advance(1_000);
      const spec = c.store.current!.spec as Record<string, unknown>;
      if (what === 'taken') c.store.set({ ...spec, holderIdentity: 'ghost' });
      else c.store.delete();
      c.replicas[0]!.controller.abort();
      await c.clock.advance(100);
      await c.replicas[0]!.done;
      const msgs = c.log.map((l) => l.msg);
      if (what === 'taken') {
        expect(msgs).toContain('the lease is now held by ghost; nothing to release');
        expect(holderOf(c.store.current!.spec)).toBe('ghost');
      } else {
        expect(msgs).toContain('the lease was deleted; nothing to release');
        expect(c.store.current).toBeUndefined();
      }
      await c.stop();
    }
  });
});
