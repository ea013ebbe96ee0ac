// `npm run test:soak`: 1000-fault sequences, and a 10-minute 100k-pod soak with churn that
// reports memory over time. Not part of `npm test` (minutes long).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSharedIndexInformer, stripManagedFields } from '@kubecache/informer';
import { createListWatch } from '@kubecache/listwatch';
import { makePod, startApiServer, startChurn } from '@kubecache/testing';
import { applyStep, checkConverged, checkHistory, settle, startWorld, stepArb } from './harness.js';

const seed = Number(process.env.RELIABILITY_SEED ?? Date.now() % 1_000_000);
const minutes = Number(process.env.SOAK_MINUTES ?? '10');
const pods = Number(process.env.SOAK_PODS ?? '100000');

describe('soak', () => {
  it('keeps every invariant over 1000-fault sequences', async () => {
    console.log(`[soak] seed=${seed}`);
    const seq = fc.array(stepArb(), { minLength: 4000, maxLength: 4000 });
    await fc.assert(
      fc.asyncProperty(seq, async (steps) => {
        const w = await startWorld();
        try {
          for (const s of steps) await applyStep(w, s);
          expect(await settle(() => checkConverged(w), 5000)).toEqual([]);
          expect(checkHistory(w)).toEqual([]);
        } finally {
          await w.stop();
        }
      }),
      { seed, numRuns: Number(process.env.SOAK_RUNS ?? '5'), endOnFailure: true },
    );
  }, 3_600_000);

  it(`holds ${pods} pods under churn for ${minutes} minutes and reports memory over time`, async () => {
    const server = await startApiServer({ historySize: 100_000, bookmarkIntervalMs: 5000 });
    for (let i = 0; i < pods; i++)
      server.create('pods', makePod({ namespace: `ns-${i % 100}`, name: `pod-${i}`, index: i }));
    const informer = createSharedIndexInformer(
      createListWatch(server.kubeConfig, { group: '', version: 'v1', resource: 'pods' }),
      { transform: stripManagedFields },
    );
    let events = 0;
    informer.addEventHandler({
      onAdd: () => void events++,
      onUpdate: () => void events++,
      onDelete: () => void events++,
    });
    const ac = new AbortController();
    const running = informer.run(ac.signal);
    const churn = startChurn(server, {
      ratePerSecond: 500,
      signal: ac.signal,
      targetPods: pods,
      namespaces: ['ns-0', 'ns-1', 'ns-2'],
    });
    const end = Date.now() + minutes * 60_000;
    const samples: { t: number; rssMb: number; heapMb: number; cached: number; events: number }[] =
      [];
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 10_000));
      const m = process.memoryUsage();
      samples.push({
        t: Math.round((Date.now() - end + minutes * 60_000) / 1000),
        rssMb: Math.round(m.rss / 1048576),
        heapMb: Math.round(m.heapUsed / 1048576),
        cached: informer.getStore().listKeys().length,
        events,
      });
      console.log(`[soak] ${JSON.stringify(samples.at(-1))}`);
    }
    ac.abort();
    await Promise.all([running, churn]);
    await server.close();
    // Memory must not grow without bound: the last third averages within 25 % of the middle third.
    const third = Math.max(1, Math.floor(samples.length / 3));
    const avg = (xs: typeof samples) => xs.reduce((a, s) => a + s.heapMb, 0) / xs.length;
    expect(avg(samples.slice(-third))).toBeLessThan(
      avg(samples.slice(third, 2 * third)) * 1.25 + 50,
    );
  }, 3_600_000);
});
