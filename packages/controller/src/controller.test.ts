import { FakeClock, MemoryMetricsProvider, silentLogger, type KubeObject } from '@kubecache/core';
import { createMemoryLeaseStore, createMemoryLock } from '@kubecache/leaderelection';
import { makeConfigMap, makePod } from '@kubecache/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createController, type ControllerOptions } from './controller.js';
import { isControllerOptionsError } from './errors.js';
import { controllerMetricNames } from './metrics.js';
import { generationChanged } from './predicates.js';
import { requestKey, type ReconcileRequest } from './request.js';
import { watchSource } from './sources.js';
import {
  WIDGETS,
  delay,
  eventually,
  startHarness,
  widget,
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

function controller(
  reconcile: ControllerOptions<Widget>['reconcile'],
  extra: Partial<ControllerOptions<Widget>> = {},
) {
  return createController<Widget>({
    name: 'widgets',
    for: { informer: h.widgets, ...widgetType },
    reconcile,
    logger: silentLogger,
    ...extra,
  });
}

const keys = (rs: ReconcileRequest[]): string[] => rs.map(requestKey);

describe('createController', () => {
  it('reconciles every existing primary once the caches synced, reading it from the lister', async () => {
    h.server.create(WIDGETS, widget('a', 1));
    h.server.create(WIDGETS, widget('b', 2));
    const seen = new Map<string, number | undefined>();
    const c = controller((req) => {
      seen.set(requestKey(req), h.widgets.getLister().get(req.namespace, req.name)?.spec?.size);
    });
    h.start(c);
    await eventually(() => expect(seen.size).toBe(2));
    expect(c.hasSynced()).toBe(true);
    expect(Object.fromEntries(seen)).toEqual({ 'default/a': 1, 'default/b': 2 });
  });

  it('maps an owned child to its controller owner, and ignores children of other kinds', async () => {
    const got: ReconcileRequest[] = [];
    const c = controller((req) => void got.push(req), { owns: [h.configMaps] });
    h.start(c);
    await eventually(() => expect(c.hasSynced()).toBe(true));
    const owner = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      name: 'parent',
      uid: 'u1',
      controller: true,
    };
    h.server.create('configmaps', {
      ...makeConfigMap({ namespace: 'default', name: 'child' }),
      metadata: { name: 'child', namespace: 'default', ownerReferences: [owner] },
    });
    h.server.create('configmaps', {
      ...makeConfigMap({ namespace: 'default', name: 'stranger' }),
      metadata: {
        name: 'stranger',
        namespace: 'default',
        ownerReferences: [{ ...owner, kind: 'Gadget', name: 'other' }],
      },
    });
    await eventually(() => expect(keys(got)).toContain('default/parent'));
    await delay(100);
    expect(keys(got)).not.toContain('default/other');
  });

  it('enqueues what a watched resource maps to', async () => {
    const got: ReconcileRequest[] = [];
    const c = controller((req) => void got.push(req), {
      watches: [
        watchSource(h.pods, (pod: KubeObject) => {
          const target = pod.metadata?.labels?.widget;
          return target === undefined ? [] : [{ namespace: 'default', name: target }];
        }),
      ],
    });
    h.start(c);
    await eventually(() => expect(c.hasSynced()).toBe(true));
    const pod = makePod({ namespace: 'default', name: 'p1' });
    h.server.create('pods', { ...pod, metadata: { ...pod.metadata, labels: { widget: 'w9' } } });
    await eventually(() => expect(keys(got)).toEqual(['default/w9']));
  });

  it('never runs two reconciles of one key at once, with 4 workers and bursts of updates', async () => {
    for (let i = 0; i < 5; i++) h.server.create(WIDGETS, widget(`w${i}`, 0));
    const running = new Set<string>();
    let overlaps = 0;
    let maxParallel = 0;
    let reconciles = 0;
    const c = controller(
      async (req) => {
        const key = requestKey(req);
        if (running.has(key)) overlaps++;
        running.add(key);
        maxParallel = Math.max(maxParallel, running.size);
        reconciles++;
        await delay(5);
        running.delete(key);
      },
      { concurrency: 4 },
    );
    h.start(c);
    await eventually(() => expect(reconciles).toBeGreaterThanOrEqual(5));
    for (let round = 1; round <= 20; round++) {
      for (let i = 0; i < 5; i++)
        h.server.patch(WIDGETS, 'default', `w${i}`, { spec: { size: round } });
      await delay(2);
    }
    await eventually(() => {
      for (let i = 0; i < 5; i++) {
        expect(h.widgets.getLister().get('default', `w${i}`)?.spec?.size).toBe(20);
      }
      expect(c.queue.len()).toBe(0);
      expect(running.size).toBe(0);
    });
    expect(overlaps).toBe(0);
    expect(maxParallel).toBeGreaterThan(1);
    expect(maxParallel).toBeLessThanOrEqual(4);
  });

  it('retries a throwing reconcile with the rate limiter, and forgets the key after a success', async () => {
    h.server.create(WIDGETS, widget('flaky'));
    const retries: number[] = [];
    const c = controller(({ name }, { retries: r }) => {
      if (name !== 'flaky') return;
      retries.push(r);
      if (retries.length < 3) throw new Error('not yet');
    });
    h.start(c);
    await eventually(() => expect(retries).toEqual([0, 1, 2]));
    await eventually(() => expect(c.queue.numRequeues('default/flaky')).toBe(0));
  });

  it('gives up on a key when the error policy says drop, until its next event', async () => {
    h.server.create(WIDGETS, widget('doomed'));
    let calls = 0;
    const c = controller(
      () => {
        calls++;
        throw new Error('terminal');
      },
      { errorPolicy: () => 'drop' },
    );
    h.start(c);
    await eventually(() => expect(calls).toBe(1));
    await delay(100);
    expect(calls).toBe(1);
    h.server.patch(WIDGETS, 'default', 'doomed', { spec: { size: 2 } });
    await eventually(() => expect(calls).toBe(2));
  });

  it('honours requeueAfterMs on the injected clock', async () => {
    h.server.create(WIDGETS, widget('poll'));
    const clock = new FakeClock();
    let calls = 0;
    const c = controller(
      () => {
        calls++;
        return { requeueAfterMs: 5000 };
      },
      { clock },
    );
    h.start(c);
    await eventually(() => expect(calls).toBe(1));
    await clock.advance(4999);
    await delay(50);
    expect(calls).toBe(1);
    await clock.advance(1);
    await eventually(() => expect(calls).toBe(2));
  });

  it('filters the primary events with its predicates (generationChanged: labels no, spec yes)', async () => {
    h.server.create(WIDGETS, widget('p'));
    let calls = 0;
    const c = createController<Widget>({
      name: 'widgets',
      for: { informer: h.widgets, ...widgetType, predicates: [generationChanged()] },
      reconcile: () => void calls++,
      logger: silentLogger,
    });
    h.start(c);
    await eventually(() => expect(calls).toBe(1));
    h.server.patch(WIDGETS, 'default', 'p', { metadata: { labels: { x: 'y' } } });
    await eventually(() =>
      expect(h.widgets.getLister().get('default', 'p')?.metadata?.labels).toEqual({ x: 'y' }),
    );
    await delay(100);
    expect(calls).toBe(1);
    h.server.patch(WIDGETS, 'default', 'p', { spec: { size: 9 } });
    await eventually(() => expect(calls).toBe(2));
  });

  it('on shutdown stops taking keys and lets the reconciles in flight finish', async () => {
    for (let i = 0; i < 6; i++) h.server.create(WIDGETS, widget(`s${i}`));
    const started: string[] = [];
    const finished: string[] = [];
    let aborted = 0;
    const c = controller(
      async (req, { signal }) => {
        started.push(req.name);
        await delay(300);
        if (signal.aborted) aborted++;
        finished.push(req.name);
      },
      { concurrency: 2, shutdownTimeoutMs: 5000 },
    );
    const run = h.start(c);
    await eventually(() => expect(started.length).toBe(2));
    const t0 = Date.now();
    await run.stop();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(started.length).toBe(2);
    expect(finished.length).toBe(2);
    expect(aborted).toBe(0);
  });

  it('aborts reconciles that outlive the shutdown deadline, and run still resolves', async () => {
    h.server.create(WIDGETS, widget('stuck'));
    let sawAbort = false;
    let entered = false;
    const c = controller(
      async (_req, { signal }) => {
        entered = true;
        await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        sawAbort = true;
        await new Promise(() => undefined); // ignores the signal: never returns
      },
      { shutdownTimeoutMs: 200 },
    );
    const run = h.start(c);
    await eventually(() => expect(entered).toBe(true));
    const t0 = Date.now();
    await run.stop();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(3000);
    expect(sawAbort).toBe(true);
  });

  it("at the shutdown deadline, a reconcile that rejects with its signal's reason is not logged as failed; run says how many were left", async () => {
    h.server.create(WIDGETS, widget('slow'));
    let entered = false;
    const warnings: string[] = [];
    const c = controller(
      (_req, { signal }) => {
        entered = true;
        // as fetch does: rejects with the signal's reason
        return new Promise<undefined>((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
        );
      },
      {
        shutdownTimeoutMs: 100,
        logger: { ...silentLogger, warn: (_o, msg) => void warnings.push(msg ?? '') },
      },
    );
    const run = h.start(c);
    await eventually(() => expect(entered).toBe(true));
    const result = run.done;
    await run.stop();
    expect(await result).toEqual({ abandonedReconciles: 1 });
    await delay(50);
    expect(warnings).toEqual(['shutdown deadline passed with reconciles in flight; leaving them']);
  });

  it("reports controller-runtime's metrics and the workqueue's", async () => {
    h.server.create(WIDGETS, widget('ok'));
    h.server.create(WIDGETS, widget('bad'));
    h.server.create(WIDGETS, widget('later'));
    const metrics = new MemoryMetricsProvider();
    let bad = 0;
    const c = controller(
      ({ name }) => {
        if (name === 'bad' && bad++ === 0) throw new Error('once');
        return name === 'later' ? { requeueAfterMs: 60_000 } : undefined;
      },
      { metricsProvider: metrics, concurrency: 3 },
    );
    const l = { controller: 'widgets' };
    expect(metrics.value(controllerMetricNames.maxConcurrentReconciles, l)).toBe(3);
    h.start(c);
    await eventually(() => {
      expect(metrics.value(controllerMetricNames.reconcileTotal, { ...l, result: 'success' })).toBe(
        2,
      );
      expect(metrics.value(controllerMetricNames.reconcileTotal, { ...l, result: 'error' })).toBe(
        1,
      );
      expect(
        metrics.value(controllerMetricNames.reconcileTotal, { ...l, result: 'requeue_after' }),
      ).toBe(1);
    });
    expect(metrics.value(controllerMetricNames.reconcileTotal, { ...l, result: 'requeue' })).toBe(
      0,
    );
    expect(metrics.value(controllerMetricNames.reconcileErrors, l)).toBe(1);
    expect(metrics.histogramValue(controllerMetricNames.reconcileTime, l).count).toBe(4);
    expect(metrics.value(controllerMetricNames.activeWorkers, l)).toBe(0);
    expect(metrics.value('workqueue_adds_total', { name: 'widgets' })).toBeGreaterThanOrEqual(4);
    // client-go counts every addAfter as a retry: the rate-limited one and the requeueAfter one
    expect(metrics.value('workqueue_retries_total', { name: 'widgets' })).toBe(2);
  });

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
    const c = controller(() => void calls++, {
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

  it('refuses options that cannot work', () => {
    const base = {
      name: 'x',
      for: { informer: h.widgets, ...widgetType },
      reconcile: () => undefined,
    };
    expect(() => createController({ ...base, name: '' })).toThrow(/name/);
    try {
      createController({ ...base, concurrency: 0 });
      expect.unreachable();
    } catch (err) {
      expect(isControllerOptionsError(err)).toBe(true);
    }
    expect(() => createController({ ...base, shutdownTimeoutMs: -1 })).toThrow(/shutdownTimeoutMs/);
  });
});
