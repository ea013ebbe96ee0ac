// Leader election (election.ts): caches stay warm on every replica, the workers run only on the
// leader, and a throwing onLeadingChange does not cost the term.
import { silentLogger } from '@kubecache/core';
import { createMemoryLeaseStore, createMemoryLock } from '@kubecache/leaderelection';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createController } from './controller.js';
import {
  WIDGETS,
  delay,
  eventually,
  startHarness,
  widget,
  widgetController,
  widgetType,
  type Harness,
  type Widget,
} from './test-support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('leader election', () => {
  it('with leader election, keeps caches warm on every replica and runs workers only on the leader', async () => {
    h.server.create(WIDGETS, widget('le'));
    // The replicas' shared informer runs on its own: had a started it, stopping a would stop
    // b's informer too, and b would fail (reason 'informer').
    const informerRun = new AbortController();
    const informerDone = h.widgets.run(informerRun.signal);
    const store = createMemoryLeaseStore();
    const calls = { a: 0, b: 0 };
    const make = (id: 'a' | 'b') =>
      createController<Widget>({
        name: `widgets-${id}`,
        for: { informer: h.widgets, ...widgetType },
        reconcile: () => void calls[id]++,
        logger: silentLogger,
        leaderElection: {
          lock: createMemoryLock({ store, identity: id }),
          leaseDurationMs: 2000,
          renewDeadlineMs: 1500,
          retryPeriodMs: 200,
        },
      });
    const a = make('a');
    const runA = h.start(a);
    await eventually(() => expect(calls.a).toBe(1));
    const b = make('b');
    const runB = h.start(b);
    await eventually(() => expect(b.hasSynced()).toBe(true));
    h.server.patch(WIDGETS, 'default', 'le', { spec: { size: 5 } });
    await eventually(() => expect(calls.a).toBe(2));
    await delay(300);
    expect(calls.b).toBe(0);
    expect(a.isLeading()).toBe(true);
    expect(b.isLeading()).toBe(false);
    await runA.stop();
    // b takes over once a's lease expires, and starts with every primary
    await eventually(() => expect(calls.b).toBe(1), 10_000);
    expect(b.isLeading()).toBe(true);
    await runB.stop();
    informerRun.abort();
    await informerDone;
  });

  it('a throwing onLeadingChange is logged, and the leader still reconciles', async () => {
    h.server.create(WIDGETS, widget('hook'));
    let calls = 0;
    const errors: string[] = [];
    const c = widgetController(h, () => void calls++, {
      logger: { ...silentLogger, error: (_o, msg) => void errors.push(msg ?? '') },
      leaderElection: {
        lock: createMemoryLock({ store: createMemoryLeaseStore(), identity: 'a' }),
        leaseDurationMs: 1000,
        renewDeadlineMs: 800,
        retryPeriodMs: 100,
        onLeadingChange: () => {
          throw new Error('hook bug');
        },
      },
    });
    const run = h.start(c);
    let rejected = false;
    run.done.catch(() => (rejected = true));
    await eventually(() => expect(calls).toBe(1));
    expect(c.isLeading()).toBe(true);
    expect(errors).toContain('onLeadingChange threw; ignored');
    expect(rejected).toBe(false);
  });
});
