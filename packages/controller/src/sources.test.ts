import type { KubeObject } from '@kubecache/core';
import { DeletedFinalStateUnknown } from '@kubecache/store';
import { describe, expect, it } from 'vitest';
import { generationChanged } from './predicates.js';
import type { ReconcileRequest } from './request.js';
import { eventPriority, ownerMapper, sourceHandler } from './sources.js';
import { lowPriority } from '@kubecache/workqueue';
import { silentLogger } from '@kubecache/core';

const child = (
  owners: NonNullable<NonNullable<KubeObject['metadata']>['ownerReferences']>,
): KubeObject => ({
  metadata: { name: 'c', namespace: 'ns', ownerReferences: owners },
});

describe('ownerMapper', () => {
  const map = ownerMapper({ group: 'samplecontroller.k8s.io', kind: 'Foo', ownerNamespaced: true });

  it('maps a child to its controller owner of the primary group and kind (any version)', () => {
    const c = child([
      {
        apiVersion: 'samplecontroller.k8s.io/v1beta9',
        kind: 'Foo',
        name: 'f',
        uid: 'u',
        controller: true,
      },
    ]);
    expect([...map(c)]).toEqual([{ namespace: 'ns', name: 'f' }]);
  });

  it('ignores non-controller references and other kinds or groups', () => {
    const c = child([
      { apiVersion: 'samplecontroller.k8s.io/v1alpha1', kind: 'Foo', name: 'f', uid: 'u' },
      { apiVersion: 'other.io/v1alpha1', kind: 'Foo', name: 'g', uid: 'v', controller: true },
      {
        apiVersion: 'samplecontroller.k8s.io/v1alpha1',
        kind: 'Bar',
        name: 'h',
        uid: 'w',
        controller: true,
      },
    ]);
    expect([...map(c)]).toEqual([]);
  });

  it('looks a cluster-scoped owner up without namespace', () => {
    const m = ownerMapper({ group: '', kind: 'Node', ownerNamespaced: false });
    expect([
      ...m(child([{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'u', controller: true }])),
    ]).toEqual([{ namespace: '', name: 'n1' }]);
  });
});

describe('sourceHandler', () => {
  const setup = () => {
    const got: ReconcileRequest[] = [];
    const h = sourceHandler<KubeObject>({
      map: (o) => [{ namespace: 'ns', name: o.metadata?.name ?? '?' }],
      predicates: [generationChanged()],
      enqueue: (r) => got.push(r),
      logger: silentLogger,
      source: 'test',
      requestOfTombstoneKey: (key) => ({ namespace: 'ns', name: key.split('/')[1] ?? '' }),
    });
    return { h, got };
  };

  it('filters with the predicates and maps both objects of an update', async () => {
    const { h, got } = setup();
    await h.onUpdate?.(
      { metadata: { name: 'old', generation: 1 } },
      { metadata: { name: 'new', generation: 1 } },
    );
    expect(got).toEqual([]);
    await h.onUpdate?.(
      { metadata: { name: 'old', generation: 1 } },
      { metadata: { name: 'new', generation: 2 } },
    );
    expect(got.map((r) => r.name)).toEqual(['old', 'new']);
  });

  it('unwraps tombstones, and names the request by key when the last state is unknown', async () => {
    const { h, got } = setup();
    await h.onDelete?.(new DeletedFinalStateUnknown('ns/gone', { metadata: { name: 'gone' } }));
    await h.onDelete?.(new DeletedFinalStateUnknown<KubeObject>('ns/lost', undefined));
    expect(got.map((r) => r.name)).toEqual(['gone', 'lost']);
  });

  it('drops an event whose predicate throws', async () => {
    const got: ReconcileRequest[] = [];
    const h = sourceHandler<KubeObject>({
      map: () => [{ namespace: '', name: 'x' }],
      predicates: [
        () => {
          throw new Error('bad');
        },
      ],
      enqueue: (r) => got.push(r),
      logger: silentLogger,
      source: 'test',
    });
    await h.onAdd?.({ metadata: { name: 'a' } }, false);
    expect(got).toEqual([]);
  });
});

describe('event priorities (controller-runtime WithLowPriorityWhenUnchanged)', () => {
  const obj = (rv: string): KubeObject => ({
    metadata: { name: 'a', namespace: 'ns', resourceVersion: rv },
  });

  it('eventPriority: initial list and unchanged updates are low; fresh changes and deletes default', () => {
    const o = obj('5');
    expect(eventPriority({ type: 'create', object: o, isInInitialList: true })).toBe(lowPriority);
    expect(eventPriority({ type: 'create', object: o, isInInitialList: false })).toBeUndefined();
    expect(eventPriority({ type: 'update', oldObject: o, newObject: o })).toBe(lowPriority);
    expect(eventPriority({ type: 'update', oldObject: obj('5'), newObject: obj('5') })).toBe(
      lowPriority,
    );
    expect(
      eventPriority({ type: 'update', oldObject: obj('5'), newObject: obj('6') }),
    ).toBeUndefined();
    expect(
      eventPriority({ type: 'update', oldObject: { metadata: {} }, newObject: { metadata: {} } }),
    ).toBeUndefined();
    expect(eventPriority({ type: 'delete', object: o, finalStateUnknown: false })).toBeUndefined();
  });

  it('the handler passes each request with its event priority', () => {
    const got: [string, number | undefined][] = [];
    const h = sourceHandler<KubeObject>({
      map: (o) => [{ namespace: 'ns', name: o.metadata?.name ?? '' }],
      predicates: [],
      enqueue: (r, p) => got.push([r.name, p]),
      logger: silentLogger,
      source: 'test',
    });
    void h.onAdd?.(obj('1'), true);
    void h.onAdd?.(obj('1'), false);
    void h.onUpdate?.(obj('1'), obj('1'));
    void h.onUpdate?.(obj('1'), obj('2'));
    void h.onDelete?.(obj('2'));
    expect(got).toEqual([
      ['a', lowPriority],
      ['a', undefined],
      ['a', lowPriority],
      ['a', undefined],
      ['a', undefined],
    ]);
  });
});
