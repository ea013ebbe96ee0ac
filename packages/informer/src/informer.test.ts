// Informer behaviours (client-go shared_informer_test.go, controller_test.go), re-expressed against
// the in-process API server over real HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, type KubeObject } from '@kubecache/core';
import { createListWatch } from '@kubecache/listwatch';
import { isDeletedFinalStateUnknown } from '@kubecache/store';
import { makePod, startApiServer, type ApiServer } from '@kubecache/testing';
import { newInformer } from './controller.js';
import { createSharedInformerFactory } from './factory.js';
import { createSharedIndexInformer, type SharedIndexInformerOptions } from './shared-informer.js';
import { stripManagedFields } from './transforms.js';
import { waitForCacheSync } from './wait.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function api(): Promise<ApiServer> {
  const s = await startApiServer();
  cleanups.push(() => s.close());
  return s;
}

async function until(cond: () => boolean, timeoutMs = 8000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const podsLW = (s: ApiServer) =>
  createListWatch(s.kubeConfig, { group: '', version: 'v1', resource: 'pods', kind: 'Pod' });
const name = (o: unknown): string =>
  isDeletedFinalStateUnknown(o) ? `${o.key}(tombstone)` : ((o as KubeObject).metadata?.name ?? '?');

function runInformer(s: ApiServer, options: SharedIndexInformerOptions<KubeObject> = {}) {
  const informer = createSharedIndexInformer(podsLW(s), {
    reflector: { backoff: { initialMs: 10, capMs: 40, jitter: 0 } },
    ...options,
  });
  const ac = new AbortController();
  let done: Promise<void> | undefined;
  const start = (): void => {
    done = informer.run(ac.signal);
  };
  const stop = async (): Promise<void> => {
    ac.abort();
    await done;
  };
  cleanups.push(stop);
  return { informer, start, stop, signal: ac.signal };
}

function recorder() {
  const log: string[] = [];
  return {
    log,
    handler: {
      onAdd: (o: KubeObject, initial: boolean) =>
        void log.push(`add ${name(o)}${initial ? ' initial' : ''}`),
      onUpdate: (a: KubeObject, b: KubeObject) =>
        void log.push(
          `update ${name(b)} ${a.metadata?.resourceVersion}->${b.metadata?.resourceVersion}`,
        ),
      onDelete: (o: unknown) => void log.push(`delete ${name(o)}`),
    },
  };
}

describe('newInformer (the seed framework.NewInformer example)', () => {
  it('keeps a store in sync and calls add/update/delete handlers', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'ns', name: 'a' }));
    const events: string[] = [];
    const { store, controller } = newInformer({
      listWatch: podsLW(s),
      handlers: {
        onAdd: (o) => void events.push(`add ${name(o)}`),
        onUpdate: (_o, n) => void events.push(`update ${name(n)}`),
        onDelete: (o) => void events.push(`delete ${name(o)}`),
      },
    });
    const ac = new AbortController();
    const done = controller.run(ac.signal);
    cleanups.push(async () => {
      ac.abort();
      await done;
    });
    await until(() => controller.hasSynced());
    s.create('pods', makePod({ namespace: 'ns', name: 'b' }));
    s.patch('pods', 'ns', 'b', { status: { phase: 'Failed' } });
    s.delete('pods', 'ns', 'a');
    await until(() => events.length === 4);
    expect(events).toEqual(['add a', 'add b', 'update b', 'delete a']);
    expect(store.listKeys()).toEqual(['ns/b']);
    expect(controller.lastSyncResourceVersion()).toBe(s.resourceVersion());
  });
});

