// A contract suite every Store implementation runs: call describeStoreContract(name, factory) from
// a test file. `factory` returns an empty store keyed by metaNamespaceKeyFunc.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import type { Store } from './store.js';
import { isKeyError } from './keys.js';

const obj = (ns: string, name: string, rv = '1'): KubeObject => ({
  metadata: { namespace: ns, name, resourceVersion: rv },
});

/** Registers the Store contract tests for `factory`. */
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
  });
}
