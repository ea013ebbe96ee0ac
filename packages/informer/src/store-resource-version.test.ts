// The informer's cache knows its resource version (client-go 1.36 LastStoreSyncResourceVersion,
// KEP-5647), moved by lists, events and bookmarks once processed — over real HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import {
  MemoryMetricsProvider,
  compareResourceVersion,
  informerMetricNames,
  type KubeObject,
} from '@kubecache/core';
import { createListWatch } from '@kubecache/listwatch';
import { makePod, startApiServer, type ApiServer } from '@kubecache/testing';
import { createSharedIndexInformer, type SharedIndexInformerOptions } from './shared-informer.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(cond: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function started(
  options: SharedIndexInformerOptions<KubeObject> & { bookmarkIntervalMs?: number } = {},
) {
  const { bookmarkIntervalMs, ...informerOptions } = options;
  const s: ApiServer = await startApiServer({ bookmarkIntervalMs: bookmarkIntervalMs ?? 60_000 });
  cleanups.push(() => s.close());
  const lw = createListWatch(s.kubeConfig, {
    group: '',
    version: 'v1',
    resource: 'pods',
    kind: 'Pod',
  });
  const informer = createSharedIndexInformer(lw, {
    reflector: { backoff: { initialMs: 10, capMs: 40, jitter: 0 } },
    ...informerOptions,
  });
  // Every value the store's resource version takes, seen by a handler (after each change).
  const seen: string[] = [];
  informer.addEventHandler({
    onAdd: () => void seen.push(informer.lastStoreSyncResourceVersion()),
    onUpdate: () => void seen.push(informer.lastStoreSyncResourceVersion()),
    onDelete: () => void seen.push(informer.lastStoreSyncResourceVersion()),
  });
  const ac = new AbortController();
  const done = informer.run(ac.signal);
  cleanups.push(async () => {
    ac.abort();
    await done;
  });
  return { s, informer, seen };
}

describe('lastStoreSyncResourceVersion', () => {
  it("is '' before the first list, then the list's resource version", async () => {
    const s0 = await startApiServer();
    cleanups.push(() => s0.close());
    const informer = createSharedIndexInformer(
      createListWatch(s0.kubeConfig, { group: '', version: 'v1', resource: 'pods', kind: 'Pod' }),
    );
    expect(informer.lastStoreSyncResourceVersion()).toBe('');
    s0.create('pods', makePod({ namespace: 'ns', name: 'a' }));
    const listRv = s0.resourceVersion();
    const ac = new AbortController();
    const done = informer.run(ac.signal);
    cleanups.push(async () => {
      ac.abort();
      await done;
    });
    expect(await informer.whenSynced()).toBe(true);
    expect(informer.lastStoreSyncResourceVersion()).toBe(listRv);
    expect(informer.getIndexer().lastStoreSyncResourceVersion()).toBe(listRv);
  });

  it('moves with each event, to the resource version of the changed object, once it is in the cache', async () => {
    const { s, informer, seen } = await started();
    expect(await informer.whenSynced()).toBe(true);
    const created = s.create('pods', makePod({ namespace: 'ns', name: 'a' }));
    await until(
      () => informer.lastStoreSyncResourceVersion() === created.metadata?.resourceVersion,
      'the ADDED',
    );
    // The cache holds what the resource version says.
    expect(informer.getIndexer().getByKey('ns/a')?.metadata?.resourceVersion).toBe(
      created.metadata?.resourceVersion,
    );
    const updated = s.update('pods', {
      ...created,
      metadata: { ...created.metadata, labels: { x: 'y' } },
    });
    await until(
      () => informer.lastStoreSyncResourceVersion() === updated.metadata?.resourceVersion,
      'the MODIFIED',
    );
    s.delete('pods', 'ns', 'a');
    const deletedAt = s.resourceVersion();
    await until(() => informer.lastStoreSyncResourceVersion() === deletedAt, 'the DELETED');
    expect(informer.getIndexer().getByKey('ns/a')).toBeUndefined();
    expect(seen.slice(-3)).toEqual([
      created.metadata?.resourceVersion,
      updated.metadata?.resourceVersion,
      deletedAt,
    ]);
  });

  it('moves with watch bookmarks (allowWatchBookmarks) though no pod changed', async () => {
    const { s, informer } = await started({ bookmarkIntervalMs: 30 });
    expect(await informer.whenSynced()).toBe(true);
    const listed = informer.lastStoreSyncResourceVersion();
    // Another resource changes: the shared resource version moves, no pod event is sent.
    s.create('configmaps', { metadata: { namespace: 'ns', name: 'c' } });
    const target = s.resourceVersion();
    expect(compareResourceVersion(target, listed)).toBe(1);
    await until(
      () => informer.lastStoreSyncResourceVersion() === target,
      'a bookmark at the new RV',
    );
    expect(informer.getIndexer().list()).toEqual([]);
  });

  it('never goes back while events and bookmarks are processed', async () => {
    const { s, informer, seen } = await started({ bookmarkIntervalMs: 5 });
    expect(await informer.whenSynced()).toBe(true);
    const observed: string[] = [];
    const timer = setInterval(() => observed.push(informer.lastStoreSyncResourceVersion()), 1);
    for (let i = 0; i < 40; i++) {
      s.create('pods', makePod({ namespace: 'ns', name: `p${String(i)}` }));
      if (i % 3 === 0)
        s.create('configmaps', { metadata: { namespace: 'ns', name: `c${String(i)}` } });
      if (i % 5 === 0) await new Promise((r) => setTimeout(r, 3));
    }
    const last = s.resourceVersion();
    await until(
      () =>
        informer.lastStoreSyncResourceVersion() === last ||
        informer.getIndexer().list().length === 40,
      'every event',
    );
    clearInterval(timer);
    const all = [...observed, ...seen].filter((rv) => rv !== '');
    for (const series of [observed.filter((rv) => rv !== ''), seen]) {
      for (let i = 1; i < series.length; i++)
        expect(compareResourceVersion(series[i]!, series[i - 1]!)).toBeGreaterThanOrEqual(0);
    }
    expect(all.length).toBeGreaterThan(0);
  });

  it("exports informer_store_resource_version and informer_queued_items, labelled with the informer's GVR", async () => {
    const provider = new MemoryMetricsProvider();
    const { s, informer } = await started({
      metricsProvider: provider,
      name: 'pods.v1',
      resource: { group: '', version: 'v1', resource: 'pods' },
    });
    expect(await informer.whenSynced()).toBe(true);
    const created = s.create('pods', makePod({ namespace: 'ns', name: 'a' }));
    const rv = created.metadata!.resourceVersion!;
    await until(() => informer.lastStoreSyncResourceVersion() === rv, 'the ADDED');
    const id = { name: 'pods.v1', group: '', version: 'v1', resource: 'pods' };
    expect(provider.value(informerMetricNames.storeResourceVersion, id)).toBe(Number(rv));
    expect(provider.value(informerMetricNames.queuedItems, id)).toBe(0);
    expect(
      provider.histogramValue(informerMetricNames.processingLatency, id).count,
    ).toBeGreaterThanOrEqual(2); // the list and the ADDED
  });
});