describe.each(['realfifo', 'deltafifo'] as const)('SharedIndexInformer with %s', (queue) => {
  it('delivers onUpdate(old, new) pairs and one delete per deleted object, in order', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'ns', name: 'a' }));
    const { informer, start } = runInformer(s, { queue });
    const r = recorder();
    informer.addEventHandler(r.handler);
    start();
    await until(() => informer.hasSynced());
    const rv1 = s.get('pods', 'ns', 'a')!.metadata!.resourceVersion!;
    const rv2 = s.patch('pods', 'ns', 'a', { status: { phase: 'Failed' } }).metadata!
      .resourceVersion!;
    s.delete('pods', 'ns', 'a');
    await until(() => r.log.length === 3);
    expect(r.log).toEqual(['add a initial', `update a ${rv1}->${rv2}`, 'delete a']);
  });

  it('after a relist: tombstones for vanished objects, updates only for changed ones', async () => {
    const s = await api();
    for (const n of ['keep', 'change', 'gone'])
      s.create('pods', makePod({ namespace: 'ns', name: n }));
    const { informer, start } = runInformer(s, { queue });
    const r = recorder();
    informer.addEventHandler(r.handler);
    start();
    await until(() => informer.hasSynced() && r.log.length === 3);
    s.faults.hideEventsFromWatchers(true);
    s.patch('pods', 'ns', 'change', { status: { phase: 'Failed' } });
    s.delete('pods', 'ns', 'gone');
    s.faults.hideEventsFromWatchers(false);
    s.compact();
    s.faults.expireWatches();
    await until(() => r.log.length === 5);
    await new Promise((res) => setTimeout(res, 50));
    const after = r.log.slice(3).sort();
    expect(after[0]).toBe('delete ns/gone(tombstone)');
    expect(after[1]).toMatch(/^update change \d+->\d+$/);
    expect(r.log).toHaveLength(5);
    expect(informer.getStore().listKeys().sort()).toEqual(['ns/change', 'ns/keep']);
  });

  it('a relist keeps the cached instance of unchanged objects and transforms only new ones', async () => {
    const s = await api();
    for (let i = 0; i < 30; i++) s.create('pods', makePod({ namespace: 'ns', name: `p${i}` }));
    let transformed = 0;
    const { informer, start } = runInformer(s, {
      queue,
      // LIST (not WatchList, the default) in several pages: each is mapped as it arrives.
      reflector: { pageSize: 7, useWatchList: false },
      transform: (o) => {
        transformed++;
        return stripManagedFields(o);
      },
    });
    const r = recorder();
    informer.addEventHandler(r.handler);
    start();
    await until(() => informer.hasSynced() && r.log.length === 30);
    expect(transformed).toBe(30);
    const before = new Map(
      informer
        .getStore()
        .list()
        .map((o) => [o.metadata?.name, o]),
    );
    s.faults.hideEventsFromWatchers(true);
    s.patch('pods', 'ns', 'p3', { status: { phase: 'Failed' } });
    s.faults.hideEventsFromWatchers(false);
    s.compact();
    s.faults.expireWatches();
    await until(() => r.log.length === 31);
    await new Promise((res) => setTimeout(res, 50));
    expect(r.log[30]).toMatch(/^update p3 \d+->\d+$/);
    expect(transformed).toBe(31); // p3 only
    for (const o of informer.getStore().list()) {
      const name = o.metadata?.name;
      if (name === 'p3') expect(o).not.toBe(before.get(name));
      else expect(o).toBe(before.get(name));
      expect(o.metadata?.managedFields).toBeUndefined();
    }
  });

  it('gives late handlers synthetic initial adds and a per-registration hasSynced', async () => {
    const s = await api();
    for (const n of ['a', 'b']) s.create('pods', makePod({ namespace: 'ns', name: n }));
    const { informer, start, signal } = runInformer(s, { queue });
    start();
    expect(await waitForCacheSync(signal, informer)).toBe(true);
    const slow: string[] = [];
    const reg = informer.addEventHandler({
      onAdd: async (o, initial) => {
        await new Promise((res) => setTimeout(res, 20));
        slow.push(`${name(o)} ${initial}`);
      },
    });
    expect(reg.hasSynced()).toBe(false);
    expect(await waitForCacheSync(signal, reg)).toBe(true);
    expect(slow.sort()).toEqual(['a true', 'b true']);
    await reg.remove();
    s.create('pods', makePod({ namespace: 'ns', name: 'c' }));
    await new Promise((res) => setTimeout(res, 100));
    expect(slow).toHaveLength(2);
  });

  it('isolates throwing, rejecting and slow handlers from each other', async () => {
    const s = await api();
    const errors: string[] = [];
    const { informer, start } = runInformer(s, {
      queue,
      onHandlerError: (e) => errors.push(e.message),
    });
    informer.addEventHandler({
      onAdd: () => {
        throw new Error('sync boom');
      },
    });
    informer.addEventHandler({ onAdd: () => Promise.reject(new Error('async boom')) });
    const slowSeen: string[] = [];
    const slow = informer.addEventHandler({
      onAdd: async (o) => {
        await new Promise((res) => setTimeout(res, 30));
        slowSeen.push(name(o));
      },
    });
    const fast = recorder();
    informer.addEventHandler(fast.handler);
    start();
    await until(() => informer.hasSynced());
    for (let i = 0; i < 10; i++) s.create('pods', makePod({ namespace: 'ns', name: `p${i}` }));
    await until(() => fast.log.length === 10);
    expect(slowSeen.length).toBeLessThan(10);
    expect(slow.queueDepth()).toBeGreaterThan(0);
    await until(() => slowSeen.length === 10);
    expect(slowSeen).toEqual(Array.from({ length: 10 }, (_, i) => `p${i}`));
    expect(errors.filter((e) => e === 'sync boom')).toHaveLength(10);
    expect(errors.filter((e) => e === 'async boom')).toHaveLength(10);
  });

  it('applies a transform such as stripManagedFields', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'ns', name: 'a' }));
    const { informer, start } = runInformer(s, { queue });
    informer.setTransform(stripManagedFields);
    start();
    await until(() => informer.hasSynced());
    expect(informer.getStore().list()[0]?.metadata?.managedFields).toBeUndefined();
    expect(() => informer.setTransform(stripManagedFields)).toThrow(/already started/);
  });
});

