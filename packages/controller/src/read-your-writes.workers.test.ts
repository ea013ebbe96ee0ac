// The workers' side of read-your-writes: a key whose caches have not caught up is not
// reconciled but requeued through the rate limiter (at the priority its item had), and a
// reconcile runs once the wait says caught up.
import { realClock, silentLogger } from '@kubecache/core';
import { createPriorityQueue, lowPriority } from '@kubecache/workqueue';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkerPool } from './workers.js';

const stops: AbortController[] = [];
afterEach(() => {
  for (const s of stops) s.abort();
  stops.length = 0;
});

describe('WorkerPool awaitWrites', () => {
  it('a key whose wait did not end caught up is requeued rate-limited and not reconciled; then reconciled', async () => {
    const queue = createPriorityQueue<string>({ logger: silentLogger });
    const add = vi.spyOn(queue, 'addWithOptions');
    queue.addWithOptions('default/a', { priority: lowPriority });
    const waits: string[] = [];
    const reconciled: string[] = [];
    const take = new AbortController();
    const stop = new AbortController();
    stops.push(take, stop);
    const pool = new WorkerPool({
      name: 'widgets',
      queue,
      reconcile: (request) => void reconciled.push(request.name),
      errorPolicy: undefined,
      concurrency: 1,
      metrics: { reconciled: () => undefined, activeWorkers: () => undefined },
      logger: silentLogger,
      clock: realClock,
      reconcileTimeoutMs: Infinity,
      stuckReconcileMs: Infinity,
      onWedged: () => undefined,
      awaitWrites: (key) => {
        waits.push(key);
        return Promise.resolve(waits.length > 1); // the first wait times out
      },
    });
    void pool.run(take.signal, stop.signal).catch(() => undefined);
    await vi.waitFor(() => expect(reconciled).toEqual(['a']));
    expect(waits).toEqual(['default/a', 'default/a']);
    expect(add).toHaveBeenCalledWith('default/a', { rateLimited: true, priority: lowPriority });
  });
});
