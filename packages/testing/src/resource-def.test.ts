// A `defineResource` definition goes wherever the programmatic API takes a resource id, and types
// the objects it takes and returns.
import { defineResource, type KubeObject } from '@kubecache/core';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { startChurn } from './churn.js';
import { makePod } from './fixtures.js';
import { startApiServer, type ApiServer } from './server.js';

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

/** A pod as `kubernetes-types` spells it (what `podsResource` of @kubecache/informer carries). */
interface Pod extends KubeObject {
  spec?: { nodeName?: string; containers: { name: string }[] };
  status?: { phase?: string };
}
/** The same definition as `podsResource` of @kubecache/informer (testing cannot import it). */
const Pods = defineResource<Pod>({
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  namespaced: true,
});

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('a defineResource definition on the in-process API server', () => {
  it('registers the resource and types create', async () => {
    const s = (server = await startApiServer());
    s.registerResource(Widget);
    const created = s.create(Widget, {
      metadata: { namespace: 'ns', name: 'w1' },
      spec: { size: 3 },
    });
    expectTypeOf(created).toEqualTypeOf<Widget>();
    expect(created.spec?.size).toBe(3);
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(s.get('widgets.example.com', 'ns', 'w1')).toEqual(created);
    // @ts-expect-error the object must be a Widget
    expect(() => s.create(Widget, { spec: { size: 'big' } })).toThrow();
  });

  it('does not create objects of a definition that was never registered', async () => {
    const s = (server = await startApiServer());
    const Gadget = defineResource({
      group: 'example.com',
      version: 'v1',
      kind: 'Gadget',
      plural: 'gadgets',
      namespaced: true,
    });
    expect(() => s.create(Gadget, { metadata: { namespace: 'ns', name: 'g' } })).toThrow();
  });

  it('is taken by get, list, update, patch and delete, which return typed objects', async () => {
    const s = (server = await startApiServer({ resources: [] }));
    s.registerResource(Widget);
    s.create(Widget, { metadata: { namespace: 'ns', name: 'w1' }, spec: { size: 1 } });

    const got = s.get(Widget, 'ns', 'w1');
    expectTypeOf(got).toEqualTypeOf<Widget | undefined>();
    expect(got?.spec?.size).toBe(1);

    const listed = s.list(Widget, { namespace: 'ns' });
    expectTypeOf(listed.items).toEqualTypeOf<Widget[]>();
    expect(listed.items.map((w) => w.spec?.size)).toEqual([1]);

    const updated = s.update(Widget, { ...got!, spec: { size: 2 } });
    expectTypeOf(updated).toEqualTypeOf<Widget>();
    expect(updated.spec?.size).toBe(2);

    const patched = s.patch(Widget, 'ns', 'w1', { spec: { size: 5 } });
    expectTypeOf(patched).toEqualTypeOf<Widget>();
    expect(patched.spec?.size).toBe(5);

    const deleted = s.delete(Widget, 'ns', 'w1');
    expectTypeOf(deleted).toEqualTypeOf<Widget>();
    expect(deleted.spec?.size).toBe(5);
    expect(s.get(Widget, 'ns', 'w1')).toBeUndefined();
    // @ts-expect-error update takes a Widget
    expect(() => s.update(Widget, { metadata: { name: 'w1' }, spec: { size: 'x' } })).toThrow();
  });

  it('accepts a built-in definition like podsResource for the built-in resource', async () => {
    const s = (server = await startApiServer());
    s.create('pods', makePod({ namespace: 'ns', name: 'p', phase: 'Running' }));
    const pod = s.get(Pods, 'ns', 'p');
    expectTypeOf(pod).toEqualTypeOf<Pod | undefined>();
    expect(pod?.status?.phase).toBe('Running');
    const patched = s.patch(Pods, 'ns', 'p', { spec: { nodeName: 'node-9' } });
    expect(patched.spec?.nodeName).toBe('node-9');
    expect(s.list(Pods).items).toHaveLength(1);
  });

  it('names the resource in fault filters, request counts and churn', async () => {
    const s = (server = await startApiServer());
    s.registerResource(Widget);
    s.faults.nextResponses(1, { status: 500, verb: 'list', resource: Widget });
    const first = await fetch(`${s.url}/apis/example.com/v1/widgets`);
    expect(first.status).toBe(500);
    expect((await fetch(`${s.url}/apis/example.com/v1/widgets`)).status).toBe(200);
    expect(s.requests.count({ verb: 'list', resource: Widget })).toBe(2);
    expect(s.requests.count({ verb: 'list', resource: Pods })).toBe(0);

    const abort = new AbortController();
    const churn = startChurn(s, {
      resource: Widget,
      ratePerSecond: 1000,
      signal: abort.signal,
      targetPods: 3,
    });
    await new Promise((r) => setTimeout(r, 30));
    abort.abort();
    const stats = await churn;
    expect(stats.creates).toBeGreaterThan(0);
  });
});
