// createListWatch with a defineResource definition: path, kind and object type from it.
import { defineResource, type KubeObject } from '@kubecache/core';
import { startApiServer } from '@kubecache/testing';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createListWatch, type ListWatch } from './listwatch.js';

interface Gadget extends KubeObject {
  spec?: { color?: string };
}
const Gadget = defineResource<Gadget>({
  group: 'example.com',
  version: 'v1',
  kind: 'Gadget',
  plural: 'gadgets',
  namespaced: true,
});
const Widget = defineResource({
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: false,
});

describe('createListWatch with a resource definition', () => {
  it('lists the definition’s resource in a namespace, typed by it, with its kind expected', async () => {
    const server = await startApiServer();
    try {
      server.registerResource(Gadget);
      server.create(Gadget, { metadata: { namespace: 'a', name: 'g1' }, spec: { color: 'red' } });
      server.create(Gadget, { metadata: { namespace: 'b', name: 'g2' } });
      const lw = createListWatch(server.kubeConfig, Gadget, { namespace: 'a' });
      expectTypeOf(lw).toEqualTypeOf<ListWatch<Gadget>>();
      expect(lw.path).toBe('/apis/example.com/v1/namespaces/a/gadgets');
      expect(lw.expectedKind).toBe('Gadget');
      expect(lw.expectedKindSource).toBe('the defineResource definition of gadgets.v1.example.com');
      const list = await lw.list({});
      expect(list.items.map((g) => g.spec?.color)).toEqual(['red']);
      lw.close();
    } finally {
      await server.close();
    }
  });

  it('refuses a namespace for a cluster-scoped definition', async () => {
    const server = await startApiServer();
    try {
      expect(createListWatch(server.kubeConfig, Widget).path).toBe('/apis/example.com/v1/widgets');
      expect(() => createListWatch(server.kubeConfig, Widget, { namespace: 'a' })).toThrow(
        /cluster-scoped/,
      );
      // @ts-expect-error the resource comes from the definition
      createListWatch(server.kubeConfig, Widget, { resource: 'other' });
    } finally {
      await server.close();
    }
  });
});
