// processDeltas (client-go controller.go processDeltas / processReplacedAllInfo, controller_test.go
// TestReplaceEvents), re-expressed against a plain store and a recording sink.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { RealFIFO, type Deltas } from '@kubecache/deltafifo';
import {
  createIndexer,
  createStore,
  deletionHandlingMetaNamespaceKeyFunc,
  isDeletedFinalStateUnknown,
  type Store,
} from '@kubecache/store';
import { createListWatch } from '@kubecache/listwatch';
import { startApiServer } from '@kubecache/testing';
import { newInformer, processDeltas, type DeltaSink } from './controller.js';

const pod = (name: string, rv: string, labels?: Record<string, string>): KubeObject => ({
  metadata: { namespace: 'default', name, resourceVersion: rv, ...(labels ? { labels } : {}) },
});
const rv = (o: unknown): string => (o as KubeObject | undefined)?.metadata?.resourceVersion ?? '';

/** Records each notification with the event's RV and the store's RV for that key at that time. */
function recorder(store: Store<KubeObject>) {
  const history: string[] = [];
  const storeStates: string[][] = [];
  const record = (action: string, obj: unknown, sync = false): void => {
    const key = deletionHandlingMetaNamespaceKeyFunc(obj);
    const eventRV = isDeletedFinalStateUnknown(obj) ? rv(obj.obj) : rv(obj);
    history.push(
      `${action}${sync ? '(sync)' : ''} ${key} event=${eventRV} store=${rv(store.getByKey(key))}`,
    );
    storeStates.push(
      store
        .list()
        .map((o) => `${o.metadata?.name}@${rv(o)}`)
        .sort(),
    );
  };
  const sink: DeltaSink<KubeObject> = {
    onAdd: (o) => record('add', o),
    onUpdate: (_old, n, isSync) => record('update', n, isSync),
    onDelete: (o) => record('delete', o),
  };
  return { history, storeStates, sink };
}

/** Runs `replace` through a RealFIFO in the given mode and processes everything it queued. */
function relist(atomic: boolean, initial: KubeObject[], listed: KubeObject[], listRV: string) {
  const store = createStore<KubeObject>(deletionHandlingMetaNamespaceKeyFunc);
  for (const o of initial) store.add(o);
  const fifo = new RealFIFO<KubeObject>({
    knownObjects: store,
    atomicEvents: atomic,
    keyFunction: deletionHandlingMetaNamespaceKeyFunc,
  });
  const r = recorder(store);
  fifo.replace(listed, listRV);
  while (fifo.length > 0)
    fifo.tryPop((d: Deltas<KubeObject>, init) =>
      processDeltas(r.sink, store, d, init, deletionHandlingMetaNamespaceKeyFunc),
    );
  return { store, ...r };
}

describe('processDeltas with an atomic relist (client-go AtomicFIFO, TestReplaceEvents)', () => {
  const initial = [pod('pod-1', '1'), pod('pod-2', '2', { ver: '1' }), pod('pod-3', '3')];
  const listed = [pod('pod-1', '4'), pod('pod-2', '5', { ver: '2' }), pod('pod-4', '6')];
  const finalState = ['pod-1@4', 'pod-2@5', 'pod-4@6'];

  it('notifies deletions first, then updates and adds in list order, each against the replaced store', () => {
    const { history, storeStates, store } = relist(true, initial, listed, '6');
    expect(history).toEqual([
      'delete default/pod-3 event=3 store=',
      'update default/pod-1 event=4 store=4',
      'update default/pod-2 event=5 store=5',
      'add default/pod-4 event=6 store=6',
    ]);
    // Every handler call sees the whole list applied: the state of one server resource version.
    for (const state of storeStates) expect(state).toEqual(finalState);
    expect(
      store
        .list()
        .map((o) => `${o.metadata?.name}@${rv(o)}`)
        .sort(),
    ).toEqual(finalState);
  });

  it('without atomicEvents the same relist is applied one event at a time (client-go 1.35)', () => {
    const { history, storeStates } = relist(false, initial, listed, '6');
    expect(history).toEqual([
      'delete default/pod-3 event=3 store=',
      'update default/pod-1 event=4 store=4',
      'update default/pod-2 event=5 store=5',
      'add default/pod-4 event=6 store=6',
    ]);
    expect(storeStates[0]).toEqual(['pod-1@1', 'pod-2@2']); // a half-applied relist
  });

  it('deletes everything for an empty list and adds everything to an empty store', () => {
    expect(relist(true, [pod('pod-1', '1'), pod('pod-3', '2')], [], '2').history).toEqual([
      'delete default/pod-1 event=1 store=',
      'delete default/pod-3 event=2 store=',
    ]);
    expect(relist(true, [], [pod('pod-1', '1')], '1').history).toEqual([
      'add default/pod-1 event=1 store=1',
    ]);
  });

  it('reports relisted objects whose resource version did not change as resyncs', () => {
    const same = pod('pod-1', '1');
    expect(relist(true, [same], [pod('pod-1', '1')], '1').history).toEqual([
      'update(sync) default/pod-1 event=1 store=1',
    ]);
  });
});

