import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { createIndexer, metaNamespaceIndexFunc, namespaceIndex } from './indexer.js';
import { parseSelector, SelectorParseError } from './labels.js';
import { createLister } from './lister.js';

const pod = (ns: string, name: string, labels: Record<string, string> = {}): KubeObject => ({
  metadata: { namespace: ns, name, labels },
});

describe('Lister', () => {
  for (const withIndex of [true, false]) {
    it(`lists, gets and filters by namespace and selector (${withIndex ? 'with' : 'without'} a namespace index)`, () => {
      const idx = createIndexer(
        undefined,
        withIndex ? { [namespaceIndex]: metaNamespaceIndexFunc } : {},
      );
      idx.add(pod('a', 'web-1', { app: 'web' }));
      idx.add(pod('a', 'db-1', { app: 'db' }));
      idx.add(pod('b', 'web-2', { app: 'web' }));
      idx.add({ metadata: { name: 'node-1' } });
      const lister = createLister(idx);
      expect(lister.list()).toHaveLength(4);
      expect(
        lister
          .list('app=web')
          .map((p) => p.metadata?.name)
          .sort(),
      ).toEqual(['web-1', 'web-2']);
      expect(lister.list(parseSelector('app in (db)'))).toHaveLength(1);
      expect(lister.get('a', 'db-1')?.metadata?.name).toBe('db-1');
      expect(lister.get('', 'node-1')?.metadata?.name).toBe('node-1');
      expect(lister.get('a', 'nope')).toBeUndefined();
      expect(
        lister
          .byNamespace('a')
          .list()
          .map((p) => p.metadata?.name)
          .sort(),
      ).toEqual(['db-1', 'web-1']);
      expect(
        lister
          .byNamespace('a')
          .list('app!=db')
          .map((p) => p.metadata?.name),
      ).toEqual(['web-1']);
      expect(lister.byNamespace('b').get('web-2')).toBeDefined();
      expect(lister.byNamespace('').list()).toHaveLength(4);
      expect(lister.byNamespace('').get('node-1')?.metadata?.name).toBe('node-1');
      expect(lister.byNamespace('zzz').list()).toEqual([]);
    });
  }

  it('rejects a malformed selector string with a SelectorParseError', () => {
    const lister = createLister(createIndexer());
    expect(() => lister.list('app in (a')).toThrow(SelectorParseError);
    expect(() => lister.byNamespace('a').list('=x')).toThrow(SelectorParseError);
  });

  it('tolerates objects without labels or metadata when filtering', () => {
    const idx = createIndexer<{ id: string; metadata?: { labels?: Record<string, string> } }>(
      (o) => o.id,
    );
    idx.add({ id: 'a' });
    idx.add({ id: 'b', metadata: { labels: { app: 'web' } } });
    const lister = createLister(idx);
    expect(lister.list('app=web').map((o) => o.id)).toEqual(['b']);
    expect(lister.list('!app').map((o) => o.id)).toEqual(['a']);
  });
});
