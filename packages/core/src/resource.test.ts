import { describe, expect, it } from 'vitest';
import { defineResource, isResourceDef } from './resource.js';

describe('defineResource', () => {
  it('ties group, version, kind, plural and scope together and is a GroupVersionResource', () => {
    const foo = defineResource({
      group: 'samplecontroller.k8s.io',
      version: 'v1alpha1',
      kind: 'Foo',
      plural: 'foos',
      namespaced: true,
    });
    expect(foo).toEqual({
      group: 'samplecontroller.k8s.io',
      version: 'v1alpha1',
      resource: 'foos',
      plural: 'foos',
      kind: 'Foo',
      namespaced: true,
      apiVersion: 'samplecontroller.k8s.io/v1alpha1',
      singular: 'foo',
    });
    expect(Object.isFrozen(foo)).toBe(true);
    expect(isResourceDef(foo)).toBe(true);
  });

  it('gives the core group the apiVersion v1 and keeps the optional discovery fields', () => {
    const pods = defineResource({
      group: '',
      version: 'v1',
      kind: 'Pod',
      plural: 'pods',
      namespaced: true,
      shortNames: ['po'],
      statusSubresource: true,
    });
    expect(pods.apiVersion).toBe('v1');
    expect(pods.shortNames).toEqual(['po']);
    expect(pods.statusSubresource).toBe(true);
  });

  it('rejects an empty version, kind or plural, and a plural that is not lower case', () => {
    const base = { group: 'g', version: 'v1', kind: 'Foo', plural: 'foos', namespaced: true };
    expect(() => defineResource({ ...base, version: '' })).toThrow(TypeError);
    expect(() => defineResource({ ...base, kind: '' })).toThrow(TypeError);
    expect(() => defineResource({ ...base, plural: '' })).toThrow(TypeError);
    expect(() => defineResource({ ...base, plural: 'Foos' })).toThrow(/lower case/);
  });

  it('tells a definition from a plain GVR', () => {
    expect(isResourceDef({ group: '', version: 'v1', resource: 'pods' })).toBe(false);
    expect(isResourceDef(null)).toBe(false);
  });
});
