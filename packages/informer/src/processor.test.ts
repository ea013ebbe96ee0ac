import { describe, expect, it } from 'vitest';
import { FakeClock } from '@kubecache/core';
import { ProcessorListener, type Notification } from './processor.js';
import type { ResourceEventHandler } from './handlers.js';

type Obj = { n: number };

function listener(handler: ResourceEventHandler<Obj>, errors: Error[] = []) {
  return new ProcessorListener<Obj>({
    handler,
    resyncPeriodMs: 0,
    onError: (err) => errors.push(err),
    clock: new FakeClock(0),
    upstreamSynced: () => true,
    onRemove: () => {},
  });
}
const add = (n: number): Notification<Obj> => ({ type: 'add', obj: { n }, isInInitialList: false });

describe('ProcessorListener', () => {
  it('delivers on a microtask, never inside add(), in order across sync, async and thenable handlers', async () => {
    const seen: string[] = [];
    const l = listener({
      onAdd: (o) => {
        if (o.n % 3 === 1)
          return new Promise<void>((r) => setTimeout(() => (seen.push(`async ${o.n}`), r()), 5));
        if (o.n % 3 === 2)
          return { then: (ok: () => void) => (seen.push(`thenable ${o.n}`), ok()) } as never;
        seen.push(`sync ${o.n}`);
        return undefined;
      },
    });
    for (let i = 0; i < 7; i++) l.add(add(i));
    expect(seen).toEqual([]);
    await l.idle();
    expect(seen).toEqual([
      'sync 0',
      'async 1',
      'thenable 2',
      'sync 3',
      'async 4',
      'thenable 5',
      'sync 6',
    ]);
  });

  it('reports throwing and rejecting handlers and carries on; a null return is not an error', async () => {
    const errors: Error[] = [];
    const seen: number[] = [];
    const l = listener(
      {
        onAdd: (o) => {
          seen.push(o.n);
          if (o.n === 0) throw new Error('sync boom');
          if (o.n === 1) return Promise.reject(new Error('async boom'));
          return null as never;
        },
      },
      errors,
    );
    for (let i = 0; i < 3; i++) l.add(add(i));
    await l.idle();
    expect(seen).toEqual([0, 1, 2]);
    expect(errors.map((e) => e.message)).toEqual(['sync boom', 'async boom']);
  });

  it('stops delivering once removed, even while an async handler runs', async () => {
    const seen: number[] = [];
    let release!: () => void;
    const l = listener({
      onAdd: (o) => {
        seen.push(o.n);
        if (o.n === 0) return new Promise<void>((r) => (release = r));
        return undefined;
      },
    });
    l.add(add(0));
    l.add(add(1));
    await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([0]);
    expect(l.queueDepth()).toBe(1);
    l.remove();
    release();
    await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([0]);
    await l.idle();
  });
});
