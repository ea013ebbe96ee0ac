import type { KubeObject } from '@kubecache/core';
import { describe, expect, it } from 'vitest';
import {
  and,
  annotationsChanged,
  generationChanged,
  isRecreation,
  labelsChanged,
  not,
  or,
  predicateFuncs,
  resourceVersionChanged,
  type WatchEvent,
} from './predicates.js';

const obj = (meta: NonNullable<KubeObject['metadata']>): KubeObject => ({
  metadata: { name: 'a', namespace: 'ns', ...meta },
});
const update = (o: KubeObject, n: KubeObject): WatchEvent => ({
  type: 'update',
  oldObject: o,
  newObject: n,
});
const create: WatchEvent = { type: 'create', object: obj({}), isInInitialList: false };
const del: WatchEvent = { type: 'delete', object: obj({}), finalStateUnknown: false };

describe('predicates', () => {
  it('treat an update whose uid changed as a creation (deleted and recreated behind a relist)', () => {
    const before = obj({ uid: 'u1', generation: 1, resourceVersion: '5', labels: { a: '1' } });
    const after = obj({ uid: 'u2', generation: 1, resourceVersion: '5', labels: { a: '1' } });
    for (const p of [
      generationChanged(),
      resourceVersionChanged(),
      labelsChanged(),
      annotationsChanged(),
    ]) {
      expect(p(update(before, after))).toBe(true);
      expect(p(update(before, { ...before }))).toBe(false);
    }
    expect(isRecreation(before, after)).toBe(true);
    expect(isRecreation(obj({}), after)).toBe(false);
  });

  it('generationChanged passes spec changes and drops status-only updates and resyncs', () => {
    const p = generationChanged();
    expect(p(update(obj({ generation: 1 }), obj({ generation: 2 })))).toBe(true);
    expect(
      p(
        update(
          obj({ generation: 1, resourceVersion: '1' }),
          obj({ generation: 1, resourceVersion: '2' }),
        ),
      ),
    ).toBe(false);
    expect(p(update({}, obj({ generation: 2 })))).toBe(false);
    expect(p(create)).toBe(true);
    expect(p(del)).toBe(true);
  });

  it('resourceVersionChanged drops resyncs (equal resource versions) only', () => {
    const p = resourceVersionChanged();
    const a = obj({ resourceVersion: '5' });
    expect(p(update(a, a))).toBe(false);
    expect(p(update(a, obj({ resourceVersion: '6' })))).toBe(true);
    expect(p(create)).toBe(true);
  });

  it('labelsChanged and annotationsChanged compare the maps, treating absent as empty', () => {
    expect(labelsChanged()(update(obj({ labels: { a: '1' } }), obj({ labels: { a: '2' } })))).toBe(
      true,
    );
    expect(labelsChanged()(update(obj({ labels: { a: '1' } }), obj({ labels: { a: '1' } })))).toBe(
      false,
    );
    expect(labelsChanged()(update(obj({}), obj({ labels: {} })))).toBe(false);
    expect(labelsChanged()(update(obj({ labels: { a: '1' } }), obj({ labels: { b: '1' } })))).toBe(
      true,
    );
    expect(annotationsChanged()(update(obj({}), obj({ annotations: { x: 'y' } })))).toBe(true);
    expect(annotationsChanged()(update(obj({ labels: { a: '1' } }), obj({})))).toBe(false);
  });

  it('and, or and not combine predicates', () => {
    const gen = generationChanged();
    const labels = labelsChanged();
    const labelOnly = update(
      obj({ generation: 1, labels: { a: '1' } }),
      obj({ generation: 1, labels: { a: '2' } }),
    );
    expect(or(gen, labels)(labelOnly)).toBe(true);
    expect(and(gen, labels)(labelOnly)).toBe(false);
    expect(not(gen)(labelOnly)).toBe(true);
    expect(and()(labelOnly)).toBe(true);
    expect(or()(labelOnly)).toBe(false);
  });

  it('predicateFuncs lets through the event types it has no function for', () => {
    const p = predicateFuncs({ create: () => false });
    expect(p(create)).toBe(false);
    expect(p(del)).toBe(true);
    expect(p(update(obj({}), obj({})))).toBe(true);
  });
});
