// The worker loop's requeues on the priority queue (controller-runtime's reconcileHandler: a
// retry or requeue keeps the priority the item had, unless the result names one) and the
// reconcile timeout metric (controller_runtime_reconcile_timeouts_total).
import { MemoryMetricsProvider, realClock, silentLogger } from '@kubecache/core';
import {
  createPriorityQueue,
  createRateLimitingQueue,
  lowPriority,
  type RateLimitingInterface,
} from '@kubecache/workqueue';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isReconcileTimeoutError } from './errors.js';
import {
  controllerMetricNames,
  createControllerMetrics,
  type ControllerMetrics,
} from './metrics.js';
import { WorkerPool, requeue, type ErrorPolicy, type Reconciler } from './workers.js';

const stops: AbortController[] = [];
afterEach(() => {
  for (const s of stops) s.abort();
  stops.length = 0;
});

function runPool(options: {
  queue: RateLimitingInterface<string>;
  reconcile: Reconciler;
  errorPolicy?: ErrorPolicy;
  metrics?: ControllerMetrics;
  reconcileTimeoutMs?: number;
}): { stop: AbortController } {
  const take = new AbortController();
  const stop = new AbortController();
  stops.push(take, stop);
  const pool = new WorkerPool({
    name: 'widgets',
    queue: options.queue,
    reconcile: options.reconcile,
    errorPolicy: options.errorPolicy,
    concurrency: 1,
    metrics: options.metrics ?? { reconciled: () => undefined, activeWorkers: () => undefined },
    logger: silentLogger,
    clock: realClock,
    reconcileTimeoutMs: options.reconcileTimeoutMs ?? Infinity,
    stuckReconcileMs: Infinity,
    onWedged: () => undefined,
  });
  void pool.run(take.signal, stop.signal).catch(() => undefined);
  return { stop };
}

describe('requeues on the priority queue', () => {
  it('a failed reconcile is retried rate-limited at the priority its item had', async () => {
    const queue = createPriorityQueue<string>({ logger: silentLogger });
    const add = vi.spyOn(queue, 'addWithOptions');
    queue.addWithOptions('default/a', { priority: lowPriority });
    let calls = 0;
    runPool({
      queue,
      reconcile: () => {
        calls++;
        if (calls === 1) throw new Error('boom');
      },
    });
    await vi.waitFor(() => expect(calls).toBe(2));
    expect(add).toHaveBeenCalledWith('default/a', { rateLimited: true, priority: lowPriority });
  });

  it('an error policy requeueAfterMs keeps the priority too', async () => {
    const queue = createPriorityQueue<string>({ logger: silentLogger });
    const add = vi.spyOn(queue, 'addWithOptions');
    queue.addWithOptions('default/a', { priority: 7 });
    let calls = 0;
    runPool({
      queue,
      reconcile: () => {
        calls++;
        if (calls === 1) throw new Error('boom');
      },
      errorPolicy: () => ({ requeueAfterMs: 1 }),
    });
    await vi.waitFor(() => expect(calls).toBe(2));
    expect(add).toHaveBeenCalledWith('default/a', { afterMs: 1, priority: 7 });
  });

  it('requeue({ afterMs }) keeps the item priority; requeue({ afterMs, priority }) sets it', async () => {
    const queue = createPriorityQueue<string>({ logger: silentLogger });
    const add = vi.spyOn(queue, 'addWithOptions');
    queue.addWithOptions('default/a', { priority: lowPriority });
    const results = [
      requeue({ afterMs: 1 }),
      requeue({ afterMs: 1, priority: 3 }),
      { requeueAfterMs: 1, priority: 1.5 }, // not a safe integer: ignored
      undefined,
    ];
    let calls = 0;
    runPool({ queue, reconcile: () => results[calls++] });
    await vi.waitFor(() => expect(calls).toBe(4));
    const requeues = add.mock.calls.slice(1);
    expect(requeues).toEqual([
      ['default/a', { afterMs: 1, priority: lowPriority }],
      ['default/a', { afterMs: 1, priority: 3 }],
      ['default/a', { afterMs: 1, priority: 3 }],
    ]);
  });

  it('on the FIFO queue (priorityQueue: false) a result priority is ignored', async () => {
    const queue = createRateLimitingQueue<string>(undefined, { logger: silentLogger });
    const addAfter = vi.spyOn(queue, 'addAfter');
    queue.add('default/a');
    let calls = 0;
    runPool({
      queue,
      reconcile: () => (calls++ === 0 ? requeue({ afterMs: 1, priority: 5 }) : undefined),
    });
    await vi.waitFor(() => expect(calls).toBe(2));
    expect(addAfter).toHaveBeenCalledWith('default/a', 1);
  });

  it('requeue() builds the result shape', () => {
    expect(requeue({ afterMs: 30_000 })).toEqual({ requeueAfterMs: 30_000 });
    expect(requeue({ afterMs: 5, priority: lowPriority })).toEqual({
      requeueAfterMs: 5,
      priority: lowPriority,
    });
  });
});

describe('reconcile timeouts', () => {
  it('counts controller_runtime_reconcile_timeouts_total{controller} and retries the key', async () => {
    const provider = new MemoryMetricsProvider();
    const metrics = createControllerMetrics(provider, 'widgets', 1);
    const labels = { controller: 'widgets' };
    expect(provider.value(controllerMetricNames.reconcileTimeouts, labels)).toBe(0);
    const queue = createPriorityQueue<string>({ logger: silentLogger });
    const add = vi.spyOn(queue, 'addWithOptions');
    queue.add('default/slow');
    const reasons: unknown[] = [];
    runPool({
      queue,
      metrics,
      reconcileTimeoutMs: 20,
      reconcile: async (_request, { signal }) => {
        if (reasons.length > 0) return;
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
        reasons.push(signal.reason);
        throw signal.reason;
      },
    });
    await vi.waitFor(() =>
      expect(
        provider.value(controllerMetricNames.reconcileTotal, { ...labels, result: 'success' }),
      ).toBe(1),
    );
    expect(isReconcileTimeoutError(reasons[0])).toBe(true);
    expect(provider.value(controllerMetricNames.reconcileTimeouts, labels)).toBe(1);
    expect(add).toHaveBeenCalledWith('default/slow', { rateLimited: true, priority: 0 });
  });

  it('a reconcile stopped by the runtime (not its timeout) is not counted', async () => {
    const timedOut = vi.fn();
    const queue = createPriorityQueue<string>({ logger: silentLogger });
    queue.add('default/a');
    let started = false;
    let ended = false;
    const { stop } = runPool({
      queue,
      metrics: { reconciled: () => undefined, activeWorkers: () => undefined, timedOut },
      reconcileTimeoutMs: 60_000,
      reconcile: async (_request, { signal }) => {
        started = true;
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
        ended = true;
      },
    });
    await vi.waitFor(() => expect(started).toBe(true));
    stop.abort();
    await vi.waitFor(() => expect(ended).toBe(true));
    expect(timedOut).not.toHaveBeenCalled();
  });
});
