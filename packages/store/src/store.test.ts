import { describe, expect, it } from 'vitest';
import { createIndexer, metaNamespaceIndexFunc, namespaceIndex } from './indexer.js';
import { describeStoreContract } from './store-contract.test-helper.js';
import { createStore, isBookmarkStore, isResourceVersionUpdater } from './store.js';

describeStoreContract('createStore', () => createStore());
describeStoreContract('createIndexer', () =>
  createIndexer(undefined, { [namespaceIndex]: metaNamespaceIndexFunc }),
);

describe('store capabilities', () => {
  it('recognises bookmark stores and resource version updaters by their methods', () => {
    expect(isBookmarkStore({ bookmark: () => {} })).toBe(true);
    // client-go 1.36: every store takes bookmarks (Store.Bookmark), so a Reflector feeding a plain
    // store moves its lastStoreSyncResourceVersion.
    expect(isBookmarkStore(createStore())).toBe(true);
    expect(isBookmarkStore({})).toBe(false);
    expect(isResourceVersionUpdater({ updateResourceVersion: () => {} })).toBe(true);
    expect(isResourceVersionUpdater(null)).toBe(false);
  });

  it('accepts a custom key function', () => {
    const s = createStore<{ id: string }>((o) => o.id);
    s.add({ id: 'k1' });
    expect(s.getByKey('k1')).toEqual({ id: 'k1' });
  });
});
