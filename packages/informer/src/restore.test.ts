// An informer following a cluster restored from an older etcd backup, over real HTTP: objects are
// recreated there with new uids at the resource versions the cache already holds. Object identity
// is uid + resourceVersion, so the cache and every handler get the recreated objects.
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { createListWatch } from '@kubecache/listwatch';
import { makePod, startApiServer, type ApiServer } from '@kubecache/testing';
import { createSharedIndexInformer, type SharedIndexInformerOptions } from './shared-informer.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(cond: () => boolean, timeoutMs = 8000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const uids = (objs: readonly KubeObject[]): string[] => objs.map((o) => o.metadata!.uid!).sort();

/**
 * Server A holds three pods, then other writes move its resource version on; an informer syncs
 * to it. A is replaced by B on the same port — an older backup: the same three pods recreated
 * (new uids, same resource versions), and a lower current resource version.
 */
async function restoreScenario(options: SharedIndexInformerOptions<KubeObject>) {
  const a = await startApiServer();
  cleanups.push(() => a.close());
  for (let i = 0; i < 3; i++) a.create('pods', makePod({ namespace: 'a', name: `p${i}` }));
  for (let i = 0; i < 5; i++)
    a.create('configmaps', { metadata: { namespace: 'a', name: `c${i}` } });
  // The restored server's "too large" answers carry Retry-After; do not wait them out here.
  const lwOptions = { group: '', version: 'v1', resource: 'pods', kind: 'Pod', maxRetries: 0 };
  const informer = createSharedIndexInformer(createListWatch(a.kubeConfig, lwOptions), {
    ...options,
    reflector: {
      backoff: { initialMs: 10, capMs: 40, jitter: 0 },
      staleListRetries: 1,
      ...options.reflector,
    },
  });
  const updates: [string, string][] = [];
  informer.addEventHandler({
    onAdd: () => undefined,
    onUpdate: (oldObj, newObj) => {
      updates.push([oldObj.metadata!.uid!, newObj.metadata!.uid!]);
    },
    onDelete: () => undefined,
  });
  const ac = new AbortController();
  const done = informer.run(ac.signal);
  cleanups.push(async () => {
    ac.abort();
    await done;
  });
  await until(() => informer.hasSynced() && informer.getIndexer().list().length === 3);
  const before = uids(informer.getIndexer().list());
  const port = Number(new URL(a.url).port);
  await a.close();
  const b: ApiServer = await startApiServer({ port });
  cleanups.push(() => b.close());
  for (let i = 0; i < 3; i++) b.create('pods', makePod({ namespace: 'a', name: `p${i}` }));
  const after = uids(b.list('pods').items);
  // Same names and resource versions as cached, other uids.
  expect(b.list('pods').items.map((p) => p.metadata!.resourceVersion)).toEqual(
    informer
      .getIndexer()
      .list()
      .map((p) => p.metadata!.resourceVersion)
      .sort(),
  );
  return { informer, before, after, updates };
}

describe('an informer after a restore from an older etcd backup', () => {
  for (const queue of ['realfifo', 'deltafifo'] as const) {
    it(`replaces objects recreated at the cached resource versions (new uids) and tells every handler (${queue})`, async () => {
      const { informer, before, after, updates } = await restoreScenario({
        queue,
        reflector: { useWatchList: false },
      });
      expect(after).not.toEqual(before);
      await until(
        () => JSON.stringify(uids(informer.getIndexer().list())) === JSON.stringify(after),
        10_000,
        'the recreated pods in the cache',
      );
      await until(() => updates.length === 3, 2000, 'three updates');
      expect(updates.every(([o, n]) => before.includes(o) && after.includes(n))).toBe(true);
    });
  }

  it('converges with WatchList too', async () => {
    const { informer, after } = await restoreScenario({ reflector: { useWatchList: true } });
    await until(
      () => JSON.stringify(uids(informer.getIndexer().list())) === JSON.stringify(after),
      10_000,
      'the recreated pods in the cache',
    );
  });
});
