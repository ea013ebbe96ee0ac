import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import {
  createIndexer,
  IndexError,
  isIndexError,
  metaNamespaceIndexFunc,
  namespaceIndex,
} from './indexer.js';
import { deletionHandlingMetaNamespaceKeyFunc } from './keys.js';
import { DeletedFinalStateUnknown } from './tombstone.js';

const pod = (ns: string, name: string, labels: Record<string, string> = {}): KubeObject => ({
  metadata: { namespace: ns, name, labels },
});
const byApp = (o: KubeObject): string[] => (o.metadata?.labels?.app ? [o.metadata.labels.app] : []);

describe('Indexer', () => {
  it('keeps indices consistent across add, update and delete (thread_safe_store_test TestThreadSafeStoreIndexingFunctionsWithMultipleValues)', () => {
    const idx = createIndexer(undefined, { [namespaceIndex]: metaNamespaceIndexFunc, app: byApp });
    idx.add(pod('a', 'p1', { app: 'web' }));
    idx.add(pod('a', 'p2', { app: 'db' }));
    idx.add(pod('b', 'p3', { app: 'web' }));
    expect(
      idx
        .byIndex('app', 'web')
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['p1', 'p3']);
    idx.update(pod('a', 'p1', { app: 'db' }));
    expect(idx.indexKeys('app', 'web')).toEqual(['b/p3']);
    expect(idx.indexKeys('app', 'db').sort()).toEqual(['a/p1', 'a/p2']);
    idx.delete(pod('b', 'p3'));
    expect(idx.listIndexFuncValues('app')).toEqual(['db']);
    expect(idx.byIndex(namespaceIndex, 'a')).toHaveLength(2);
    expect(idx.index('app', pod('z', 'q', { app: 'db' }))).toHaveLength(2);
  });

  it('serves the new object after an update that keeps every index value, and refiles when only the order of values changes', () => {
    const byLetters = (o: KubeObject): string[] => (o.metadata?.labels?.l ?? '').split('');
    const idx = createIndexer(undefined, { letters: byLetters, app: byApp });
    idx.add(pod('a', 'p1', { app: 'web', l: 'xy' }));
    const next = pod('a', 'p1', { app: 'web', l: 'xy', other: '1' });
    idx.update(next);
    expect(idx.byIndex('app', 'web')).toEqual([next]);
    expect(idx.byIndex('letters', 'x')).toEqual([next]);
    idx.update(pod('a', 'p1', { app: 'web', l: 'yx' }));
    idx.update(pod('a', 'p1', { app: 'web', l: 'y' }));
    expect(idx.indexKeys('letters', 'x')).toEqual([]);
    expect(idx.listIndexFuncValues('letters')).toEqual(['y']);
  });

  it('adds indexers after items exist (TestAddIndexerAfterAdd)', () => {
    const idx = createIndexer();
    idx.add(pod('a', 'p1', { app: 'web' }));
    idx.add(pod('b', 'p2'));
    idx.addIndexers({ app: byApp });
    expect(idx.indexKeys('app', 'web')).toEqual(['a/p1']);
    idx.add(pod('c', 'p3', { app: 'web' }));
    expect(idx.indexKeys('app', 'web').sort()).toEqual(['a/p1', 'c/p3']);
    expect(() => idx.addIndexers({ app: byApp })).toThrow(IndexError);
  });

  it('leaves store and indices unchanged when an index function throws', () => {
    const boom = (o: KubeObject): string[] => {
      if (o.metadata?.name === 'bad') throw new Error('boom');
      return byApp(o);
    };
    const idx = createIndexer(undefined, { app: boom });
    idx.add(pod('a', 'p1', { app: 'web' }));
    let err: unknown;
    try {
      idx.update(pod('a', 'bad', { app: 'x' }));
    } catch (e) {
      err = e;
    }
    expect(isIndexError(err)).toBe(true);
    expect((err as IndexError).indexName).toBe('app');
    expect(() => idx.replace([pod('a', 'ok'), pod('a', 'bad')], '5')).toThrow(IndexError);
    expect(idx.listKeys()).toEqual(['a/p1']);
    expect(idx.indexKeys('app', 'web')).toEqual(['a/p1']);
    // A failing addIndexers installs nothing.
    const idx2 = createIndexer();
    idx2.add(pod('a', 'bad'));
    expect(() => idx2.addIndexers({ app: boom })).toThrow(IndexError);
    expect(Object.keys(idx2.getIndexers())).toEqual([]);
  });

  it('rejects unknown index names', () => {
    expect(() => createIndexer().byIndex('nope', 'x')).toThrow(/does not exist/);
  });

  it('matches a brute-force model after random operation sequences', () => {
    const name = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    const app = fc.constantFrom('web', 'db', 'cache', undefined);
    const op = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), ns: fc.constantFrom('x', 'y'), name, app }),
      fc.record({ kind: fc.constant('delete' as const), ns: fc.constantFrom('x', 'y'), name }),
      fc.record({
        kind: fc.constant('replace' as const),
        items: fc.array(fc.record({ ns: fc.constantFrom('x', 'y'), name, app }), { maxLength: 6 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const idx = createIndexer(undefined, {
          [namespaceIndex]: metaNamespaceIndexFunc,
          app: byApp,
        });
        const model = new Map<string, KubeObject>();
        const mk = (ns: string, n: string, a: string | undefined): KubeObject =>
          pod(ns, n, a ? { app: a } : {});
        for (const o of ops) {
          if (o.kind === 'put') {
            idx.add(mk(o.ns, o.name, o.app));
            model.set(`${o.ns}/${o.name}`, mk(o.ns, o.name, o.app));
          } else if (o.kind === 'delete') {
            idx.delete(pod(o.ns, o.name));
            model.delete(`${o.ns}/${o.name}`);
          } else {
            idx.replace(
              o.items.map((i) => mk(i.ns, i.name, i.app)),
              '1',
            );
            model.clear();
            for (const i of o.items) model.set(`${i.ns}/${i.name}`, mk(i.ns, i.name, i.app));
          }
        }
        expect(idx.listKeys().sort()).toEqual([...model.keys()].sort());
        for (const v of ['web', 'db', 'cache']) {
          const want = [...model]
            .filter(([, o]) => o.metadata?.labels?.app === v)
            .map(([k]) => k)
            .sort();
          expect(idx.indexKeys('app', v).sort()).toEqual(want);
        }
        const values = new Set([...model.values()].flatMap(byApp));
        expect(idx.listIndexFuncValues('app').sort()).toEqual([...values].sort());
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('files objects under every value a multi-value index function returns (index_test TestMultiIndexKeys)', () => {
    const byLetters = (o: KubeObject): string[] => (o.metadata?.labels?.l ?? '').split('');
    const idx = createIndexer(undefined, { letters: byLetters });
    idx.add(pod('n', 'one', { l: 'ab' }));
    idx.add(pod('n', 'two', { l: 'bc' }));
    idx.add(pod('n', 'dup', { l: 'dd' }));
    expect(idx.indexKeys('letters', 'b').sort()).toEqual(['n/one', 'n/two']);
    expect(idx.indexKeys('letters', 'd')).toEqual(['n/dup']);
    // index() unions the keys of every value of the probe object, once each.
    expect(idx.index('letters', pod('x', 'probe', { l: 'abc' }))).toHaveLength(2);
    idx.update(pod('n', 'one', { l: 'z' }));
    expect(idx.indexKeys('letters', 'a')).toEqual([]);
    expect(idx.listIndexFuncValues('letters').sort()).toEqual(['b', 'c', 'd', 'z']);
    idx.delete(pod('n', 'dup'));
    expect(idx.listIndexFuncValues('letters').sort()).toEqual(['b', 'c', 'z']);
  });

  it('rebuilds indices on replace, dropping values no longer present', () => {
    const idx = createIndexer(undefined, { app: byApp });
    idx.add(pod('a', 'p1', { app: 'old' }));
    idx.replace([pod('a', 'p2', { app: 'new' })], '9');
    expect(idx.listIndexFuncValues('app')).toEqual(['new']);
    expect(idx.byIndex('app', 'old')).toEqual([]);
    expect(idx.indexKeys('app', 'new')).toEqual(['a/p2']);
  });

  it('returns a copy of the index functions from getIndexers', () => {
    const idx = createIndexer(undefined, { app: byApp });
    const copy = idx.getIndexers();
    delete copy.app;
    expect(Object.keys(idx.getIndexers())).toEqual(['app']);
  });

  it('rejects an index function that returns something other than an array', () => {
    const idx = createIndexer(undefined, {
      bad: (() => 'oops') as unknown as (o: KubeObject) => string[],
    });
    expect(() => idx.add(pod('a', 'p'))).toThrow(/did not return an array/);
    expect(idx.listKeys()).toEqual([]);
  });

  it('wraps the thrown value as the IndexError cause', () => {
    const cause = new Error('nope');
    const idx = createIndexer(undefined, {
      bad: () => {
        throw cause;
      },
    });
    let err: unknown;
    try {
      idx.add(pod('a', 'p'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IndexError);
    expect((err as IndexError).cause).toBe(cause);
    expect((err as IndexError).name).toBe('IndexError');
    expect(() => idx.index('bad', pod('a', 'p'))).toThrow(IndexError);
  });

  it('keeps indices consistent when addIndexers happens in the middle of random operations', () => {
    const name = fc.constantFrom('a', 'b', 'c');
    const op = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), ns: fc.constantFrom('x', 'y', 'z'), name }),
      fc.record({ kind: fc.constant('delete' as const), ns: fc.constantFrom('x', 'y', 'z'), name }),
      fc.record({ kind: fc.constant('addIndexer' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const idx = createIndexer();
        const model = new Map<string, string>();
        for (const o of ops) {
          if (o.kind === 'put') {
            idx.add(pod(o.ns, o.name));
            model.set(`${o.ns}/${o.name}`, o.ns);
          } else if (o.kind === 'delete') {
            idx.delete(pod(o.ns, o.name));
            model.delete(`${o.ns}/${o.name}`);
          } else if (!(namespaceIndex in idx.getIndexers())) {
            idx.addIndexers({ [namespaceIndex]: metaNamespaceIndexFunc });
          }
        }
        if (!(namespaceIndex in idx.getIndexers())) return;
        for (const ns of ['x', 'y', 'z']) {
          const want = [...model]
            .filter(([, v]) => v === ns)
            .map(([k]) => k)
            .sort();
          expect(idx.indexKeys(namespaceIndex, ns).sort()).toEqual(want);
        }
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it('indexes by namespace, cluster-scoped objects under the empty string', () => {
    expect(metaNamespaceIndexFunc(pod('ns', 'a'))).toEqual(['ns']);
    expect(metaNamespaceIndexFunc({ metadata: { name: 'node' } })).toEqual(['']);
    expect(() => metaNamespaceIndexFunc({})).toThrow(TypeError);
    const idx = createIndexer<KubeObject>(() => 'fixed', {
      [namespaceIndex]: metaNamespaceIndexFunc,
    });
    expect(() => idx.add({ kind: 'Pod' })).toThrow(IndexError);
    expect(idx.listKeys()).toEqual([]);
  });
});

describe('lastStoreSyncResourceVersion (client-go 1.36)', () => {
  const pod = (name: string, rv?: string): KubeObject => ({
    metadata: { namespace: 'ns', name, ...(rv !== undefined ? { resourceVersion: rv } : {}) },
  });

  it('is empty at first, then the list RV after replace', () => {
    const idx = createIndexer<KubeObject>();
    expect(idx.lastStoreSyncResourceVersion()).toBe('');
    idx.replace([pod('a', '5')], '10');
    expect(idx.lastStoreSyncResourceVersion()).toBe('10');
  });

  it('moves with the resource version of each added, updated and deleted object', () => {
    const idx = createIndexer<KubeObject>();
    idx.replace([], '10');
    idx.add(pod('a', '11'));
    expect(idx.lastStoreSyncResourceVersion()).toBe('11');
    idx.update(pod('a', '12'));
    expect(idx.lastStoreSyncResourceVersion()).toBe('12');
    idx.delete(pod('a', '13')); // the deletion's RV, as a watch delivers it
    expect(idx.lastStoreSyncResourceVersion()).toBe('13');
    expect(idx.list()).toEqual([]);
  });

  it('moves with bookmarks', () => {
    const idx = createIndexer<KubeObject>();
    idx.replace([], '10');
    idx.bookmark('20');
    expect(idx.lastStoreSyncResourceVersion()).toBe('20');
  });

  it('never goes back for an older event or bookmark, and compares as integers ("9" < "10")', () => {
    const idx = createIndexer<KubeObject>(deletionHandlingMetaNamespaceKeyFunc);
    idx.replace([], '10');
    idx.add(pod('a', '9')); // '9' > '10' as strings
    expect(idx.lastStoreSyncResourceVersion()).toBe('10');
    idx.bookmark('8');
    expect(idx.lastStoreSyncResourceVersion()).toBe('10');
    idx.delete(new DeletedFinalStateUnknown('ns/a', pod('a', '9')) as unknown as KubeObject);
    expect(idx.lastStoreSyncResourceVersion()).toBe('10');
    idx.add(pod('b')); // no RV: nothing to learn
    expect(idx.lastStoreSyncResourceVersion()).toBe('10');
  });

  it('does not move when the operation fails', () => {
    const idx = createIndexer<KubeObject>(undefined, {
      bad: () => {
        throw new Error('no');
      },
    });
    idx.replace([], '10');
    expect(() => idx.add(pod('a', '11'))).toThrow(IndexError);
    expect(idx.lastStoreSyncResourceVersion()).toBe('10');
  });

  it('takes an opaque (non-integer) resource version as the newest, as client-go does', () => {
    const idx = createIndexer<KubeObject>();
    idx.replace([], 'abc');
    idx.add(pod('a', 'def'));
    expect(idx.lastStoreSyncResourceVersion()).toBe('def');
  });
});
