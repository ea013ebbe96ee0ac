// WatchList over real HTTP: on by default, transient failures retried rather than giving up, the
// LIST fallback remembered per ListerWatcher, and the consistency detector.
import { afterEach, describe, expect, it } from 'vitest';
import { createDefaultLogger, type KubeObject } from '@kubecache/core';
import {
  createListWatchFromFunctions,
  type ListerWatcher,
  type WatchStream,
} from '@kubecache/listwatch';
import { createStore } from '@kubecache/store';
import { makePod } from '@kubecache/testing';
import { watchListInconsistencyDetectorEnv } from './consistency-detector.js';
import { isReflectorError, type ReflectorErrorKind } from './errors.js';
import {
  api,
  inSync,
  keys,
  lists,
  podsLw,
  start,
  startOn,
  until,
  watches,
} from './test-support/harness.js';

const ofKind = (errors: Error[], kind: ReflectorErrorKind) =>
  errors.filter((e) => isReflectorError(e) && e.kind === kind);
const watchLists = (s: Parameters<typeof watches>[0]) =>
  watches(s).filter((w) => w.query.sendInitialEvents === 'true');

describe('Reflector WatchList', () => {
  it('is used by default with a ListerWatcher that supports it (client-go ≥ 1.35), with no LIST at all', async () => {
    const s = await api();
    for (let i = 0; i < 3; i++) s.create('pods', makePod({ namespace: 'a', name: `p${i}` }));
    const { store } = start(s);
    await until(() => keys(store).length === 3);
    s.create('pods', makePod({ namespace: 'a', name: 'later' }));
    await until(() => inSync(s, store));
    expect(lists(s)).toHaveLength(0);
    expect(watchLists(s)).toHaveLength(1);
  });

  it('is not attempted with a ListerWatcher that does not declare support (createListWatchFromFunctions)', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p' }));
    const real = podsLw(s);
    const lw = createListWatchFromFunctions({
      list: (o, sig) => real.list(o, sig),
      watch: (o, sig) => real.watch(o, sig),
    });
    const { store } = startOn(lw);
    await until(() => inSync(s, store) && watches(s).length === 1);
    expect(lists(s)).toHaveLength(1);
    expect(watchLists(s)).toHaveLength(0);
  });

  it('keeps trying WatchList after a transient failure (server down at the first request) instead of falling back for good', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p' }));
    await s.faults.down();
    const { store, errors } = start(s, createStore(), { useWatchList: true });
    await until(() => errors.length >= 2, 8000, 'refused attempts');
    await s.faults.up();
    await until(() => inSync(s, store));
    expect(lists(s)).toHaveLength(0);
    expect(watchLists(s).length).toBeGreaterThanOrEqual(1);
    expect(ofKind(errors, 'watchlist')).toHaveLength(0);
  });

  it('remembers the LIST fallback per ListerWatcher: a second Reflector over it lists at once, and it is reported once', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p' }));
    s.faults.omitInitialEventsEnd(true);
    const lw = podsLw(s);
    const first = startOn(lw, createStore(), { useWatchList: true, watchListTimeoutMs: 150 });
    await until(() => first.store.listKeys().length === 1 && lists(s).length === 1);
    await first.stop();
    expect(ofKind(first.errors, 'watchlist')).toHaveLength(1);
    const second = startOn(lw, createStore(), { useWatchList: true, watchListTimeoutMs: 150 });
    await until(() => second.store.listKeys().length === 1 && lists(s).length === 2);
    expect(watchLists(s)).toHaveLength(1);
    expect(ofKind(second.errors, 'watchlist')).toHaveLength(0);
  });
});

/** A ListerWatcher over `real` whose WatchList streams silently drop the initial event of `name`. */
function droppingInitialEvent(real: ListerWatcher, name: string): ListerWatcher {
  return {
    supportsPaging: true,
    supportsWatchList: true,
    list: (o, sig) => real.list(o, sig),
    async watch(o, sig) {
      const inner = await real.watch(o, sig);
      if (o.sendInitialEvents !== true) return inner;
      let initial = true;
      const stream: WatchStream<KubeObject> = {
        stop: () => inner.stop(),
        async *[Symbol.asyncIterator]() {
          for await (const ev of inner) {
            if (ev.type === 'BOOKMARK') initial = false;
            if (initial && ev.type === 'ADDED' && ev.object.metadata?.name === name) continue;
            yield ev;
          }
        },
      };
      return stream;
    },
  };
}

describe('WatchList consistency detector', () => {
  const saved = process.env.KUBE_WATCHLIST_INCONSISTENCY_DETECTOR;
  afterEach(() => {
    if (saved === undefined) delete process.env.KUBE_WATCHLIST_INCONSISTENCY_DETECTOR;
    else process.env.KUBE_WATCHLIST_INCONSISTENCY_DETECTOR = saved;
  });

  it('lists at exactly the synced RV after a WatchList sync and finds nothing on a consistent server', async () => {
    const s = await api();
    for (let i = 0; i < 3; i++) s.create('pods', makePod({ namespace: 'a', name: `p${i}` }));
    const { r, store, errors } = start(s, createStore(), { checkWatchListConsistency: true });
    await until(() => keys(store).length === 3 && lists(s).length === 1);
    expect(lists(s)[0]?.query).toMatchObject({
      resourceVersion: r.lastSyncResourceVersion(),
      resourceVersionMatch: 'Exact',
    });
    expect(ofKind(errors, 'watchlist-inconsistent')).toHaveLength(0);
  });

  it('reports (at error level, without throwing) a WatchList that lost an object, when enabled by KUBE_WATCHLIST_INCONSISTENCY_DETECTOR', async () => {
    expect(watchListInconsistencyDetectorEnv).toBe('KUBE_WATCHLIST_INCONSISTENCY_DETECTOR');
    process.env.KUBE_WATCHLIST_INCONSISTENCY_DETECTOR = 'true';
    const s = await api();
    for (let i = 0; i < 3; i++) s.create('pods', makePod({ namespace: 'a', name: `p${i}` }));
    const lost = s.get('pods', 'a', 'p1')!.metadata!.uid!;
    const logged: string[] = [];
    const { errors } = startOn(droppingInitialEvent(podsLw(s), 'p1'), createStore(), {
      logger: createDefaultLogger({ level: 'error', write: (l) => logged.push(l) }),
    });
    await until(() => ofKind(errors, 'watchlist-inconsistent').length === 1);
    expect(ofKind(errors, 'watchlist-inconsistent')[0]!.message).toContain(`missing: [${lost}]`);
    expect(logged).toContainEqual(
      expect.stringMatching(
        /^kubecache error reflector reflector: WatchList inconsistent: data inconsistency detected: WatchList at RV \d+ differs from a LIST at that RV \(missing: \[/,
      ),
    );
  });

  it('is off without the option and the environment variable', async () => {
    delete process.env.KUBE_WATCHLIST_INCONSISTENCY_DETECTOR;
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p0' }));
    const { store, errors } = startOn(droppingInitialEvent(podsLw(s), 'p0'));
    await until(() => watches(s).length === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(keys(store)).toEqual([]);
    expect(lists(s)).toHaveLength(0);
    expect(ofKind(errors, 'watchlist-inconsistent')).toHaveLength(0);
  });
});