describe('per-handler resync', () => {
  it('delivers resyncs only to handlers whose period is due (client-go resyncCheckPeriod)', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'ns', name: 'a' }));
    const clock = new FakeClock();
    const { informer, start } = runInformer(s, { clock });
    const fast = recorder();
    const slow = recorder();
    const none = recorder();
    informer.addEventHandler(fast.handler, { resyncPeriodMs: 1000 });
    informer.addEventHandler(slow.handler, { resyncPeriodMs: 3000 });
    informer.addEventHandler(none.handler);
    start();
    await until(() => informer.hasSynced() && fast.log.length === 1);
    for (let i = 0; i < 3; i++) {
      await clock.advance(1000);
      await new Promise((res) => setTimeout(res, 20));
    }
    const rv = s.get('pods', 'ns', 'a')!.metadata!.resourceVersion!;
    expect(fast.log.filter((l) => l === `update a ${rv}->${rv}`)).toHaveLength(3);
    expect(slow.log.filter((l) => l.startsWith('update'))).toHaveLength(1);
    expect(none.log.filter((l) => l.startsWith('update'))).toHaveLength(0);
  });
});

describe('SharedInformerFactory', () => {
  it('shares informers per GVR, starts, syncs and shuts down leaving no sockets or timers', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'ns', name: 'a' }));
    s.create('configmaps', { metadata: { name: 'c', namespace: 'ns' } });
    const before = process.getActiveResourcesInfo();
    const factory = createSharedInformerFactory(s.kubeConfig);
    const pods = factory.pods();
    expect(
      factory.forResource({ group: '', version: 'v1', resource: 'pods' }, { kind: 'Pod' }),
    ).toBe(pods);
    const cms = factory.configMaps();
    const meta = factory.metadataFor({ group: '', version: 'v1', resource: 'pods' });
    factory.start();
    const synced = await factory.waitForCacheSync(AbortSignal.timeout(5000));
    expect([...synced.values()]).toEqual([true, true, true]);
    expect(pods.getLister().byNamespace('ns').get('a')?.metadata?.name).toBe('a');
    expect(cms.getStore().listKeys()).toEqual(['ns/c']);
    expect(Object.keys(meta.getStore().list()[0]!)).toEqual(['kind', 'apiVersion', 'metadata']);
    await factory.shutdown();
    expect(pods.isStopped()).toBe(true);
    await new Promise((res) => setTimeout(res, 20));
    const after = process.getActiveResourcesInfo();
    const count = (xs: string[], k: string) => xs.filter((x) => x === k).length;
    expect(count(after, 'Timeout')).toBeLessThanOrEqual(count(before, 'Timeout'));
    expect(count(after, 'TCPSocketWrap')).toBeLessThanOrEqual(count(before, 'TCPSocketWrap') + 1);
  });

  it('waitForCacheSync polls plain functions and returns false on abort', async () => {
    let ready = false;
    setTimeout(() => (ready = true), 150);
    expect(await waitForCacheSync(AbortSignal.timeout(2000), () => ready)).toBe(true);
    expect(await waitForCacheSync(AbortSignal.timeout(50), () => false)).toBe(false);
  });
});
