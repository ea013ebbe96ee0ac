// The finalizer helper against the in-process API server (finalizers, deletionTimestamp) through
// client-node's CustomObjectsApi with a JSON merge patch.
import { silentLogger } from '@kubecache/core';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createController } from './controller.js';
import { isConflictError } from './errors.js';
import { finalizer, type FinalizerPatch } from './finalizer.js';
import {
  WIDGETS,
  eventually,
  startHarness,
  widget,
  widgetType,
  type Harness,
  type Widget,
} from './test-support/harness.js';

const NAME = 'example.com/cleanup';
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

function patcher(): (w: Widget, p: FinalizerPatch) => Promise<unknown> {
  const api = h.server.kubeConfig.makeApiClient(CustomObjectsApi);
  return (w, body) =>
    api.patchNamespacedCustomObject(
      {
        group: 'example.com',
        version: 'v1',
        plural: 'widgets',
        namespace: w.metadata?.namespace ?? '',
        name: w.metadata?.name ?? '',
        body,
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
}

describe('finalizer over HTTP', () => {
  it('adds the finalizer, applies, then on delete cleans up once and lets the object go', async () => {
    const applied: string[] = [];
    const cleaned: string[] = [];
    const patch = patcher();
    const c = createController<Widget>({
      name: 'widgets',
      for: { informer: h.widgets, ...widgetType },
      logger: silentLogger,
      reconcile: async ({ namespace, name }) => {
        const w = h.widgets.getLister().get(namespace, name);
        if (w === undefined) return;
        await finalizer(w, { name: NAME, patch }, ({ type }) => {
          (type === 'apply' ? applied : cleaned).push(name);
        });
      },
    });
    h.start(c);
    h.server.create(WIDGETS, widget('w1'));
    await eventually(() => expect(applied).toContain('w1'));
    expect(h.server.get(WIDGETS, 'default', 'w1')?.metadata?.finalizers).toEqual([NAME]);
    h.server.delete(WIDGETS, 'default', 'w1');
    await eventually(() => expect(h.server.get(WIDGETS, 'default', 'w1')).toBeUndefined());
    expect(cleaned).toEqual(['w1']);
  });

  it('is refused with a 409 when the object changed since it was read', async () => {
    const created = h.server.create(WIDGETS, widget('w2')) as Widget;
    h.server.patch(WIDGETS, 'default', 'w2', { spec: { size: 5 } });
    const err = await finalizer(created, { name: NAME, patch: patcher() }, () => undefined).catch(
      (e: unknown) => e,
    );
    expect(isConflictError(err)).toBe(true);
    expect(h.server.get(WIDGETS, 'default', 'w2')?.metadata?.finalizers).toBeUndefined();
  });
});
