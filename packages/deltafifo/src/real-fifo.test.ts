// Behaviours of client-go's the_real_fifo_test.go, re-expressed.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isAbortError, type KubeObject } from '@kubecache/core';
import type { DeletedFinalStateUnknown } from '@kubecache/store';
import { createStore, isDeletedFinalStateUnknown } from '@kubecache/store';
import { RealFIFO } from './real-fifo.js';
import { isFIFOClosedError, keyOfDelta, RequeueError, type Delta } from './queue.js';

const obj = (name: string, rv = '1'): KubeObject => ({ metadata: { name, resourceVersion: rv } });
const drain = async (f: RealFIFO): Promise<Delta[]> => {
  const out: Delta[] = [];
  while (f.length > 0) out.push(...(await f.pop(() => {})));
  return out;
};
const show = (d: readonly Delta[]): string[] =>
  d.map((x) =>
    isDeletedFinalStateUnknown(x.object)
      ? `${x.type}:${x.object.key}:tombstone`
      : `${x.type}:${x.object.metadata?.name}:${x.object.metadata?.resourceVersion}`,
  );

describe('RealFIFO', () => {
  it('hands out every event in order without coalescing (TestRealFIFO_basic, TestRealFIFO_addUpdate)', async () => {
    const f = new RealFIFO<KubeObject>({ knownObjects: createStore<KubeObject>() });
    f.add(obj('a', '1'));
    f.update(obj('a', '2'));
    f.add(obj('b', '3'));
    f.delete(obj('a', '4'));
    expect(f.length).toBe(4);
    expect(f.getByKey('a')).toBeUndefined();
    expect(f.getByKey('b')?.metadata?.resourceVersion).toBe('3');
    expect(show(await drain(f))).toEqual(['Added:a:1', 'Updated:a:2', 'Added:b:3', 'Deleted:a:4']);
    expect(f.listKeys()).toEqual([]);
  });

  it('replace queues Replaced for listed objects and tombstones for known or pending keys not listed (TestRealFIFO_ReplaceMakesDeletions)', async () => {
    const known = createStore<KubeObject>();
    known.add(obj('foo'));
    known.add(obj('bar'));
    const f = new RealFIFO<KubeObject>({ knownObjects: known });
    f.add(obj('pending', '7'));
    f.replace([obj('foo', '2')], '10');
    const out = await drain(f);
    expect(show(out)).toEqual([
      'Added:pending:7',
      'Replaced:foo:2',
      'Deleted:pending:tombstone',
      'Deleted:bar:tombstone',
    ]);
    const tomb = out[3]!.object as DeletedFinalStateUnknown;
    expect((tomb.obj as KubeObject).metadata?.name).toBe('bar');
  });

  it('does not add a second deletion for a key whose deletion is already queued', async () => {
    const known = createStore<KubeObject>();
    known.add(obj('gone'));
    const f = new RealFIFO<KubeObject>({ knownObjects: known });
    f.delete(obj('gone', '2'));
    f.replace([], '3');
    expect(show(await drain(f))).toEqual(['Deleted:gone:2']);
  });

  it('hasSynced after the initial replace batch, tombstones included (TestRealFIFO_HasSynced)', async () => {
    const known = createStore<KubeObject>();
    known.add(obj('old'));
    const f = new RealFIFO<KubeObject>({ knownObjects: known });
    f.replace([obj('a'), obj('b')], '1');
    const flags: boolean[] = [];
    for (let i = 0; i < 3; i++) await f.pop((_d, initial) => flags.push(initial));
    expect(flags).toEqual([true, true, true]);
    expect(f.hasSynced()).toBe(true);
  });

  it('resync queues Sync for every known object', async () => {
    const known = createStore<KubeObject>();
    known.add(obj('a'));
    known.add(obj('b'));
    const f = new RealFIFO<KubeObject>({ knownObjects: known });
    f.resync();
    expect(show(await drain(f)).sort()).toEqual(['Sync:a:1', 'Sync:b:1']);
  });

  it('transforms objects from the server, not tombstones or resyncs', async () => {
    const known = createStore<KubeObject>();
    known.add(obj('k'));
    let calls = 0;
    const f = new RealFIFO<KubeObject>({
      knownObjects: known,
      transformer: (o) => {
        calls++;
        return o;
      },
    });
    f.add(obj('a'));
    f.resync();
    f.replace([obj('a')], '2');
    await drain(f);
    expect(calls).toBe(2); // add + replaced item
  });

  it('close rejects waiting pops after draining', async () => {
    const f = new RealFIFO<KubeObject>({ knownObjects: createStore<KubeObject>() });
    f.add(obj('x'));
    f.close();
    expect(show(await f.pop(() => {}))).toEqual(['Added:x:1']);
    await expect(f.pop(() => {})).rejects.toSatisfy(isFIFOClosedError);
  });

  it('keeps pops O(1) on a long backlog (no quadratic shift): 100k events drain in order', async () => {
    const f = new RealFIFO<KubeObject>({ knownObjects: createStore<KubeObject>() });
    for (let i = 0; i < 100_000; i++) f.add(obj(`p${i}`));
    let last = -1;
    let ordered = true;
    while (f.length > 0) {
      await f.pop((d) => {
        const n = Number((d[0]!.object as KubeObject).metadata!.name!.slice(1));
        if (n !== last + 1) ordered = false;
        last = n;
      });
    }
    expect(ordered).toBe(true);
    expect(last).toBe(99_999);
  });
});

