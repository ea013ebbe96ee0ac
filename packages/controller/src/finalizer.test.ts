import type { KubeObject } from '@kubecache/core';
import { describe, expect, it } from 'vitest';
import { isControllerOptionsError } from './errors.js';
import { finalizer, type FinalizerEvent, type FinalizerPatch } from './finalizer.js';

const NAME = 'example.com/cleanup';

function setup(meta: NonNullable<KubeObject['metadata']>) {
  const object: KubeObject = {
    metadata: { name: 'a', namespace: 'ns', resourceVersion: '7', ...meta },
  };
  const patches: FinalizerPatch[] = [];
  const events: FinalizerEvent<KubeObject>['type'][] = [];
  const run = () =>
    finalizer(
      object,
      { name: NAME, patch: (_o, p) => Promise.resolve(void patches.push(p)) },
      (e) => {
        events.push(e.type);
        return 'done';
      },
    );
  return { run, patches, events };
}

describe('finalizer', () => {
  it('adds the finalizer first, with the resourceVersion as precondition, and does not act yet', async () => {
    const t = setup({ finalizers: ['other'] });
    expect(await t.run()).toEqual({ action: 'added-finalizer' });
    expect(t.patches).toEqual([
      { metadata: { resourceVersion: '7', finalizers: ['other', NAME] } },
    ]);
    expect(t.events).toEqual([]);
  });

  it('applies when the object is live and carries the finalizer', async () => {
    const t = setup({ finalizers: [NAME] });
    expect(await t.run()).toEqual({ action: 'applied', result: 'done' });
    expect(t.patches).toEqual([]);
  });

  it('cleans up when the object is being deleted, then removes only its own finalizer', async () => {
    const t = setup({ finalizers: ['other', NAME], deletionTimestamp: '2026-01-01T00:00:00Z' });
    expect(await t.run()).toEqual({ action: 'cleaned-up', result: 'done' });
    expect(t.events).toEqual(['cleanup']);
    expect(t.patches).toEqual([{ metadata: { resourceVersion: '7', finalizers: ['other'] } }]);
  });

  it('does nothing for an object being deleted without the finalizer', async () => {
    const t = setup({ finalizers: ['other'], deletionTimestamp: '2026-01-01T00:00:00Z' });
    expect(await t.run()).toEqual({ action: 'none' });
    expect(t.events).toEqual([]);
    expect(t.patches).toEqual([]);
  });

  it('keeps the finalizer when cleanup throws', async () => {
    const patches: unknown[] = [];
    const object: KubeObject = {
      metadata: { name: 'a', resourceVersion: '1', finalizers: [NAME], deletionTimestamp: 'x' },
    };
    await expect(
      finalizer(
        object,
        { name: NAME, patch: (_o, p) => Promise.resolve(void patches.push(p)) },
        () => {
          throw new Error('cloud API down');
        },
      ),
    ).rejects.toThrow('cloud API down');
    expect(patches).toEqual([]);
  });

  it('refuses an empty name and an object without resourceVersion', async () => {
    const patch = () => Promise.resolve();
    await expect(
      finalizer({ metadata: { resourceVersion: '1' } }, { name: '', patch }, () => 0),
    ).rejects.toSatisfy(isControllerOptionsError);
    await expect(finalizer({ metadata: {} }, { name: NAME, patch }, () => 0)).rejects.toSatisfy(
      isControllerOptionsError,
    );
  });
});
