// The owner helpers take any KubeObject: the cache's kubernetes-types objects (timestamps are
// strings, apiVersion a literal) and client-node's models (V1Deployment: Date timestamps) alike,
// and the owner's type may be a `defineResource` definition.
import type { V1Deployment } from '@kubernetes/client-node';
import { defineResource, type KubeObject } from '@kubecache/core';
import type { Deployment } from '@kubecache/informer';
import { describe, expect, it } from 'vitest';
import { controllerRefOf, groupOf, isControlledBy, newControllerRef } from './owner.js';

interface Foo extends KubeObject {
  spec?: { replicas?: number };
}
const Foo = defineResource<Foo>({
  group: 'samplecontroller.k8s.io',
  version: 'v1alpha1',
  kind: 'Foo',
  plural: 'foos',
  namespaced: true,
});
const foo: Foo = { metadata: { name: 'web', namespace: 'default', uid: 'u-1' } };

describe('owner helpers', () => {
  it('build a controller reference from a defineResource definition', () => {
    expect(newControllerRef(foo, Foo)).toEqual({
      apiVersion: 'samplecontroller.k8s.io/v1alpha1',
      kind: 'Foo',
      name: 'web',
      uid: 'u-1',
      controller: true,
      blockOwnerDeletion: true,
    });
  });

  it("read client-node's V1Deployment and kubernetes-types' Deployment alike", () => {
    const ref = newControllerRef(foo, Foo);
    const cached: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', creationTimestamp: '2024-01-01T00:00:00Z', ownerReferences: [ref] },
    };
    const fromClient: V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        uid: 'u-2',
        creationTimestamp: new Date(0),
        ownerReferences: [ref],
      },
    };
    expect(isControlledBy(cached, foo)).toBe(true);
    expect(isControlledBy(fromClient, foo)).toBe(true);
    expect(controllerRefOf(fromClient)?.uid).toBe('u-1');
    expect(newControllerRef(fromClient, { apiVersion: 'apps/v1', kind: 'Deployment' }).kind).toBe(
      'Deployment',
    );
  });

  it('groupOf: the group of an apiVersion', () => {
    expect(groupOf('apps/v1')).toBe('apps');
    expect(groupOf('v1')).toBe('');
  });
});
