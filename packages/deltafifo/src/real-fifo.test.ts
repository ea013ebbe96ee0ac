// Behaviours of client-go's the_real_fifo_test.go, re-expressed.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isAbortError, type KubeObject } from '@kubecache/core';
import type { DeletedFinalStateUnknown } from '@kubecache/store';
import { createStore, isDeletedFinalStateUnknown } from '@kubecache/store';
import { RealFIFO } from './real-fifo.js';
import {
  isFIFOClosedError,
  keyOfDelta,
  type AnyDelta,
  type Delta,
  type ReplacedAllInfo,
} from './queue.js';

const obj = (name: string, rv = '1'): KubeObject => ({ metadata: { name, resourceVersion: rv } });
const drain = async (f: RealFIFO): Promise<Delta[]> => {
  const out: Delta[] = [];
  while (f.length > 0) out.push(...((await f.pop(() => {})) as Delta[]));
  return out;
};
const drainAny = async (f: RealFIFO): Promise<AnyDelta[]> => {
  const out: AnyDelta[] = [];
  while (f.length > 0) out.push(...(await f.pop(() => {})));
  return out;
};
const show = (d: readonly AnyDelta[]): string[] =>
  d.map((x) =>
    x.type === 'ReplacedAll' || x.type === 'SyncAll'
      ? x.type
      : x.type === 'Bookmark'
        ? `Bookmark:${x.object.resourceVersion}`
        : isDeletedFinalStateUnknown(x.object)
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
    // client-go's order: the tombstones (queued keys, then known keys), then the listed items.
    expect(show(out)).toEqual([
      'Added:pending:7',
      'Deleted:pending:tombstone',
      'Deleted:bar:tombstone',
      'Replaced:foo:2',
    ]);
    const tomb = out[2]!.object as DeletedFinalStateUnknown;
    expect((tomb.obj as KubeObject).metadata?.name).toBe('bar');
  });

  it('a relist tombstone for a known key with a queued newer event carries the newest queued state', async () => {
    const known = createStore<KubeObject>();
    known.add(obj('b', '2'));
    const f = new RealFIFO<KubeObject>({ knownObjects: known });
    f.update(obj('b', '4'));
    f.replace([obj('a', '7')], '8');
    const out = await drain(f);
    const tomb = out.find((d) => isDeletedFinalStateUnknown(d.object))!
      .object as DeletedFinalStateUnknown;
    expect(tomb.key).toBe('b');
    expect((tomb.obj as KubeObject).metadata?.resourceVersion).toBe('4');
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

  it('resync skips keys that have queued events (a Sync would carry the stale cached state)', async () => {
    const known = createStore<KubeObject>();
    known.add(obj('a', '1'));
    known.add(obj('b', '1'));
    const f = new RealFIFO<KubeObject>({ knownObjects: known });
    f.update(obj('a', '6'));
    f.resync();
    expect(show(await drain(f))).toEqual(['Updated:a:6', 'Sync:b:1']);
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
        const n = Number(((d[0] as Delta).object as KubeObject).metadata!.name!.slice(1));
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

  it('throws what the process function throws and does not put the event back', () => {
    const f = new RealFIFO<KubeObject>({ knownObjects: createStore<KubeObject>() });
    f.add(obj('a', '1'));
    expect(() =>
      f.tryPop(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(f.length).toBe(0);
    expect('addIfNotPresent' in f).toBe(false);
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

describe('RealFIFO parity with client-go', () => {
  it('queues a relist as tombstones first, then the listed items (TestReplaceEvents order)', async () => {
    const known = createStore<KubeObject>();
    for (const [n, rv] of [
      ['pod-1', '1'],
      ['pod-2', '2'],
      ['pod-3', '3'],
    ] as const)
      known.add(obj(n, rv));
    const f = new RealFIFO<KubeObject>({ knownObjects: known });
    f.replace([obj('pod-1', '4'), obj('pod-2', '5'), obj('pod-4', '6')], '6');
    expect(show(await drain(f))).toEqual([
      'Deleted:pod-3:tombstone',
      'Replaced:pod-1:4',
      'Replaced:pod-2:5',
      'Replaced:pod-4:6',
    ]);
  });

  it('hasSynced turns true only after the last initial entry was processed, not while it is', async () => {
    const f = new RealFIFO<KubeObject>({ knownObjects: createStore<KubeObject>() });
    f.replace([obj('a')], '1');
    let seenInside: boolean | undefined;
    await f.pop(() => (seenInside = f.hasSynced()));
    expect(seenInside).toBe(false);
    expect(f.hasSynced()).toBe(true);
  });

  it('requires knownObjects unless atomicEvents is set (client-go panics likewise)', () => {
    expect(() => new RealFIFO<KubeObject>({})).toThrow(/knownObjects/);
    expect(new RealFIFO<KubeObject>({ atomicEvents: true }).isAtomic()).toBe(true);
  });
});

describe('RealFIFO with atomicEvents (client-go AtomicFIFO)', () => {
  it('queues a relist as one ReplacedAll entry with the transformed list and its resource version', async () => {
    const f = new RealFIFO<KubeObject>({
      atomicEvents: true,
      transformer: (o) => ({ ...o, metadata: { ...o.metadata, labels: { t: 'y' } } }),
    });
    f.add(obj('x', '1'));
    f.replace([obj('a', '2'), obj('b', '3')], '9');
    expect(f.length).toBe(2);
    const out = await drainAny(f);
    expect(out.map((d) => d.type)).toEqual(['Added', 'ReplacedAll']);
    const info = out[1]!.object as ReplacedAllInfo<KubeObject>;
    expect(info.resourceVersion).toBe('9');
    expect(info.objects.map((o) => `${o.metadata?.name}:${o.metadata?.labels?.t}`)).toEqual([
      'a:y',
      'b:y',
    ]);
  });

  it('does not transform a listed item that is the cached instance itself', async () => {
    const known = createStore<KubeObject>();
    const cached = obj('a', '1');
    known.add(cached);
    let calls = 0;
    const f = new RealFIFO<KubeObject>({
      atomicEvents: true,
      knownObjects: known,
      transformer: (o) => {
        calls++;
        return o;
      },
    });
    f.replace([cached, obj('b', '2')], '3');
    await drainAny(f);
    expect(calls).toBe(1);
  });

  it('queues a resync as one SyncAll entry, whatever is queued', async () => {
    const f = new RealFIFO<KubeObject>({ atomicEvents: true });
    f.update(obj('a', '6'));
    f.resync();
    expect((await drainAny(f)).map((d) => d.type)).toEqual(['Updated', 'SyncAll']);
  });

  it('counts the initial relist as one entry: synced once it was processed', async () => {
    const f = new RealFIFO<KubeObject>({ atomicEvents: true });
    f.replace([obj('a'), obj('b'), obj('c')], '1');
    expect(f.length).toBe(1);
    const flags: boolean[] = [];
    await f.pop((_d, initial) => flags.push(initial, f.hasSynced()));
    expect(flags).toEqual([true, false]);
    expect(f.hasSynced()).toBe(true);
    const empty = new RealFIFO<KubeObject>({ atomicEvents: true });
    empty.replace([], '1');
    expect(empty.hasSynced()).toBe(false); // one (empty) ReplacedAll entry to process first
    await empty.pop(() => {});
    expect(empty.hasSynced()).toBe(true);
  });

  it('list and getByKey see the objects of a queued ReplacedAll', () => {
    const f = new RealFIFO<KubeObject>({ atomicEvents: true });
    f.replace([obj('a', '2')], '2');
    f.resync();
    expect(f.listKeys()).toEqual(['a']);
    expect(f.getByKey('a')?.metadata?.resourceVersion).toBe('2');
  });

  it('queues a watch bookmark behind the events before it, as one Bookmark entry (client-go 1.36 BookmarkInfo)', async () => {
    for (const atomicEvents of [true, false]) {
      const f = new RealFIFO<KubeObject>({ knownObjects: createStore<KubeObject>(), atomicEvents });
      f.replace([], '10');
      f.add(obj('a', '11'));
      f.bookmark('15');
      f.update(obj('a', '16'));
      f.bookmark(''); // nothing to record
      // Views of the queue see objects only.
      expect(f.listKeys()).toEqual(['a']);
      expect(f.getByKey('a')?.metadata?.resourceVersion).toBe('16');
      const popped = show(await drainAny(f));
      expect(popped.slice(-3)).toEqual(['Added:a:11', 'Bookmark:15', 'Updated:a:16']);
      expect(f.hasSynced()).toBe(true);
    }
  });
});
