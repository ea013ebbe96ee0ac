// Supervision (issue 21, input 3): a leader whose workers die, whose informer gives up, or whose
// reconcile wedges ends its term, releases its Lease and rejects `run` with a
// ControllerFailedError naming the cause; a standby replica on the same server (real HTTP, a
// coordination.k8s.io Lease) takes over. The takeover time is printed and bounded by half the
// lease duration: only a release (not an expiry) is that fast.
import { silentLogger } from '@kubecache/core';
import { createSharedInformerFactory, type SharedInformerFactory } from '@kubecache/informer';
import { createLeaseLock } from '@kubecache/leaderelection';
import { startApiServer, type ApiServer } from '@kubecache/testing';
import { defaultControllerRateLimiter, type TypedRateLimiter } from '@kubecache/workqueue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControllerOptions } from './controller-options.js';
import { createController, type Controller } from './controller.js';
import { isControllerFailedError, type ControllerFailureReason } from './errors.js';
import { eventually, widget, widgetType, WIDGETS, type Widget } from './test-support/harness.js';

const leaseDurationMs = 6000;

interface Replica {
  controller: Controller;
  factory: SharedInformerFactory;
  done: Promise<unknown>;
  stop(): Promise<void>;
}

describe('controller supervision with a standby replica', () => {
  let server: ApiServer;
  const replicas: Replica[] = [];

  beforeEach(async () => {
    server = await startApiServer();
    server.registerResource({
      group: 'example.com',
      version: 'v1',
      resource: 'widgets',
      kind: 'Widget',
      namespaced: true,
    });
    server.create(WIDGETS, widget('w1'));
  });

  afterEach(async () => {
    await Promise.allSettled(replicas.map((r) => r.stop()));
    replicas.length = 0;
    await server.close();
  });

  function replica(
    lease: string,
    identity: string,
    extra: Partial<ControllerOptions<Widget>> & { stopInformerOnPermanentError?: boolean },
  ): Replica {
    const { stopInformerOnPermanentError, ...options } = extra;
    const factory = createSharedInformerFactory(server.kubeConfig, {
      logger: silentLogger,
      ...(stopInformerOnPermanentError ? { onPermanentError: 'stop' as const } : {}),
    });
    const widgets = factory.forResource<Widget>(
      { group: 'example.com', version: 'v1', resource: 'widgets' },
      { kind: 'Widget' },
    );
    const controller = createController<Widget>({
      name: `widgets-${identity}`,
      for: { informer: widgets, ...widgetType },
      reconcile: () => undefined,
      logger: silentLogger,
      leaderElection: {
        lock: createLeaseLock({
          kubeConfig: server.kubeConfig,
          namespace: 'default',
          name: lease,
          identity,
        }),
        leaseDurationMs,
        renewDeadlineMs: 4000,
        retryPeriodMs: 100,
        // Not releaseOnCancel: the release comes from the elector ending the term whose work
        // (the controller's term) rejected.
        releaseOnCancel: false,
      },
      ...options,
    });
    const ac = new AbortController();
    const done = controller.run(ac.signal);
    done.catch(() => undefined);
    const r: Replica = {
      controller,
      factory,
      done,
      stop: async () => {
        ac.abort();
        await done.catch(() => undefined);
        await factory.shutdown();
      },
    };
    replicas.push(r);
    return r;
  }

  /** Starts leader a (with `options`), then standby b; kills a; returns b's takeover figures. */
  async function killLeader(
    reason: ControllerFailureReason,
    options: Partial<ControllerOptions<Widget>> & { stopInformerOnPermanentError?: boolean },
    kill: (leader: Replica) => void,
  ): Promise<void> {
    const lease = `supervision-${reason}`;
    const a = replica(lease, 'a', options);
    await eventually(() => expect(a.controller.isLeading()).toBe(true));
    const b = replica(lease, 'b', {});
    await eventually(() => expect(b.controller.hasSynced()).toBe(true));
    expect(b.controller.isLeading()).toBe(false);
    expect(a.controller.healthCheck().check().ok).toBe(true);

    const killedAt = performance.now();
    kill(a);
    const err = await a.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    const failedAt = performance.now();
    expect(isControllerFailedError(err)).toBe(true);
    if (!isControllerFailedError(err)) return;
    expect(err.reason).toBe(reason);
    expect(err.name).toBe('ControllerFailedError');
    expect(a.controller.isLeading()).toBe(false);
    const health = a.controller.healthCheck().check();
    expect(health).toEqual({ ok: false, reason: err.message });

    await eventually(() => expect(b.controller.isLeading()).toBe(true), leaseDurationMs * 2);
    const tookOverAt = performance.now();
    const fromFailure = tookOverAt - failedAt;
    console.log(
      `supervision ${reason}: a failed ${Math.round(failedAt - killedAt)} ms after the kill ` +
        `(${err.message}); b led ${Math.round(fromFailure)} ms after a failed ` +
        `(lease duration ${String(leaseDurationMs)} ms)`,
    );
    // A released Lease is taken at b's next retry; an expired one only after leaseDurationMs.
    expect(fromFailure).toBeLessThan(leaseDurationMs / 2);
    const lease_ = server.get('leases.coordination.k8s.io', 'default', lease) as {
      spec?: { holderIdentity?: string };
    };
    expect(lease_.spec?.holderIdentity).toBe('b');
  }

  it('workers: a worker that dies of an internal error (its rate limiter throws) fails the leader', async () => {
    let broken = false;
    const limiter = defaultControllerRateLimiter<string>();
    const rateLimiter: TypedRateLimiter<string> = {
      when: (item) => {
        if (broken) throw new Error('rate limiter broke');
        return limiter.when(item);
      },
      forget: (item) => limiter.forget(item),
      numRequeues: (item) => limiter.numRequeues(item),
    };
    await killLeader(
      'workers',
      {
        rateLimiter,
        reconcile: () => {
          if (broken) throw new Error('reconcile failed');
        },
      },
      (a) => {
        broken = true;
        a.controller.enqueue({ namespace: 'default', name: 'w1' });
      },
    );
  });

  it('informer: an informer that gives up after the initial sync fails the leader', async () => {
    await killLeader('informer', { stopInformerOnPermanentError: true }, () => {
      // Both replicas' watches end; the re-watches are refused with 403 (will not fix itself):
      // a's informer stops (onPermanentError 'stop'), b's retries and recovers.
      server.faults.nextResponses(2, { status: 403, verb: 'watch', resource: WIDGETS });
      server.faults.endWatches();
    });
  });

  it('wedged: a reconcile that ignores its aborted signal fails the leader', async () => {
    let wedge = false;
    await killLeader(
      'wedged',
      {
        reconcileTimeoutMs: 200,
        stuckReconcileMs: 300,
        reconcile: () => (wedge ? new Promise<void>(() => undefined) : undefined),
      },
      (a) => {
        wedge = true;
        a.controller.enqueue({ namespace: 'default', name: 'w1' });
      },
    );
  });

  it('a standby whose informer gives up fails too, and the leader keeps leading', async () => {
    const lease = 'supervision-standby';
    const a = replica(lease, 'a', {});
    await eventually(() => expect(a.controller.isLeading()).toBe(true));
    const b = replica(lease, 'b', { stopInformerOnPermanentError: true });
    await eventually(() => expect(b.controller.hasSynced()).toBe(true));
    // a's factory retries (not 'stop'): only b's informer stops on the refused re-watch. Both
    // re-watch at once and a may take several 403s before b asks (a retries on its backoff), so
    // there are enough for both; the rest are cleared once b failed.
    const refused = server.faults.nextResponses(10, {
      status: 403,
      verb: 'watch',
      resource: WIDGETS,
    });
    server.faults.endWatches();
    const err = await b.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    refused.clear();
    expect(isControllerFailedError(err) && err.reason).toBe('informer');
    expect(b.controller.isLeading()).toBe(false);
    expect(a.controller.isLeading()).toBe(true);
    expect(b.controller.healthCheck().check().ok).toBe(false);
  });
});
