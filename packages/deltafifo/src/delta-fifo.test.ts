// Behaviours of client-go's delta_fifo_test.go, re-expressed (each test names the Go test it mirrors).
import { describe, expect, it } from 'vitest';
import { isAbortError, type KubeObject } from '@kubecache/core';
import {
  createStore,
  DeletedFinalStateUnknown,
  isDeletedFinalStateUnknown,
} from '@kubecache/store';
import { DeltaFIFO } from './delta-fifo.js';
import * as api from './index.js';
import { isFIFOClosedError, newest, oldest, type Delta } from './queue.js';

const obj = (name: string, rv = '1'): KubeObject => ({ metadata: { name, resourceVersion: rv } });
const popNow = <T>(f: DeltaFIFO<T>): Promise<readonly Delta<T>[]> => f.pop(() => {});
const types = (d: readonly { type: string }[]): string[] => d.map((x) => x.type);

describe('DeltaFIFO', () => {
  it('pops keys in first-in order with all their deltas (TestDeltaFIFO_basic, TestDeltaFIFO_addUpdate)', async () => {
    const f = new DeltaFIFO<KubeObject>();
    f.add(obj('a', '1'));
    f.add(obj('b', '1'));
    f.update(obj('a', '2'));
    expect(f.length).toBe(2);
    const a = await popNow(f);
    expect(types(a)).toEqual(['Added', 'Updated']);
    expect((newest(a)?.object as KubeObject).metadata?.resourceVersion).toBe('2');
    expect((oldest(a)?.object as KubeObject).metadata?.resourceVersion).toBe('1');
    expect(types(await popNow(f))).toEqual(['Added']);
    expect(f.length).toBe(0);
  });

  it('ignores deletion of an unknown key without knownObjects (TestDeltaFIFO_enqueueingNoLister)', () => {
    const f = new DeltaFIFO<KubeObject>();
    f.delete(obj('never'));
    expect(f.length).toBe(0);
    f.add(obj('x'));
    f.delete(obj('x'));
    expect(types(f.getDeltas('x')!)).toEqual(['Added', 'Deleted']);
  });

  it('with knownObjects, queues deletion of a known key and ignores unknown ones (TestDeltaFIFO_DeleteExistingNonPropagated)', () => {
    const known = createStore<KubeObject>();
    known.add(obj('k'));
    const f = new DeltaFIFO<KubeObject>({ knownObjects: known });
    f.delete(obj('k'));
    f.delete(obj('unknown'));
    expect(f.listKeys()).toEqual(['k']);
  });

  it('collapses two trailing deletions, keeping the non-tombstone (TestDeltaFIFO_dedupDeltas)', () => {
    const f = new DeltaFIFO<KubeObject>();
    f.add(obj('a'));
    f.delete(obj('a', '2'));
    f.delete(new DeletedFinalStateUnknown('a', obj('a', '1')));
    const d = f.getDeltas('a')!;
    expect(types(d)).toEqual(['Added', 'Deleted']);
    expect(isDeletedFinalStateUnknown(d[1]!.object)).toBe(false);
    // The other way round: a tombstone first, then a real deletion → the real one wins.
    const g = new DeltaFIFO<KubeObject>();
    g.add(obj('b'));
    g.delete(new DeletedFinalStateUnknown('b', obj('b')));
    g.delete(obj('b', '3'));
    const e = g.getDeltas('b')!;
    expect(types(e)).toEqual(['Added', 'Deleted']);
    expect((e[1]!.object as KubeObject).metadata?.resourceVersion).toBe('3');
  });

  it('of two trailing real deletions keeps the older one, and of two tombstones the newer (client-go isDeletionDup)', () => {
    const f = new DeltaFIFO<KubeObject>();
    f.add(obj('a', '4'));
    f.delete(obj('a', '5'));
    f.delete(obj('a', '6')); // the first deletion is still queued
    const d = f.getDeltas('a')!;
    expect(types(d)).toEqual(['Added', 'Deleted']);
    expect((d[1]!.object as KubeObject).metadata?.resourceVersion).toBe('5');
    const g = new DeltaFIFO<KubeObject>();
    g.add(obj('b', '1'));
    g.delete(new DeletedFinalStateUnknown('b', obj('b', '1')));
    g.delete(new DeletedFinalStateUnknown('b', obj('b', '2')));
    const e = g.getDeltas('b')!;
    expect(types(e)).toEqual(['Added', 'Deleted']);
    const kept = e[1]!.object as DeletedFinalStateUnknown;
    expect((kept.obj as KubeObject).metadata?.resourceVersion).toBe('2');
  });

  it('replace emits Sync, and tombstones for keys queued or known but not listed (TestDeltaFIFO_ReplaceMakesDeletions)', async () => {
    const known = createStore<KubeObject>();
    known.add(obj('foo', '1'));
    known.add(obj('bar', '1'));
    known.add(obj('baz', '1'));
    const f = new DeltaFIFO<KubeObject>({ knownObjects: known });
    f.delete(obj('baz', '2')); // queued deletion for a known key
    f.add(obj('queued-only', '5'));
    f.replace([obj('foo', '3')], '10');
    const got = new Map<string, readonly Delta[]>();
    while (f.length > 0) {
      const d = await popNow(f);
      got.set(f.keyOf(d), d);
    }
    expect(types(got.get('foo')!)).toEqual(['Sync']);
    const bar = got.get('bar')!;
    expect(types(bar)).toEqual(['Deleted']);
    expect(isDeletedFinalStateUnknown(bar[0]!.object)).toBe(true);
    expect(((bar[0]!.object as DeletedFinalStateUnknown).obj as KubeObject).metadata?.name).toBe(
      'bar',
    );
    // baz: the queued real deletion is kept, the tombstone collapsed into it.
    const baz = got.get('baz')!;
    expect(types(baz)).toEqual(['Deleted']);
    expect((baz[0]!.object as KubeObject).metadata?.resourceVersion).toBe('2');
    // queued-only: tombstone carrying the newest queued object.
    const q = got.get('queued-only')!;
    expect(types(q)).toEqual(['Added', 'Deleted']);
    expect(
      ((q[1]!.object as DeletedFinalStateUnknown).obj as KubeObject).metadata?.resourceVersion,
    ).toBe('5');
  });

  it('emits Replaced instead of Sync when asked (TestDeltaFIFO_ReplaceMakesDeletionsReplaced)', async () => {
    const f = new DeltaFIFO<KubeObject>({
      knownObjects: createStore<KubeObject>(),
      emitDeltaTypeReplaced: true,
    });
    f.replace([obj('a')], '1');
    expect(types(await popNow(f))).toEqual(['Replaced']);
  });

  it('resync queues Sync only for known keys without queued deltas (TestDeltaFIFO_ResyncNonExisting, TestDeltaFIFO_resync)', () => {
    const known = createStore<KubeObject>();
    known.add(obj('a'));
    known.add(obj('b'));
    const f = new DeltaFIFO<KubeObject>({ knownObjects: known });
    f.update(obj('a', '2'));
    f.resync();
    expect(types(f.getDeltas('a')!)).toEqual(['Updated']);
    expect(types(f.getDeltas('b')!)).toEqual(['Sync']);
    new DeltaFIFO<KubeObject>().resync(); // no knownObjects: nothing happens, no error
  });

  it('hasSynced after the first replace batch is popped, with isInInitialList on those pops (TestDeltaFIFO_HasSynced)', async () => {
    const f = new DeltaFIFO<KubeObject>({ knownObjects: createStore<KubeObject>() });
    expect(f.hasSynced()).toBe(false);
    f.replace([obj('a'), obj('b')], '1');
    const flags: boolean[] = [];
    await f.pop((_d, initial) => flags.push(initial));
    expect(f.hasSynced()).toBe(false);
    f.add(obj('c'));
    await f.pop((_d, initial) => flags.push(initial));
    expect(f.hasSynced()).toBe(true);
    await f.pop((_d, initial) => flags.push(initial));
    expect(flags).toEqual([true, true, false]);
    const g = new DeltaFIFO<KubeObject>();
    g.add(obj('x'));
    expect(g.hasSynced()).toBe(true); // an add before any replace counts as populated
    const h = new DeltaFIFO<KubeObject>();
    h.replace([], '1');
    expect(h.hasSynced()).toBe(true);
  });

  it('drops an item whose process function throws: client-go removed ErrRequeue and AddIfNotPresent', async () => {
    const f = new DeltaFIFO<KubeObject>();
    f.add(obj('a'));
    await expect(
      f.pop(() => {
        throw new Error('plain');
      }),
    ).rejects.toThrow('plain');
    expect(f.length).toBe(0);
    expect('addIfNotPresent' in f).toBe(false);
    expect(Object.keys(api)).not.toContain('RequeueError');
  });

  it('wakes a waiting pop on add, and an aborted pop loses nothing', async () => {
    const f = new DeltaFIFO<KubeObject>();
    const waiting = popNow(f);
    f.add(obj('a'));
    expect(f.keyOf(await waiting)).toBe('a');
    const ac = new AbortController();
    const aborted = popNow(f);
    const aborted2 = f.pop(() => {}, ac.signal);
    ac.abort();
    await expect(aborted2).rejects.toSatisfy(isAbortError);
    f.add(obj('b'));
    expect(f.keyOf(await aborted)).toBe('b');
  });

  it('close rejects waiting pops with FIFOClosedError after draining (TestDeltaFIFO_PopShouldUnblockWhenClosed)', async () => {
    const f = new DeltaFIFO<KubeObject>();
    const waiting = popNow(f);
    f.close();
    await expect(waiting).rejects.toSatisfy(isFIFOClosedError);
    const g = new DeltaFIFO<KubeObject>();
    g.add(obj('left'));
    g.close();
    expect(g.isClosed()).toBe(true);
    expect(g.keyOf(await popNow(g))).toBe('left');
    await expect(popNow(g)).rejects.toSatisfy(isFIFOClosedError);
  });

  it('applies the transformer once per object, never to tombstones (TestDeltaFIFO_transformer)', async () => {
    let calls = 0;
    const f = new DeltaFIFO<KubeObject>({
      knownObjects: createStore<KubeObject>(),
      transformer: (o) => {
        calls++;
        return { ...o, metadata: { ...o.metadata, managedFields: [] } };
      },
    });
    f.add({ metadata: { name: 'a', managedFields: [{ big: 1 }] } });
    f.replace([], '2');
    const d = await popNow(f);
    expect((d[0]!.object as KubeObject).metadata?.managedFields).toEqual([]);
    expect(isDeletedFinalStateUnknown(d[1]!.object)).toBe(true);
    expect(calls).toBe(1);
  });

  it('does not run the transformer again on resynced objects (they come from the cache, already transformed)', () => {
    const known = createStore<KubeObject>();
    known.add(obj('a'));
    let calls = 0;
    const f = new DeltaFIFO<KubeObject>({
      knownObjects: known,
      transformer: (o) => {
        calls++;
        return o;
      },
    });
    f.resync();
    expect(types(f.getDeltas('a')!)).toEqual(['Sync']);
    expect(calls).toBe(0);
  });

  it('hasSynced turns true only after the last initial item was processed, not while it is', async () => {
    const f = new DeltaFIFO<KubeObject>({ knownObjects: createStore<KubeObject>() });
    f.replace([obj('a')], '1');
    let seenInside: boolean | undefined;
    await f.pop(() => (seenInside = f.hasSynced()));
    expect(seenInside).toBe(false);
    expect(f.hasSynced()).toBe(true);
  });

  it('runs the seed controller: deletes everything it is given and reports each deletion once', async () => {
    // shared/seeds/002: a "source" (here a plain store) feeds the FIFO; the controller adds what it
    // gets to downstream and deletes it at the source; deletions are reported.
    const downstream = createStore<KubeObject>();
    const fifo = new DeltaFIFO<KubeObject>({ knownObjects: downstream });
    const reported: string[] = [];
    const source = new Map<string, KubeObject>();
    const sourceDelete = (o: KubeObject): void => {
      source.delete(o.metadata!.name!);
      fifo.delete(o);
    };
    for (const name of ['a-hello', 'b-controller', 'c-framework']) {
      source.set(name, obj(name));
      fifo.add(obj(name));
    }
    while (reported.length < 3) {
      await fifo.pop((deltas) => {
        const n = newest(deltas)!;
        if (n.type !== 'Deleted') {
          downstream.add(n.object as KubeObject);
          sourceDelete(n.object as KubeObject);
        } else {
          downstream.delete(n.object as KubeObject);
          reported.push(fifo.keyOf(n.object));
        }
      });
    }
    // A resync after everything is gone queues nothing; a relist with an empty list reports nothing new.
    fifo.resync();
    fifo.replace([], '9');
    expect(fifo.length).toBe(0);
    expect(reported.sort()).toEqual(['a-hello', 'b-controller', 'c-framework']);
    expect(source.size).toBe(0);
  });
});

describe('DeltaFIFO.tryPop', () => {
  it('pops the deltas of the oldest key without waiting, and undefined when empty', () => {
    const f = new DeltaFIFO<KubeObject>();
    expect(f.tryPop(() => {})).toBeUndefined();
    f.add(obj('a', '1'));
    f.add(obj('b', '1'));
    f.update(obj('a', '2'));
    let initial: boolean | undefined;
    const d = f.tryPop((_d, isInInitialList) => (initial = isInInitialList));
    expect(types(d!)).toEqual(['Added', 'Updated']);
    expect(initial).toBe(false);
    expect(types(f.tryPop(() => {})!)).toEqual(['Added']);
    expect(f.tryPop(() => {})).toBeUndefined();
  });
});
