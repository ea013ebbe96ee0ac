// One seeded random trace of Reflector calls (watch events, relists after missed events, resyncs,
// partial draining) through DeltaFIFO, RealFIFO and atomic RealFIFO, each feeding its own cache
// with processDeltas. They must agree with the server and with each other.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { DeltaFIFO, RealFIFO, type Queue } from '@kubecache/deltafifo';
import {
  createStore,
  deletionHandlingMetaNamespaceKeyFunc as keyFunc,
  isDeletedFinalStateUnknown,
  type Store,
} from '@kubecache/store';
import { processDeltas, type DeltaSink } from './controller.js';

type Op =
  | { op: 'create' | 'modify' | 'remove'; name: string; seen: boolean }
  | { op: 'relist' }
  | { op: 'resync' }
  | { op: 'drain'; n: number };

const names = ['a', 'b', 'c', 'd'];
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constantFrom('create' as const, 'modify' as const, 'remove' as const),
      name: fc.constantFrom(...names),
      seen: fc.boolean(), // false: the watch missed the event, only a relist will tell
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'relist' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'resync' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('drain' as const), n: fc.nat(4) }) },
);

interface Consumer {
  name: string;
  queue: Queue<KubeObject>;
  cache: Store<KubeObject>;
  /** Per key: `add@rv`, `update@rv`, `delete@rv` — changes only (resyncs left out). */
  changes: Map<string, string[]>;
  /** The cache as each handler call saw it did not regress: one entry per violation. */
  violations: string[];
}

function consumer(name: string, make: (cache: Store<KubeObject>) => Queue<KubeObject>): Consumer {
  const cache = createStore<KubeObject>(keyFunc);
  return { name, queue: make(cache), cache, changes: new Map(), violations: [] };
}

const rv = (o: unknown): string =>
  (isDeletedFinalStateUnknown<KubeObject>(o) ? o.obj : (o as KubeObject))?.metadata
    ?.resourceVersion ?? '';

function process(c: Consumer, max: number): void {
  const note = (key: string, s: string): void => {
    const l = c.changes.get(key) ?? [];
    l.push(s);
    c.changes.set(key, l);
  };
  // Whether the object a deletion removes was cached: client-go's RealFIFO (unlike DeltaFIFO)
  // passes on the deletion of an object its cache never held (created and deleted while the watch
  // missed the creation); such deletions are noted apart.
  let wasCached = false;
  const s = c.cache;
  const cache: Store<KubeObject> = {
    add: (o) => s.add(o),
    update: (o) => s.update(o),
    delete: (o) => {
      wasCached = s.getByKey(keyFunc(o)) !== undefined;
      s.delete(o);
    },
    list: () => s.list(),
    listKeys: () => s.listKeys(),
    get: (o) => s.get(o),
    getByKey: (k) => s.getByKey(k),
    replace: (items, v) => {
      wasCached = true; // an atomic relist's deletions remove cached objects
      s.replace(items, v);
    },
    resync: () => s.resync(),
  };
  const sink: DeltaSink<KubeObject> = {
    onAdd: (o) => note(keyFunc(o), `add@${rv(o)}`),
    onUpdate: (old, o, isSync) => {
      if (Number(rv(o)) < Number(rv(old))) c.violations.push(`${keyFunc(o)} ${rv(old)}->${rv(o)}`);
      if (!isSync) note(keyFunc(o), `update@${rv(o)}`);
    },
    onDelete: (o) => note(keyFunc(o), `${wasCached ? '' : 'uncached-'}delete@${rv(o)}`),
  };
  for (let i = 0; i < max; i++)
    if (!c.queue.tryPop((d, initial) => processDeltas(sink, cache, d, initial, keyFunc))) return;
}

function run(ops: Op[]): Consumer[] {
  const consumers = [
    consumer(
      'deltafifo',
      (cache) =>
        new DeltaFIFO({ keyFunction: keyFunc, knownObjects: cache, emitDeltaTypeReplaced: true }),
    ),
    consumer('realfifo', (cache) => new RealFIFO({ keyFunction: keyFunc, knownObjects: cache })),
    consumer(
      'atomic',
      (cache) => new RealFIFO({ keyFunction: keyFunc, knownObjects: cache, atomicEvents: true }),
    ),
  ];
  const server = new Map<string, KubeObject>();
  let version = 0;
  const all = (f: (q: Queue<KubeObject>) => void): void => consumers.forEach((c) => f(c.queue));
  const relist = (): void => {
    const items = [...server.values()];
    all((q) => q.replace(items, String(version)));
  };
  relist();
  for (const o of ops) {
    if (o.op === 'relist') relist();
    else if (o.op === 'resync') all((q) => q.resync());
    else if (o.op === 'drain') consumers.forEach((c) => process(c, o.n));
    else {
      const key = `ns/${o.name}`;
      const cur = server.get(key);
      const obj: KubeObject = {
        metadata: { namespace: 'ns', name: o.name, resourceVersion: String(++version) },
      };
      if (o.op === 'create' && !cur) {
        server.set(key, obj);
        if (o.seen) all((q) => q.add(obj));
      } else if (o.op === 'modify' && cur) {
        server.set(key, obj);
        if (o.seen) all((q) => q.update(obj));
      } else if (o.op === 'remove' && cur) {
        server.delete(key);
        const last = { ...cur, metadata: { ...cur.metadata, resourceVersion: String(version) } };
        if (o.seen) all((q) => q.delete(last));
      }
    }
  }
  relist(); // a final relist makes every missed event known
  consumers.forEach((c) => process(c, Infinity));
  const want = [...server.values()].map((x) => `${keyFunc(x)}@${rv(x)}`).sort();
  for (const c of consumers) {
    const got = c.cache
      .list()
      .map((x) => `${keyFunc(x)}@${rv(x)}`)
      .sort();
    expect(got, c.name).toEqual(want);
    expect(c.violations, c.name).toEqual([]);
    expect(c.queue.hasSynced(), c.name).toBe(true);
  }
  return consumers;
}

describe('DeltaFIFO, RealFIFO and atomic RealFIFO on the same random Reflector trace', () => {
  it('end with the server state, never move an object back, and notify the same changes per key', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const [delta, real, atomic] = run(ops);
        const perKey = (c: Consumer): Record<string, string[]> =>
          Object.fromEntries(
            [...c.changes]
              .map(([k, l]) => [k, l.filter((x) => !x.startsWith('uncached-'))] as const)
              .filter(([, l]) => l.length > 0)
              .sort(([a], [b]) => a.localeCompare(b)),
          );
        expect(JSON.stringify([...delta!.changes.values()])).not.toContain('uncached-');
        expect(perKey(real!)).toEqual(perKey(delta!));
        expect(perKey(atomic!)).toEqual(perKey(delta!));
      }),
      { seed: 20261130, numRuns: 400 },
    );
  });
});
