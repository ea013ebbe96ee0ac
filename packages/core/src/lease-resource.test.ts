import { describe, expect, it } from 'vitest';
import { leasesResourceDef } from './lease-resource.js';

describe('leasesResourceDef', () => {
  it('is the coordination.k8s.io/v1 leases resource, namespaced, frozen', () => {
    expect(leasesResourceDef).toEqual({
      group: 'coordination.k8s.io',
      version: 'v1',
      resource: 'leases',
      plural: 'leases',
      kind: 'Lease',
      namespaced: true,
      apiVersion: 'coordination.k8s.io/v1',
      singular: 'lease',
    });
    expect(Object.isFrozen(leasesResourceDef)).toBe(true);
  });
});
