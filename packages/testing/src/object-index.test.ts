import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from './change-history.js';
import { Entry } from './entry.js';
import { ObjectIndex } from './object-index.js';

const entry = (uid: string, owners: string[] = []): Entry =>
  new Entry({
    metadata: {
      name: uid,
      namespace: 'ns',
      uid,
      ownerReferences: owners.map((o) => ({ apiVersion: 'v1', kind: 'X', name: o, uid: o })),
    },
  });
const change = (
  type: ChangeEvent['type'],
  key: string,
  e: Entry,
  prev?: Entry,
  resource = 'configmaps',
): ChangeEvent => ({ rv: 1, resource, key, type, entry: e, prev });

describe('ObjectIndex', () => {
  it('finds an object by uid and the dependents of an owner, until they change or go', () => {
    const ix = new ObjectIndex();
    const owner = entry('u-owner');
    ix.update(change('ADDED', 'ns/owner', owner, undefined, 'deployments.apps'));
    const dep = entry('u-dep', ['u-owner']);
    ix.update(change('ADDED', 'ns/dep', dep));
    expect(ix.byUid('u-owner')).toEqual({ resource: 'deployments.apps', key: 'ns/owner' });
    expect(ix.dependentsOf('u-owner')).toEqual([{ resource: 'configmaps', key: 'ns/dep' }]);

    const orphaned = entry('u-dep');
    ix.update(change('MODIFIED', 'ns/dep', orphaned, dep));
    expect(ix.dependentsOf('u-owner')).toEqual([]);

    ix.update(change('DELETED', 'ns/dep', orphaned, orphaned));
    expect(ix.byUid('u-dep')).toBeUndefined();
    expect(ix.byUid('u-nope')).toBeUndefined();
  });
});
