import { defineResource } from '@kubecache/core';
import { describe, expect, it } from 'vitest';
import { partitionKey } from './partition-key.js';

const Foo = defineResource({
  group: 'samplecontroller.k8s.io',
  version: 'v1alpha1',
  kind: 'Foo',
  plural: 'foos',
  namespaced: true,
});
const Deployment = defineResource({
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  namespaced: true,
});
const primaries = [Foo];

describe('partitionKey', () => {
  it('keys a primary by its namespace/name', () => {
    const foo = {
      apiVersion: Foo.apiVersion,
      kind: 'Foo',
      metadata: { namespace: 'ns', name: 'a' },
    };
    expect(partitionKey(foo, { primaries })).toBe('ns/a');
    expect(
      partitionKey({ metadata: { namespace: 'ns', name: 'a' } }, { primaries, resource: Foo }),
    ).toBe('ns/a');
  });

  it('keys an owned object by its controller owner among the primaries', () => {
    const owned = (controller: boolean, kind = 'Foo', apiVersion = Foo.apiVersion) => ({
      metadata: {
        namespace: 'ns',
        name: 'a-deploy',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'other', uid: '1' },
          { apiVersion, kind, name: 'a', uid: '2', controller },
        ],
      },
    });
    expect(partitionKey(owned(true), { primaries, resource: Deployment })).toBe('ns/a');
    // No controller owner, an owner of another kind, or of the same kind in another group.
    expect(partitionKey(owned(false), { primaries, resource: Deployment })).toBeUndefined();
    expect(partitionKey(owned(true, 'Bar'), { primaries, resource: Deployment })).toBeUndefined();
    expect(
      partitionKey(owned(true, 'Foo', 'other.io/v1'), { primaries, resource: Deployment }),
    ).toBeUndefined();
  });

  it('keys a cluster-scoped primary by its name; an object without a name has no key', () => {
    expect(
      partitionKey(
        { metadata: { name: 'n' } },
        { primaries: [{ group: '', kind: 'Node' }], resource: { group: '', kind: 'Node' } },
      ),
    ).toBe('n');
    expect(partitionKey({ metadata: {} }, { primaries, resource: Foo })).toBeUndefined();
  });

  it('keys an object owned by a cluster-scoped primary by the owner name alone', () => {
    const Cluster = { group: 'example.io', kind: 'Tenant', namespaced: false };
    const owned = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        namespace: 'team-a',
        name: 'settings',
        ownerReferences: [
          { apiVersion: 'example.io/v1', kind: 'Tenant', name: 't1', uid: '1', controller: true },
        ],
      },
    };
    expect(partitionKey(owned, { primaries: [Cluster] })).toBe('t1');
    expect(
      partitionKey(
        { apiVersion: 'example.io/v1', kind: 'Tenant', metadata: { name: 't1' } },
        { primaries: [Cluster] },
      ),
    ).toBe('t1');
  });
});
