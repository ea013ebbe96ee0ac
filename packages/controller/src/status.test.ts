import { describe, expect, it } from 'vitest';
import { deepEqual, updateStatus } from './status.js';

interface Foo {
  metadata: { name: string; resourceVersion: string };
  status?: { availableReplicas: number };
}

describe('updateStatus', () => {
  it('reads again and recomputes after a conflict, then writes', async () => {
    const writes: Foo[] = [];
    let reads = 0;
    const cached: Foo = { metadata: { name: 'a', resourceVersion: '1' } };
    const r = await updateStatus(cached, {
      status: () => ({ availableReplicas: 3 }),
      read: () => {
        reads++;
        return Promise.resolve({ metadata: { name: 'a', resourceVersion: '2' } });
      },
      write: (o) => {
        writes.push(o);
        if (writes.length === 1) {
          return Promise.reject(Object.assign(new Error('conflict'), { code: 409 }));
        }
        return Promise.resolve({ ...o, metadata: { ...o.metadata, resourceVersion: '3' } });
      },
    });
    expect(r.written).toBe(true);
    expect(r.attempts).toBe(2);
    expect(reads).toBe(1);
    expect(writes.map((w) => w.metadata.resourceVersion)).toEqual(['1', '2']);
    expect(r.object.metadata.resourceVersion).toBe('3');
  });

  it('writes nothing when the status already matches', async () => {
    const foo: Foo = {
      metadata: { name: 'a', resourceVersion: '1' },
      status: { availableReplicas: 1 },
    };
    const r = await updateStatus<Foo, { availableReplicas: number }>(foo, {
      status: () => ({ availableReplicas: 1 }),
      read: () => Promise.reject(new Error('unused')),
      write: () => Promise.reject(new Error('unused')),
    });
    expect(r).toEqual({ object: foo, written: false, attempts: 1 });
  });

  it('deepEqual ignores key order and undefined members', () => {
    expect(deepEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(deepEqual({ a: 1, x: undefined }, { a: 1 })).toBe(true);
    expect(deepEqual([1], [1, 2])).toBe(false);
    expect(deepEqual({ a: 1 }, { a: '1' })).toBe(false);
  });
});
