// A `defineResource` definition is enough to register a resource and create typed objects.
import { defineResource, type KubeObject } from '@kubecache/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { startApiServer } from './server.js';

interface Widget extends KubeObject {
  spec?: { size?: number };
}
const Widget = defineResource<Widget>({
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
});

describe('a defineResource definition on the in-process API server', () => {
  it('registers the resource and types create', async () => {
    const server = await startApiServer();
    try {
      server.registerResource(Widget);
      const created = server.create(Widget, {
        metadata: { namespace: 'ns', name: 'w1' },
        spec: { size: 3 },
      });
      expectTypeOf(created).toEqualTypeOf<Widget>();
      expect(created.spec?.size).toBe(3);
      expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
      expect(server.get('widgets.example.com', 'ns', 'w1')).toEqual(created);
      // @ts-expect-error the object must be a Widget
      expect(() => server.create(Widget, { spec: { size: 'big' } })).toThrow();
    } finally {
      await server.close();
    }
  });

  it('does not create objects of a definition that was never registered', async () => {
    const server = await startApiServer();
    try {
      const Gadget = defineResource({
        group: 'example.com',
        version: 'v1',
        kind: 'Gadget',
        plural: 'gadgets',
        namespaced: true,
      });
      expect(() => server.create(Gadget, { metadata: { namespace: 'ns', name: 'g' } })).toThrow();
    } finally {
      await server.close();
    }
  });
});
