import { describe, expect, it } from 'vitest';
import {
  deletionHandlingMetaNamespaceKeyFunc,
  explicitKey,
  isKeyError,
  KeyError,
  metaNamespaceKeyFunc,
  splitMetaNamespaceKey,
} from './keys.js';
import { DeletedFinalStateUnknown } from './tombstone.js';

describe('key functions', () => {
  it('keys namespaced objects as ns/name and cluster-scoped ones as name', () => {
    expect(metaNamespaceKeyFunc({ metadata: { namespace: 'ns', name: 'a' } })).toBe('ns/a');
    expect(metaNamespaceKeyFunc({ metadata: { name: 'node-1' } })).toBe('node-1');
    expect(metaNamespaceKeyFunc({ metadata: { namespace: '', name: 'x' } })).toBe('x');
  });

  it('returns explicit keys unchanged', () => {
    expect(metaNamespaceKeyFunc(explicitKey('a/b'))).toBe('a/b');
  });

  it('throws a KeyError naming the object when metadata or name is missing', () => {
    for (const bad of [undefined, null, {}, { metadata: {} }, { metadata: { name: '' } }, 'str']) {
      try {
        metaNamespaceKeyFunc(bad);
        expect.unreachable();
      } catch (err) {
        expect(isKeyError(err)).toBe(true);
        expect((err as KeyError).object).toBe(bad);
      }
    }
  });

  it('understands tombstones in the deletion-handling key function', () => {
    const t = new DeletedFinalStateUnknown('ns/gone', {
      metadata: { namespace: 'ns', name: 'gone' },
    });
    expect(deletionHandlingMetaNamespaceKeyFunc(t)).toBe('ns/gone');
    expect(deletionHandlingMetaNamespaceKeyFunc({ metadata: { name: 'n' } })).toBe('n');
  });

  it('splits keys and rejects malformed ones', () => {
    expect(splitMetaNamespaceKey('ns/a')).toEqual({ namespace: 'ns', name: 'a' });
    expect(splitMetaNamespaceKey('a')).toEqual({ namespace: '', name: 'a' });
    for (const bad of ['', '/a', 'a/', 'a/b/c', '/']) {
      expect(() => splitMetaNamespaceKey(bad)).toThrow(KeyError);
    }
  });

  it('names the offending object in the KeyError message, even when it cannot be serialised', () => {
    expect(() => metaNamespaceKeyFunc({ kind: 'Pod', metadata: { namespace: 'ns' } })).toThrow(
      /no metadata\.name.*"kind":"Pod"/,
    );
    const circular: Record<string, unknown> = { metadata: {} };
    circular.self = circular;
    expect(() => metaNamespaceKeyFunc(circular)).toThrow(KeyError);
    const huge = { metadata: { namespace: 'x'.repeat(500) } };
    const message = (() => {
      try {
        metaNamespaceKeyFunc(huge);
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    })();
    expect(message.length).toBeLessThan(200);
    expect(new KeyError('m', 1).name).toBe('KeyError');
  });

  it('passes explicit keys through the deletion-handling key function', () => {
    expect(deletionHandlingMetaNamespaceKeyFunc(explicitKey('ns/x'))).toBe('ns/x');
  });
});