describe('RealFIFO.tryPop and keyed deltas', () => {
  it('pops without waiting, in order, and returns undefined when empty (open or closed)', () => {
    const f = new RealFIFO<KubeObject>({ knownObjects: createStore<KubeObject>() });
    expect(f.tryPop(() => {})).toBeUndefined();
    f.add(obj('a', '1'));
    f.update(obj('b', '2'));
    const seen: string[] = [];
    const first = f.tryPop((d) => seen.push(...show(d)));
    expect(show(first!)).toEqual(['Added:a:1']);
    expect(show(f.tryPop((d) => seen.push(...show(d)))!)).toEqual(['Updated:b:2']);
    expect(seen).toEqual(['Added:a:1', 'Updated:b:2']);
    expect(f.tryPop(() => {})).toBeUndefined();
    f.close();
    expect(f.tryPop(() => {})).toBeUndefined();
  });

  it('throws what the process function throws, and a RequeueError puts the event back', () => {
    const f = new RealFIFO<KubeObject>({ knownObjects: createStore<KubeObject>() });
    f.add(obj('a', '1'));
    expect(() =>
      f.tryPop(() => {
        throw new RequeueError('later', { cause: new Error('busy') });
      }),
    ).toThrow('busy');
    expect(f.length).toBe(1);
    expect(() =>
      f.tryPop(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(f.length).toBe(0);
  });

  it('hands out deltas that carry their key, and pop rejects (not throws) a failing process', async () => {
    const f = new RealFIFO<KubeObject>({ knownObjects: createStore<KubeObject>() });
    f.add({ metadata: { namespace: 'ns', name: 'a', resourceVersion: '1' } });
    const [d] = f.tryPop(() => {})!;
    expect(keyOfDelta(d!)).toBe('ns/a');
    expect(keyOfDelta({ type: 'Added', object: obj('x') })).toBeUndefined();
    f.add(obj('b'));
    const p = f.pop(() => {
      throw new Error('nope');
    });
    await expect(p).rejects.toThrow('nope');
  });

  it('list, listKeys and getByKey report the newest queued event per key, in first-queued order', () => {
    const f = new RealFIFO<KubeObject>({ knownObjects: createStore<KubeObject>() });
    f.add(obj('b', '1'));
    f.add(obj('a', '2'));
    f.update(obj('b', '3'));
    f.add(obj('c', '4'));
    f.delete(obj('c', '5'));
    expect(f.listKeys()).toEqual(['b', 'a', 'c']);
    expect(f.list().map((o) => `${o.metadata?.name}:${o.metadata?.resourceVersion}`)).toEqual([
      'b:3',
      'a:2',
    ]);
    expect(f.getByKey('b')?.metadata?.resourceVersion).toBe('3');
    expect(f.getByKey('c')).toBeUndefined();
    expect(f.get(obj('a'))?.metadata?.resourceVersion).toBe('2');
  });
});

describe('waiting pops', () => {
  it('keep one abort listener per signal however often they wait, and drop it at close', async () => {
    const f = new RealFIFO<KubeObject>({ knownObjects: createStore<KubeObject>() });
    const ac = new AbortController();
    for (let i = 0; i < 50; i++) {
      const p = f.pop(() => {}, ac.signal);
      f.add(obj(`p${i}`));
      await p;
    }
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    f.close();
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    await expect(f.pop(() => {}, ac.signal)).rejects.toSatisfy(isFIFOClosedError);
  });

  it('an abort rejects only the pops waiting with that signal; the others still get items', async () => {
    const f = new RealFIFO<KubeObject>({ knownObjects: createStore<KubeObject>() });
    const a = new AbortController();
    const b = new AbortController();
    const pa = f.pop(() => {}, a.signal);
    const pb = f.pop(() => {}, b.signal);
    a.abort(new Error('stop a'));
    await expect(pa).rejects.toSatisfy(isAbortError);
    expect(getEventListeners(a.signal, 'abort')).toHaveLength(0);
    f.add(obj('x'));
    expect(show(await pb)).toEqual(['Added:x:1']);
    expect(f.length).toBe(0);
    await expect(f.pop(() => {}, a.signal)).rejects.toSatisfy(isAbortError);
  });
});
