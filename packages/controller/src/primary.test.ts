// The primary resource given as a `defineResource` definition: apiVersion, kind and scope are
// stated once, and the owner helpers take the same definition.
import { defineResource, silentLogger } from '@kubecache/core';
import { makeConfigMap } from '@kubecache/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createController } from './controller.js';
import { isControlledBy, newControllerRef } from './owner.js';
import { requestKey, type ReconcileRequest } from './request.js';
import {
  WIDGETS,
  eventually,
  startHarness,
  widget,
  type Harness,
  type Widget,
} from './test-support/harness.js';

const Widget = defineResource<Widget>({
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
});

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('for: { informer, resource }', () => {
  it('takes a defineResource definition for the primary, and maps owned children to it', async () => {
    h.server.create(WIDGETS, widget('parent'));
    const got: ReconcileRequest[] = [];
    const c = createController({
      name: 'widgets',
      for: { informer: h.widgets, resource: Widget },
      owns: [h.configMaps],
      reconcile: (req) => void got.push(req),
      logger: silentLogger,
    });
    h.start(c);
    await eventually(() => expect(got.map(requestKey)).toEqual(['default/parent']));
    const parent = h.widgets.getLister().get('default', 'parent');
    if (parent === undefined) throw new Error('parent not cached');
    const ref = newControllerRef(parent, Widget); // the same definition gives the owner's type
    expect(ref).toMatchObject({ apiVersion: 'example.com/v1', kind: 'Widget', controller: true });
    const child = makeConfigMap({ namespace: 'default', name: 'child' });
    h.server.create('configmaps', {
      ...child,
      metadata: { ...child.metadata, ownerReferences: [ref] },
    });
    await eventually(() =>
      expect(got.map(requestKey)).toEqual(['default/parent', 'default/parent']),
    );
    const cached = h.configMaps.getLister().get('default', 'child');
    expect(cached !== undefined && isControlledBy(cached, parent)).toBe(true);
  });

  it('refuses a resource without apiVersion or kind', () => {
    expect(() =>
      createController<Widget>({
        name: 'widgets',
        for: { informer: h.widgets, resource: { apiVersion: '', kind: 'Widget' } },
        reconcile: () => undefined,
      }),
    ).toThrow(/for: the primary resource needs its apiVersion and kind/);
  });
});
