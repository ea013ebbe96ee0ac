import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { DeletedFinalStateUnknown, isDeletedFinalStateUnknown } from './tombstone.js';

describe('DeletedFinalStateUnknown', () => {
  it('carries the key and the last known object', () => {
    const last: KubeObject = { metadata: { namespace: 'ns', name: 'gone', resourceVersion: '7' } };
    const t = new DeletedFinalStateUnknown('ns/gone', last);
    expect(t.key).toBe('ns/gone');
    expect(t.obj).toBe(last);
    expect(new DeletedFinalStateUnknown('x', undefined).obj).toBeUndefined();
  });

  it('is recognised by its brand, not by its shape', () => {
    expect(isDeletedFinalStateUnknown(new DeletedFinalStateUnknown('k', undefined))).toBe(true);
    expect(isDeletedFinalStateUnknown({ key: 'k', obj: undefined })).toBe(false);
    expect(isDeletedFinalStateUnknown(null)).toBe(false);
    expect(isDeletedFinalStateUnknown('ns/name')).toBe(false);
  });

  it('is recognised when it comes from another copy of the package', () => {
    // A structurally separate object carrying the global brand, as a second bundled copy would make.
    const foreign = { [Symbol.for('@kubecache/store/DeletedFinalStateUnknown')]: true, key: 'k' };
    expect(isDeletedFinalStateUnknown(foreign)).toBe(true);
  });
});
