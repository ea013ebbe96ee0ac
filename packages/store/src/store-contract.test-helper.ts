// The Store contract of k8s.io/client-go/tools/cache/store.go as a reusable vitest suite.
//
// Test-only module: not exported from the package entry point. Other packages' tests import it by
// relative path, e.g. from packages/<pkg>/src/foo.test.ts:
//   import { describeStoreContract } from '../../store/src/store-contract.test-helper.js';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import type { Store } from './store.js';
import { explicitKey, isKeyError } from './keys.js';

const obj = (ns: string, name: string, rv = '1'): KubeObject => ({
  metadata: { namespace: ns, name, resourceVersion: rv },
});

/**
 * Registers the Store contract tests for `factory` inside a `describe` block named after `name`.
 *
 * `factory` must return a new, empty object store keyed by `metaNamespaceKeyFunc` (so
 * `explicitKey` works), whose `get`/`getByKey`/`list` hand back the stored objects themselves. Queues
 * such as DeltaFIFO, whose `get` returns accumulated deltas, are a different contract.
 */
export function describeStoreContract(name: string, factory: () => Store): void {
  describe(`Store contract: ${name}`, () => {
    it('adds, gets by object and by key, and lists', () => {
      const s = factory();
      s.add(obj('a', 'x'));
      s.add(obj('', 'y'));
      expect(s.getByKey('a/x')).toEqual(obj('a', 'x'));
      expect(s.get(obj('', 'y', '9'))).toEqual(obj('', 'y'));
      expect(s.listKeys().sort()).toEqual(['a/x', 'y']);
      expect(s.list()).toHaveLength(2);
    });

    it('update replaces the object under the same key', () => {
      const s = factory();
      s.add(obj('a', 'x', '1'));
      s.update(obj('a', 'x', '2'));
      expect(s.getByKey('a/x')?.metadata?.resourceVersion).toBe('2');
      expect(s.listKeys()).toEqual(['a/x']);
    });

    it('delete removes the key and ignores absent keys', () => {
      const s = factory();
      s.add(obj('a', 'x'));
      s.delete(obj('a', 'x'));
      s.delete(obj('a', 'never'));
      expect(s.listKeys()).toEqual([]);
      expect(s.getByKey('a/x')).toBeUndefined();
    });

    it('replace swaps the whole content', () => {
      const s = factory();
      s.add(obj('a', 'old'));
      s.replace([obj('a', 'n1'), obj('b', 'n2')], '10');
      expect(s.listKeys().sort()).toEqual(['a/n1', 'b/n2']);
    });

    it('rejects an object without a name with a KeyError and stays unchanged', () => {
      const s = factory();
      s.add(obj('a', 'x'));
      let caught: unknown;
      try {
        s.add({ metadata: { namespace: 'a' } });
      } catch (err) {
        caught = err;
      }
      expect(isKeyError(caught)).toBe(true);
      expect(() => s.replace([obj('a', 'y'), { kind: 'Pod' }], '2')).toThrow(/metadata/);
      expect(s.listKeys()).toEqual(['a/x']);
    });

    it('hands back the stored instance, and add of an existing key overwrites it', () => {
      const s = factory();
      const first = obj('a', 'x', '1');
      s.add(first);
      expect(s.getByKey('a/x')).toBe(first);
      const second = obj('a', 'x', '2');
      s.add(second);
      expect(s.getByKey('a/x')).toBe(second);
      expect(s.list()).toEqual([second]);
    });

    it('update of an absent key stores the object', () => {
      const s = factory();
      s.update(obj('a', 'x'));
      expect(s.listKeys()).toEqual(['a/x']);
    });

    it('deletes by explicit key', () => {
      const s = factory();
      s.add(obj('a', 'x'));
      s.add(obj('a', 'y'));
      s.delete(explicitKey('a/x') as unknown as KubeObject);
      expect(s.listKeys()).toEqual(['a/y']);
    });

    it('returns list and listKeys as snapshots the caller may change', () => {
      const s = factory();
      s.add(obj('a', 'x'));
      const keys = s.listKeys();
      const items = s.list();
      keys.push('bogus');
      items.length = 0;
      s.add(obj('a', 'y'));
      expect(keys).toEqual(['a/x', 'bogus']);
      expect(s.listKeys().sort()).toEqual(['a/x', 'a/y']);
    });

    it('replace with an empty list empties the store, and the last duplicate wins', () => {
      const s = factory();
      s.add(obj('a', 'x'));
      s.replace([], '3');
      expect(s.listKeys()).toEqual([]);
      s.replace([obj('a', 'd', '1'), obj('a', 'd', '2')], '4');
      expect(s.listKeys()).toEqual(['a/d']);
      expect(s.getByKey('a/d')?.metadata?.resourceVersion).toBe('2');
    });

    it('resync leaves the content unchanged', () => {
      const s = factory();
      s.add(obj('a', 'x'));
      s.resync();
      expect(s.listKeys()).toEqual(['a/x']);
    });

    it('fails update, delete and get of a nameless object with a KeyError, changing nothing', () => {
      const s = factory();
      s.add(obj('a', 'x'));
      const nameless: KubeObject = { metadata: { namespace: 'a' } };
      for (const op of [
        () => {
          s.update(nameless);
        },
        () => {
          s.delete(nameless);
        },
        () => s.get(nameless),
      ]) {
        let caught: unknown;
        try {
          op();
        } catch (err) {
          caught = err;
        }
        expect(isKeyError(caught)).toBe(true);
      }
      expect(s.listKeys()).toEqual(['a/x']);
    });
  });
}
