// Behaviours of client-go's the_real_fifo_test.go, re-expressed.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import type { DeletedFinalStateUnknown } from '@kubecache/store';
import { createStore, isDeletedFinalStateUnknown } from '@kubecache/store';
import { RealFIFO } from './real-fifo.js';
import { isFIFOClosedError, type Delta } from './queue.js';

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
