// The informers' queue processing under client-go 1.36's AtomicFIFO (KEP-5647): a LIST is applied
// to the cache as a whole before any handler hears of its items. Against the in-process API server.
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { createListWatch } from '@kubecache/listwatch';
import { makePod, startApiServer, type ApiServer } from '@kubecache/testing';
import { newInformer } from './controller.js';
import { createSharedIndexInformer } from './shared-informer.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function api(pods: number): Promise<ApiServer> {
  const s = await startApiServer();
  cleanups.push(() => s.close());
  for (let i = 0; i < pods; i++) s.create('pods', makePod({ namespace: 'ns', name: `p${i}` }));
  return s;
}

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const podsLW = (s: ApiServer) =>
  createListWatch(s.kubeConfig, { group: '', version: 'v1', resource: 'pods', kind: 'Pod' });

function start(run: (signal: AbortSignal) => Promise<void>): void {
  const ac = new AbortController();
  const done = run(ac.signal);
  cleanups.push(async () => {
    ac.abort();
    await done;
  });
}

describe('SharedIndexInformer queue processing (AtomicFIFO)', () => {
  it('applies the whole initial list before any handler runs, by default', async () => {
    const s = await api(600); // more than one drain batch of the queue loop
    const informer = createSharedIndexInformer(podsLW(s));
    const sizes: number[] = [];
    informer.addEventHandler({
      onAdd: () => void sizes.push(informer.getStore().listKeys().length),
    });
    start((sig) => informer.run(sig));
    await until(() => sizes.length === 600);
    expect(new Set(sizes)).toEqual(new Set([600]));
  });

  it('with atomicFIFO: false, handlers can see a half-applied list (client-go with the gate off)', async () => {
    const s = await api(600);
    const informer = createSharedIndexInformer(podsLW(s), { atomicFIFO: false });
    const sizes: number[] = [];
    informer.addEventHandler({
      onAdd: () => void sizes.push(informer.getStore().listKeys().length),
    });
    start((sig) => informer.run(sig));
    await until(() => sizes.length === 600);
    expect(Math.min(...sizes)).toBeLessThan(600);
  });

  it('a relist reaches handlers only once the cache holds all of it: deletions, updates and adds', async () => {
    const s = await api(3);
    const informer = createSharedIndexInformer(podsLW(s), {
      reflector: { backoff: { initialMs: 10, capMs: 40, jitter: 0 } },
    });
    const seen: string[] = [];
    const snapshot = (): string =>
      informer
        .getStore()
        .list()
        .map((o) => o.metadata?.name)
        .sort()
        .join(',');
    informer.addEventHandler({
      onAdd: (o, initial) => void (!initial && seen.push(`add ${o.metadata?.name}: ${snapshot()}`)),
      onUpdate: (_a, b) => void seen.push(`update ${b.metadata?.name}: ${snapshot()}`),
      onDelete: (o) => void seen.push(`delete ${(o as { key?: string }).key}: ${snapshot()}`),
    });
    start((sig) => informer.run(sig));
    await until(() => informer.hasSynced());
    s.faults.hideEventsFromWatchers(true);
    s.delete('pods', 'ns', 'p0');
    s.patch('pods', 'ns', 'p1', { status: { phase: 'Failed' } });
    s.create('pods', makePod({ namespace: 'ns', name: 'p3' }));
    s.faults.hideEventsFromWatchers(false);
    s.compact();
    s.faults.expireWatches();
    await until(() => seen.length === 3);
    expect(seen).toEqual(['delete ns/p0: p1,p2,p3', 'update p1: p1,p2,p3', 'add p3: p1,p2,p3']);
  });
});

describe('newInformer queue processing', () => {
  it('synchronous handlers see the whole list applied, and the controller not yet synced while it is', async () => {
    const s = await api(5);
    const seen: string[] = [];
    const { store, controller } = newInformer({
      listWatch: podsLW(s),
      handlers: {
        onAdd: (o: KubeObject) =>
          void seen.push(
            `${o.metadata?.name}:${store.listKeys().length}:${controller.hasSynced()}`,
          ),
      },
    });
    start((sig) => controller.run(sig));
    await until(() => controller.hasSynced() && seen.length === 5);
    expect(seen.sort()).toEqual([
      'p0:5:false',
      'p1:5:false',
      'p2:5:false',
      'p3:5:false',
      'p4:5:false',
    ]);
  });
});