describe('processDeltas', () => {
  it('delivers SyncAll as onUpdate(obj, obj) marked as a resync for every cached object', () => {
    const store = createStore<KubeObject>(deletionHandlingMetaNamespaceKeyFunc);
    store.add(pod('a', '1'));
    store.add(pod('b', '2'));
    const r = recorder(store);
    processDeltas(r.sink, store, [{ type: 'SyncAll', object: {} }], false);
    expect(r.history.sort()).toEqual([
      'update(sync) default/a event=1 store=1',
      'update(sync) default/b event=2 store=2',
    ]);
  });

  it('treats an update that leaves the resource version unchanged as a resync (sharedIndexInformer.OnUpdate)', () => {
    const store = createStore<KubeObject>(deletionHandlingMetaNamespaceKeyFunc);
    store.add(pod('a', '7'));
    const r = recorder(store);
    processDeltas(r.sink, store, [{ type: 'Updated', object: pod('a', '7') }], false);
    processDeltas(r.sink, store, [{ type: 'Sync', object: pod('a', '8') }], false);
    expect(r.history).toEqual([
      'update(sync) default/a event=7 store=7',
      'update default/a event=8 store=8',
    ]);
  });
});

describe("newInformer with a user's logger (pino)", () => {
  it("applies core's policy: handler failures name the key; 20 on 20 keys are the first call with the Error, then one naming 5 keys and the count when run ends", async () => {
    const s = await startApiServer();
    try {
      const calls: { fields: Record<string, unknown>; msg: string | undefined }[] = [];
      const at =
        (level: string) =>
        (obj: object | string, msg?: string): void => {
          if (level === 'error' && typeof obj !== 'string') {
            calls.push({ fields: obj as Record<string, unknown>, msg });
          }
        };
      const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
      for (let i = 0; i < 20; i++) {
        s.create('pods', { metadata: { namespace: 'ns', name: `p${String(i).padStart(2, '0')}` } });
      }
      let failed = 0;
      const { controller } = newInformer({
        listWatch: createListWatch(s.kubeConfig, { group: '', version: 'v1', resource: 'pods' }),
        logger,
        handlers: {
          onAdd: (pod) => {
            failed++;
            void (pod as unknown as { status: { phase: { length: number } } }).status.phase.length;
          },
        },
      });
      const ac = new AbortController();
      const done = controller.run(ac.signal);
      const t0 = Date.now();
      while (failed < 20 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 5));
      ac.abort();
      await done;
      const failures = calls.filter((c) => c.msg === 'event handler failed');
      expect(failures).toHaveLength(2);
      expect(failures[0]!.fields.err).toBeInstanceOf(TypeError); // pino prints its stack
      expect(failures[0]!.fields.key).toMatch(/^ns\/p\d\d$/);
      expect(failures[1]!.fields).toMatchObject({
        component: 'informer',
        err: expect.stringMatching(/^Cannot read properties of undefined/) as unknown,
        repeated: 19,
        keyCount: 19,
      });
      expect(failures[1]!.fields.keys).toHaveLength(5);
    } finally {
      await s.close();
    }
  });
});

describe("the cache's resource version moves when a delta is processed, not when it is queued", () => {
  it('list, events and bookmarks move lastStoreSyncResourceVersion only once popped and applied', async () => {
    const cache = createIndexer<KubeObject>(deletionHandlingMetaNamespaceKeyFunc);
    const fifo = new RealFIFO<KubeObject>({ knownObjects: cache, atomicEvents: true });
    const sink: DeltaSink<KubeObject> = { onAdd: () => {}, onUpdate: () => {}, onDelete: () => {} };
    const seenInHandler: string[] = [];
    const process = (d: Deltas<KubeObject>, initial: boolean): void => {
      processDeltas(
        { ...sink, onAdd: () => void seenInHandler.push(cache.lastStoreSyncResourceVersion()) },
        cache,
        d,
        initial,
        deletionHandlingMetaNamespaceKeyFunc,
      );
    };
    fifo.replace([pod('a', '5')], '10');
    fifo.add(pod('b', '11'));
    fifo.bookmark('20');
    expect(cache.lastStoreSyncResourceVersion()).toBe(''); // queued, not processed
    await fifo.pop(process);
    expect(cache.lastStoreSyncResourceVersion()).toBe('10');
    await fifo.pop(process);
    expect(cache.lastStoreSyncResourceVersion()).toBe('11');
    expect(cache.getByKey('default/b')).toBeDefined();
    await fifo.pop(process); // the bookmark: no handler call
    expect(cache.lastStoreSyncResourceVersion()).toBe('20');
    // A handler called for a delta sees the version of that delta already applied.
    expect(seenInHandler).toEqual(['10', '11']);
  });
});
