// The controller's metrics as a user reads them: reconcile durations measured finely enough that
// fast reconciles do not sum to 0, and the controller's informer handlers named in the informer
// metrics' `handler` label instead of their registration index.
import { MemoryMetricsProvider, silentLogger, type KubeObject } from '@kubecache/core';
import { createSharedInformerFactory, type SharedInformerFactory } from '@kubecache/informer';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createController } from './controller.js';
import { controllerMetricNames } from './metrics.js';
import { watchSource } from './sources.js';
import {
  WIDGETS,
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
  vi.restoreAllMocks();
  await h.close();
});

/** Busy-waits `ms` of high-resolution time. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

describe('controller metrics', () => {
  it('sums sub-millisecond reconciles into controller_runtime_reconcile_time_seconds (not 0)', async () => {
    const metrics = new MemoryMetricsProvider();
    let reconciles = 0;
    const c = createController<Widget>({
      name: 'widgets',
      for: { informer: h.widgets, ...widgetType },
      reconcile: () => {
        spin(0.1);
        reconciles++;
      },
      logger: silentLogger,
      metricsProvider: metrics,
    });
    h.start(c);
    await eventually(() => expect(c.hasSynced()).toBe(true));
    // Within one wall-clock millisecond (Date.now frozen), 11 reconciles of ~0.1 ms each.
    vi.spyOn(Date, 'now').mockReturnValue(Date.now());
    for (let i = 0; i < 11; i++) c.enqueue({ namespace: 'default', name: `w${String(i)}` });
    await eventually(() => expect(reconciles).toBe(11));
    const time = metrics.histogramValue(controllerMetricNames.reconcileTime, {
      controller: 'widgets',
    });
    expect(time.count).toBe(11);
    expect(time.sum).toBeGreaterThanOrEqual(11 * 0.0001);
    expect(time.sum).toBeLessThan(5);
  });

  it("names its informer handlers controller-<name>-primary / -owns-<informer> / -watches-<informer> in the informer metrics' handler label", async () => {
    const informerMetrics = new MemoryMetricsProvider();
    const factory: SharedInformerFactory = createSharedInformerFactory(h.server.kubeConfig, {
      logger: silentLogger,
      metricsProvider: informerMetrics,
    });
    try {
      const widgets = factory.forResource<Widget>(
        { group: 'example.com', version: 'v1', resource: 'widgets' },
        { kind: 'Widget' },
      );
      const configMaps = factory.configMaps();
      const c = createController<Widget>({
        name: 'widgets',
        for: { informer: widgets, ...widgetType },
        owns: [configMaps],
        watches: [
          watchSource<KubeObject>(factory.pods(), () => []),
          watchSource<KubeObject>(factory.pods(), () => []),
        ],
        reconcile: () => undefined,
        logger: silentLogger,
      });
      h.server.create(WIDGETS, widget('a'));
      h.start(c);
      await eventually(() => expect(c.hasSynced()).toBe(true));
      const handlers = informerMetrics
        .samples('informer_pending_notifications')
        .map((s) => `${s.labels.name ?? ''} ${s.labels.handler ?? ''}`)
        .sort();
      expect(handlers).toEqual([
        'configmaps.v1 controller-widgets-owns-configmaps.v1',
        'pods.v1 controller-widgets-watches-pods.v1',
        'pods.v1 controller-widgets-watches-pods.v1-2',
        'widgets.v1.example.com controller-widgets-primary',
      ]);
    } finally {
      await factory.shutdown();
    }
  });
});
