// onStoreChange: a listener called after each change applied to the informer's cache (events,
// lists, bookmarks), so a caller can wait for the cache's resource version without polling.
import { afterEach, describe, expect, it } from 'vitest';
import { compareResourceVersion } from '@kubecache/core';
import { createListWatch } from '@kubecache/listwatch';
import { makePod, startApiServer } from '@kubecache/testing';
import { createSharedIndexInformer } from './shared-informer.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('onStoreChange', () => {
  it('is called once the cache applied a change, with the cache already at its resource version', async () => {
    const s = await startApiServer();
    cleanups.push(() => s.close());
    const informer = createSharedIndexInformer(
      createListWatch(s.kubeConfig, { group: '', version: 'v1', resource: 'pods', kind: 'Pod' }),
    );
    const seen: { rv: string; cached: boolean }[] = [];
    const remove = informer.onStoreChange(() => {
      seen.push({
        rv: informer.lastStoreSyncResourceVersion(),
        cached: informer.getStore().getByKey('ns/a') !== undefined,
      });
    });
    informer.onStoreChange(() => {
      throw new Error('a throwing listener is ignored');
    });
    const ac = new AbortController();
    const done = informer.run(ac.signal);
    cleanups.push(async () => {
      ac.abort();
      await done;
    });
    expect(await informer.whenSynced()).toBe(true);
    const afterList = seen.length;
    expect(afterList).toBeGreaterThan(0);
    s.create('pods', makePod({ namespace: 'ns', name: 'a' }));
    const createdRv = s.resourceVersion();
    await new Promise<void>((resolve) => {
      const off = informer.onStoreChange(() => {
        if (informer.getStore().getByKey('ns/a') !== undefined) {
          off();
          resolve();
        }
      });
    });
    const last = seen.at(-1);
    expect(last?.cached).toBe(true);
    expect(compareResourceVersion(last?.rv ?? '0', createdRv)).toBe(0);
    remove();
    const count = seen.length;
    s.create('pods', makePod({ namespace: 'ns', name: 'b' }));
    await new Promise<void>((resolve) => {
      const off = informer.onStoreChange(() => {
        if (informer.getStore().getByKey('ns/b') !== undefined) {
          off();
          resolve();
        }
      });
    });
    expect(seen.length).toBe(count); // removed: not called any more
  });
});
