import { FakeClock, MemoryMetricsProvider, silentLogger, type KubeObject } from '@kubecache/core';
import { makeConfigMap, makePod } from '@kubecache/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControllerOptions } from './controller-options.js';
import { createController } from './controller.js';
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

const controller = (
  reconcile: ControllerOptions<Widget>['reconcile'],
  extra: Partial<ControllerOptions<Widget>> = {},
) => widgetController(h, reconcile, extra);

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
});
