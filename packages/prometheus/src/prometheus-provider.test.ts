import { describe, expect, it } from 'vitest';
import { Counter, Registry } from 'prom-client';
import {
  FakeClock,
  createInformerMetrics,
  createReflectorMetrics,
  isMetricConflictError,
} from '@kubecache/core';
import { ItemExponentialFailureRateLimiter, createRateLimitingQueue } from '@kubecache/workqueue';
import { createPrometheusMetricsProvider } from './prometheus-provider.js';

/** The value of one series line of the text format, e.g. `workqueue_adds_total{name="pods"}`. */
function value(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

function lineTypes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out[m[1]!] = m[2]!;
  return out;
}

describe('createPrometheusMetricsProvider', () => {
  it('exposes every series of a new queue at 0 before its first add (workqueue_depth included)', async () => {
    const registry = new Registry();
    const metricsProvider = createPrometheusMetricsProvider({ registry });
    const q = createRateLimitingQueue<string>(undefined, { name: 'idle', metricsProvider });
    const text = await registry.metrics();
    const l = '{name="idle"}';
    expect(value(text, `workqueue_depth${l}`)).toBe(0);
    expect(value(text, `workqueue_adds_total${l}`)).toBe(0);
    expect(value(text, `workqueue_retries_total${l}`)).toBe(0);
    expect(value(text, `workqueue_queue_duration_seconds_count${l}`)).toBe(0);
    expect(value(text, `workqueue_work_duration_seconds_count${l}`)).toBe(0);
    expect(value(text, `workqueue_work_duration_seconds_bucket{le="+Inf",name="idle"}`)).toBe(0);
    expect(value(text, `workqueue_unfinished_work_seconds${l}`)).toBe(0);
    q.shutDown();
  });

  it('does not reset a gauge series when another queue of the same name asks for it again', async () => {
    const registry = new Registry();
    const metricsProvider = createPrometheusMetricsProvider({ registry });
    const gauge = () =>
      metricsProvider.gauge({ name: 'kubecache_test_gauge', help: 'h', labelNames: ['name'] });
    gauge().with({ name: 'x' }).set(7);
    gauge().with({ name: 'x' });
    expect(value(await registry.metrics(), 'kubecache_test_gauge{name="x"}')).toBe(7);
  });

  it("exposes a real workqueue's adds, depth, durations, unfinished work and retries under client-go's names", async () => {
    const registry = new Registry();
    const clock = new FakeClock();
    const metricsProvider = createPrometheusMetricsProvider({ registry });
    const q = createRateLimitingQueue<string>(
      new ItemExponentialFailureRateLimiter({ baseDelayMs: 10 }),
      { name: 'pods', clock, metricsProvider },
    );
    q.add('default/a');
    q.add('default/b');
    q.add('default/a'); // de-duplicated
    await clock.advance(2);
    const a = await q.get(); // waited 2 ms
    await clock.advance(30);
    q.addRateLimited('default/a'); // failed: retry in 10 ms
    q.done('default/a'); // worked 30 ms
    const b = await q.get(); // waited 32 ms
    await clock.advance(3000); // b has been processed for 3 s

    const text = await registry.metrics();
    expect(a).toEqual({ item: 'default/a', shutdown: false });
    expect(b).toEqual({ item: 'default/b', shutdown: false });
    expect(lineTypes(text)).toMatchObject({
      workqueue_depth: 'gauge',
      workqueue_adds_total: 'counter',
      workqueue_queue_duration_seconds: 'histogram',
      workqueue_work_duration_seconds: 'histogram',
      workqueue_unfinished_work_seconds: 'gauge',
      workqueue_longest_running_processor_seconds: 'gauge',
      workqueue_retries_total: 'counter',
    });
    const l = '{name="pods"}';
    expect(value(text, `workqueue_adds_total${l}`)).toBe(3); // a, b, then a again after 10 ms
    expect(value(text, `workqueue_depth${l}`)).toBe(1);
    expect(value(text, `workqueue_retries_total${l}`)).toBe(1);
    expect(value(text, `workqueue_queue_duration_seconds_count${l}`)).toBe(2);
    expect(value(text, `workqueue_queue_duration_seconds_sum${l}`)).toBeCloseTo(0.034, 9);
    expect(value(text, `workqueue_queue_duration_seconds_bucket{le="0.01",name="pods"}`)).toBe(1);
    expect(value(text, `workqueue_work_duration_seconds_count${l}`)).toBe(1);
    expect(value(text, `workqueue_work_duration_seconds_sum${l}`)).toBeCloseTo(0.03, 9);
    expect(value(text, `workqueue_unfinished_work_seconds${l}`)).toBe(3);
    expect(value(text, `workqueue_longest_running_processor_seconds${l}`)).toBe(3);

    q.done('default/b');
    const after = await registry.metrics();
    expect(value(after, `workqueue_unfinished_work_seconds${l}`)).toBe(0);
    q.shutDown(); // a gone queue leaves the computed gauges
    expect(
      value(await registry.metrics(), `workqueue_unfinished_work_seconds${l}`),
    ).toBeUndefined();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('shares each metric between queues and providers on the same registry, told apart by name', async () => {
    const registry = new Registry();
    const q1 = createRateLimitingQueue<string>(undefined, {
      name: 'pods',
      metricsProvider: createPrometheusMetricsProvider({ registry }),
    });
    const q2 = createRateLimitingQueue<string>(undefined, {
      name: 'nodes',
      metricsProvider: createPrometheusMetricsProvider({ registry }),
    });
    q1.add('x');
    q2.add('x');
    q2.add('y');
    const text = await registry.metrics();
    expect(value(text, 'workqueue_adds_total{name="pods"}')).toBe(1);
    expect(value(text, 'workqueue_adds_total{name="nodes"}')).toBe(2);
    q1.shutDown();
    q2.shutDown();
  });

  it('exposes reflector metrics reported through the core interface', async () => {
    const registry = new Registry();
    const m = createReflectorMetrics(createPrometheusMetricsProvider({ registry }), 'pods.v1');
    m.listed?.({ durationMs: 1200, items: 500 });
    m.watchStarted?.();
    m.event?.('ADDED');
    m.event?.('ADDED');
    m.event?.('BOOKMARK');
    m.watchEnded?.({ durationMs: 300_000, events: 3, reason: 'expired' });
    m.relist?.('expired');
    m.listed?.({
      durationMs: 5,
      items: 0,
      error: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
    });
    m.watchStarted?.();
    m.decodeError?.();
    m.watchEnded?.({ durationMs: 10, events: 0, reason: 'decode-error' });
    const detach = m.attach!({ lastSyncResourceVersion: () => '4711' });

    const text = await registry.metrics();
    const l = '{name="pods.v1"}';
    expect(value(text, `reflector_lists_total${l}`)).toBe(2);
    expect(value(text, `reflector_list_duration_seconds_sum${l}`)).toBeCloseTo(1.205, 9);
    expect(value(text, `reflector_items_per_list_sum${l}`)).toBe(500);
    expect(value(text, 'reflector_list_errors_total{name="pods.v1",reason="ECONNREFUSED"}')).toBe(
      1,
    );
    expect(value(text, 'reflector_relists_total{name="pods.v1",reason="expired"}')).toBe(1);
    expect(value(text, `reflector_watches_total${l}`)).toBe(2);
    expect(value(text, 'reflector_watch_ends_total{name="pods.v1",reason="expired"}')).toBe(1);
    expect(value(text, 'reflector_watch_ends_total{name="pods.v1",reason="decode-error"}')).toBe(1);
    expect(value(text, `reflector_watch_duration_seconds_sum${l}`)).toBeCloseTo(300.01, 9);
    expect(value(text, `reflector_items_per_watch_sum${l}`)).toBe(3);
    expect(value(text, 'reflector_events_total{name="pods.v1",type="ADDED"}')).toBe(2);
    expect(value(text, 'reflector_events_total{name="pods.v1",type="BOOKMARK"}')).toBe(1);
    expect(value(text, `reflector_decode_errors_total${l}`)).toBe(1);
    expect(value(text, `reflector_short_watches_total${l}`)).toBe(0);
    expect(value(text, `reflector_last_resource_version${l}`)).toBe(4711);
    detach();
    expect(value(await registry.metrics(), `reflector_last_resource_version${l}`)).toBeUndefined();
  });

  it('exposes informer metrics reported through the core interface, computed gauges on each scrape', async () => {
    const registry = new Registry();
    const m = createInformerMetrics(createPrometheusMetricsProvider({ registry }), 'pods.v1');
    m.handled?.('printer', 2);
    m.handled?.('printer', 8);
    m.handlerFailed?.('printer');
    let since = 1500;
    let pending = 4;
    m.attach!({
      pendingNotifications: () => [['printer', pending]],
      msSinceLastEvent: () => since,
    });

    let text = await registry.metrics();
    expect(
      value(text, 'informer_handler_duration_seconds_count{name="pods.v1",handler="printer"}'),
    ).toBe(2);
    expect(
      value(text, 'informer_handler_duration_seconds_sum{name="pods.v1",handler="printer"}'),
    ).toBeCloseTo(0.01, 9);
    expect(value(text, 'informer_handler_errors_total{name="pods.v1",handler="printer"}')).toBe(1);
    expect(value(text, 'informer_pending_notifications{name="pods.v1",handler="printer"}')).toBe(4);
    expect(value(text, 'informer_time_since_last_event_seconds{name="pods.v1"}')).toBe(1.5);
    since = 90_000;
    pending = 0;
    text = await registry.metrics();
    expect(value(text, 'informer_time_since_last_event_seconds{name="pods.v1"}')).toBe(90);
    expect(value(text, 'informer_pending_notifications{name="pods.v1",handler="printer"}')).toBe(0);
  });

  it('skips a computed source that throws instead of failing the scrape', async () => {
    const registry = new Registry();
    const p = createPrometheusMetricsProvider({ registry });
    const spec = { name: 'x_gauge', help: 'x', labelNames: ['name'] };
    p.collect(spec, () => {
      throw new Error('broken');
    });
    p.collect(spec, () => [{ labels: { name: 'ok' }, value: 1 }]);
    expect(value(await registry.metrics(), 'x_gauge{name="ok"}')).toBe(1);
  });

  it('refuses a name someone else registered, or one asked for with another kind, with a MetricConflictError', () => {
    const registry = new Registry();
    new Counter({ name: 'workqueue_adds_total', help: 'mine', registers: [registry] });
    const p = createPrometheusMetricsProvider({ registry });
    let caught: unknown;
    try {
      createRateLimitingQueue<string>(undefined, { name: 'pods', metricsProvider: p });
    } catch (err) {
      caught = err;
    }
    expect(isMetricConflictError(caught)).toBe(true);
    expect(() => p.gauge({ name: 'm', help: 'm', labelNames: ['name'] })).not.toThrow();
    expect(() => p.counter({ name: 'm', help: 'm', labelNames: ['name'] })).toThrow(
      /exists as a gauge/,
    );
  });
});
