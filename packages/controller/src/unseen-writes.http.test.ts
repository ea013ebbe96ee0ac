// Issue 21 input 6, over real HTTP against the test server: a reconcile creates its child; the
// child is deleted by hand while the watches deliver nothing, then the watches expire and the
// informers relist — the child's cache passes the create's resource version without ever having
// shown the child, so no event of the child wakes its owner. The controller knows the create
// was the owner's write: it requeues the owner, which creates the child again.
import type { Logger } from '@kubecache/core';
import { configMapsResource } from '@kubecache/informer';
import { afterEach, describe, expect, it } from 'vitest';
import { createController } from './controller.js';
import { newControllerRef } from './owner.js';
import {
  eventually,
  startHarness,
  WIDGETS,
  widget,
  widgetType,
  type Harness,
} from './test-support/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('unseen writes (over HTTP)', () => {
  it('a child created by a reconcile and deleted between two watches requeues its owner, which recreates it', async () => {
    h = await startHarness();
    const harness = h;
    harness.server.create(WIDGETS, widget('w', 1));
    const configMaps = harness.configMaps;
    const infos: { fields: Record<string, unknown>; msg: string | undefined }[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: (fields: object | string, msg?: string) => {
        if (typeof fields === 'object')
          infos.push({ fields: fields as Record<string, unknown>, msg });
      },
      warn: () => undefined,
      error: () => undefined,
    };
    const creates: string[] = []; // the resourceVersions the server answered
    let reconciles = 0;
    const controller = createController({
      name: 'unseen',
      for: { informer: harness.widgets, ...widgetType },
      owns: [configMaps],
      kubeConfig: harness.server.kubeConfig,
      logger,
      syncPeriodMs: 0, // no periodic requeue: only the unseen write can wake the owner
      reconcile: async (request, { client, signal }) => {
        reconciles++;
        const owner = harness.widgets.getLister().get(request.namespace, request.name);
        if (owner === undefined) return;
        if (configMaps.getStore().getByKey(`${request.namespace}/${request.name}-child`)) return;
        const created = await client.create(
          configMapsResource,
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: {
              name: `${request.name}-child`,
              namespace: request.namespace,
              ownerReferences: [newControllerRef(owner, widgetType)],
            },
          },
          { signal },
        );
        creates.push(created.metadata?.resourceVersion ?? '');
      },
    });
    // The watches deliver nothing: the child's create is never shown by an event.
    const hidden = harness.server.faults.hideEventsFromWatchers(true);
    harness.start(controller);
    await eventually(() => expect(creates).toHaveLength(1));
    expect(reconciles).toBe(1);
    // Deleted by hand, still behind the hidden watches; then the watches expire (410) and the
    // informers relist past the create: the child was never in the cache.
    harness.server.delete(configMapsResource, 'default', 'w-child');
    harness.server.faults.expireWatches();
    hidden.clear();
    await eventually(() => expect(creates).toHaveLength(2)); // the owner recreated its child
    expect(harness.server.get(configMapsResource, 'default', 'w-child')).toBeDefined();
    expect(infos.find((i) => i.fields['object'] === 'default/w-child')).toMatchObject({
      fields: {
        component: 'controller',
        resource: 'unseen',
        key: 'default/w',
        object: 'default/w-child',
      },
      msg: "cache of configmaps passed this controller's write to default/w-child without showing it; default/w requeued",
    });
  });
});
