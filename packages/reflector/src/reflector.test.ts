// Behaviours of client-go's reflector_test.go, re-expressed against the in-process API server over
// real HTTP (each test names the Go test it mirrors). These tests pin `useWatchList: false` where
// they are about LIST; WatchList has its own tests in watch-list.test.ts.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { createIndexer, createStore, type Store } from '@kubecache/store';
import { makePod, type ApiServer } from '@kubecache/testing';
import { isReflectorError } from './errors.js';
import type { ReflectorOptions } from './options.js';
import {
  api,
  inSync,
  keys,
  lists,
  start as startReflector,
  until,
  watches,
} from './test-support/harness.js';

/** A Reflector that syncs with LIST (WatchList off), as the LIST tests below expect. */
const start = (s: ApiServer, store: Store = createStore(), o: ReflectorOptions<KubeObject> = {}) =>
  startReflector(s, store, { useWatchList: false, ...o });

describe('Reflector', () => {
  it('lists at RV 0, then watches from the list RV with bookmarks and a timeout in [300, 600) s (TestReflectorListAndWatch)', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p1' }));
    const { r, store } = start(s);
    await until(() => watches(s).length === 1, 8000, 'a watch');
    expect(lists(s)[0]?.query).toMatchObject({ resourceVersion: '0', limit: '500' });
    const w = watches(s)[0]!.query;
    expect(w.resourceVersion).toBe(r.lastSyncResourceVersion());
    expect(w.allowWatchBookmarks).toBe('true');
    expect(Number(w.timeoutSeconds)).toBeGreaterThanOrEqual(300);
    expect(Number(w.timeoutSeconds)).toBeLessThan(600);
    s.create('pods', makePod({ namespace: 'a', name: 'p2' }));
    s.patch('pods', 'a', 'p1', { status: { phase: 'Succeeded' } });
    s.delete('pods', 'a', 'p2');
    s.create('pods', makePod({ namespace: 'b', name: 'p3' }));
    await until(() => inSync(s, store));
    expect(r.lastSyncResourceVersion()).toBe(s.resourceVersion());
    expect(lists(s)).toHaveLength(1);
  });

  it('relists at the last RV after an ERROR 410 and replaces the store, tombstoning what vanished (TestReflectorWatchListPageSize / unsafe ERROR mid-stream)', async () => {
    const s = await api();
    for (let i = 0; i < 5; i++) s.create('pods', makePod({ namespace: 'a', name: `p${i}` }));
    const { store } = start(s);
    await until(() => keys(store).length === 5 && watches(s).length === 1);
    const rvBefore = s.resourceVersion();
    s.faults.hideEventsFromWatchers(true);
    s.delete('pods', 'a', 'p0');
    s.patch('pods', 'a', 'p1', { status: { phase: 'Failed' } });
    s.create('pods', makePod({ namespace: 'a', name: 'new' }));
    s.faults.hideEventsFromWatchers(false);
    s.compact();
    s.faults.expireWatches();
    await until(() => inSync(s, store));
    expect(lists(s)).toHaveLength(2);
    // Relist at the last synced RV (no going back in time), unpaged from the watch cache.
    expect(lists(s)[1]?.query).toEqual({
      resourceVersion: rvBefore,
      resourceVersionMatch: 'NotOlderThan',
    });
  });

  it('retries a list with RV "" after 410 Expired on a list at an RV (TestReflectorFullListIfExpired)', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p' }));
    const { r, store } = start(s);
    await until(() => watches(s).length === 1);
    s.faults.nextResponses(1, { status: 410, verb: 'list' });
    s.faults.expireWatches();
    await until(() => lists(s).length === 3);
    expect(lists(s).map((l) => l.query.resourceVersion)).toEqual([
      '0',
      r.lastSyncResourceVersion() === '' ? '' : lists(s)[1]!.query.resourceVersion,
      '',
    ]);
    expect(lists(s)[1]?.status).toBe(410);
    await until(() => inSync(s, store) && !r.isLastSyncResourceVersionUnavailable());
  });

  it('retries a list with RV "" after "too large resource version" (TestReflectorFullListIfTooLarge)', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p' }));
    s.faults.nextResponses(1, {
      status: 504,
      verb: 'list',
      body: JSON.stringify({
        kind: 'Status',
        code: 504,
        reason: 'Timeout',
        message: 'Too large resource version',
        details: { causes: [{ reason: 'ResourceVersionTooLarge' }] },
      }),
    });
    const { store, errors } = start(s);
    await until(() => keys(store).length === 1);
    expect(lists(s).map((l) => l.query.resourceVersion)).toEqual(['0', '']);
    expect(errors.some((e) => /Too large/.test(e.message))).toBe(true);
  });

  it('backs off on 429 at watch start, honouring Retry-After, without relisting (TestBackoffOnTooManyRequests, TestNoRelistOnTooManyRequests)', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p' }));
    s.faults.nextResponses(2, { status: 429, verb: 'watch', retryAfterSeconds: 0 });
    const { store } = start(s);
    await until(() => watches(s).filter((w) => w.status === 200).length === 1);
    expect(watches(s).map((w) => w.status)).toEqual([429, 429, 200]);
    expect(lists(s)).toHaveLength(1);
    s.create('pods', makePod({ namespace: 'a', name: 'q' }));
    await until(() => inSync(s, store));
  });

  it('keeps the RV across a server outage: connection refused → back off and rewatch, no relist (TestReflectorInitConnBackoff)', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p' }));
    const { store, errors } = start(s);
    await until(() => watches(s).length === 1);
    await s.faults.down();
    await new Promise((r) => setTimeout(r, 150));
    s.create('pods', makePod({ namespace: 'a', name: 'during-outage' }));
    await s.faults.up();
    await until(() => inSync(s, store));
    expect(lists(s)).toHaveLength(1);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('rewatches from the last good RV after a malformed line, without relisting', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p' }));
    const { store, errors } = start(s);
    await until(() => watches(s).length === 1);
    s.create('pods', makePod({ namespace: 'a', name: 'q' }));
    await until(() => keys(store).length === 2);
    const rv = s.resourceVersion();
    s.faults.writeRawToWatches('{"type":"ADDED","object":{"metadata":\n');
    s.create('pods', makePod({ namespace: 'a', name: 'r' }));
    await until(() => inSync(s, store));
    expect(lists(s)).toHaveLength(1);
    expect(watches(s)[1]?.query.resourceVersion).toBe(rv);
    expect(errors.some((e) => e.name === 'WatchDecodeError')).toBe(true);
  });

  it('advances the RV from bookmarks on a quiet resource (TestReflectorResourceVersionUpdate)', async () => {
    const s = await api({ bookmarkIntervalMs: 30 });
    s.create('pods', makePod({ namespace: 'a', name: 'p' }));
    const bookmarks: string[] = [];
    const base = createStore();
    const store = Object.assign(base, { bookmark: (rv: string) => bookmarks.push(rv) });
    const { r } = start(s, store);
    await until(() => watches(s).length === 1);
    s.create('configmaps', { metadata: { name: 'elsewhere', namespace: 'a' } });
    const target = s.resourceVersion();
    await until(() => r.lastSyncResourceVersion() === target, 5000, 'bookmark RV');
    expect(bookmarks).toContain(target);
  });

  it("moves a store's lastStoreSyncResourceVersion with the list, each event and each bookmark (client-go 1.36)", async () => {
    const s = await api({ bookmarkIntervalMs: 30 });
    s.create('pods', makePod({ namespace: 'a', name: 'p' }));
    const listRv = s.resourceVersion();
    const store = createIndexer();
    start(s, store);
    await until(() => store.lastStoreSyncResourceVersion() === listRv, 5000, 'list RV');
    await until(() => watches(s).length === 1);
    const updated = s.update('pods', {
      ...s.get('pods', 'a', 'p')!,
      metadata: { ...s.get('pods', 'a', 'p')!.metadata, labels: { x: 'y' } },
    });
    await until(
      () => store.lastStoreSyncResourceVersion() === updated.metadata?.resourceVersion,
      5000,
      'event RV',
    );
    s.create('configmaps', { metadata: { name: 'elsewhere', namespace: 'a' } }); // not a pod
    const target = s.resourceVersion();
    await until(() => store.lastStoreSyncResourceVersion() === target, 5000, 'bookmark RV');
  });

  it('reports a very short watch and relists after backoff', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p' }));
    s.faults.shortWatches(1);
    const { errors } = start(s);
    await until(() => lists(s).length === 2 && watches(s).length === 2);
    expect(errors.some((e) => isReflectorError(e) && e.kind === 'very-short-watch')).toBe(true);
  });

  it('resyncs on the period when shouldResync allows (TestReflectorResync)', async () => {
    const s = await api();
    let resyncs = 0;
    let allow = false;
    const store = Object.assign(createStore(), {
      resync: () => {
        resyncs++;
      },
    });
    start(s, store, { resyncPeriodMs: 20, shouldResync: () => allow });
    await until(() => watches(s).length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(resyncs).toBe(0);
    allow = true;
    await until(() => resyncs >= 2);
  });

  it('uses an explicit page size, and does not page relists at a specific RV (TestReflectorListPageSize rules)', async () => {
    // A server that pages RV=0 lists (kube-apiserver with --watch-cache=false): the watch cache ignores limit.
    const s = await api({ listPaging: 'always' });
    for (let i = 0; i < 12; i++)
      s.create('pods', makePod({ namespace: 'a', name: `p${String(i).padStart(2, '0')}` }));
    const { store } = start(s, createStore(), { pageSize: 5 });
    await until(() => keys(store).length === 12 && watches(s).length === 1);
    expect(lists(s).map((l) => l.query.limit)).toEqual(['5', '5', '5']);
    const s2 = await api();
    s2.create('pods', makePod({ namespace: 'a', name: 'x' }));
    const b = start(s2);
    await until(() => watches(s2).length === 1);
    s2.faults.expireWatches();
    await until(() => lists(s2).length === 2);
    expect(lists(s2)[0]?.query.limit).toBe('500');
    expect(lists(s2)[1]?.query.limit).toBeUndefined();
    await b.stop();
  });

  it('skips and reports objects of another kind, and applies the transform (TestReflectorTransformer, expected type)', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p' }));
    const { store, errors } = start(s, createStore(), {
      transform: (o) => ({ ...o, metadata: { ...o.metadata, managedFields: [] } }),
    });
    await until(() => watches(s).length === 1 && keys(store).length === 1);
    expect(store.list()[0]?.metadata?.managedFields).toEqual([]);
    s.faults.writeRawToWatches(
      `${JSON.stringify({ type: 'ADDED', object: { kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'a', resourceVersion: '999' } } })}\n`,
    );
    s.create('pods', makePod({ namespace: 'a', name: 'q' }));
    await until(() => keys(store).length === 2);
    expect(keys(store)).toEqual(['a/p', 'a/q']);
    expect(errors.some((e) => isReflectorError(e) && e.kind === 'wrong-kind')).toBe(true);
  });

  it('syncs with WatchList: initial events, end bookmark, no LIST (TestReflectorWatchListHappyPath)', async () => {
    const s = await api();
    for (let i = 0; i < 3; i++) s.create('pods', makePod({ namespace: 'a', name: `p${i}` }));
    const replaced: number[] = [];
    const store = createStore();
    const replace = store.replace.bind(store);
    store.replace = (items, rv) => {
      replaced.push(items.length);
      replace(items, rv);
    };
    const { r } = start(s, store, { useWatchList: true });
    await until(() => keys(store).length === 3);
    s.create('pods', makePod({ namespace: 'a', name: 'later' }));
    await until(() => inSync(s, store));
    expect(lists(s)).toHaveLength(0);
    expect(watches(s)[0]?.query).toMatchObject({
      sendInitialEvents: 'true',
      resourceVersionMatch: 'NotOlderThan',
      allowWatchBookmarks: 'true',
    });
    expect(replaced).toEqual([3]);
    expect(r.lastSyncResourceVersion()).toBe(s.resourceVersion());
  });

  it('falls back to LIST when the initial-events-end bookmark never comes, and remembers it (TestReflectorWatchListFallback)', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p' }));
    s.faults.omitInitialEventsEnd(true);
    const { store, errors } = start(s, createStore(), {
      useWatchList: true,
      watchListTimeoutMs: 200,
    });
    await until(() => keys(store).length === 1 && lists(s).length === 1);
    expect(errors.some((e) => isReflectorError(e) && e.kind === 'watchlist')).toBe(true);
    // Expire only once the regular watch is the one open (not the abandoned WatchList stream).
    await until(
      () =>
        watches(s).some((w) => w.query.sendInitialEvents === undefined) && s.openWatches() === 1,
    );
    s.faults.expireWatches();
    await until(() => lists(s).length === 2);
    expect(watches(s).filter((w) => w.query.sendInitialEvents === 'true')).toHaveLength(1);
  });

  it('settles promptly on abort during list, watch and backoff, leaving no sockets or timers', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p' }));
    const base = process.getActiveResourcesInfo().filter((x) => x !== 'TTYWrap');
    // During a watch.
    const a = start(s);
    await until(() => watches(s).length === 1);
    let t0 = Date.now();
    await a.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    // During backoff (server down: watch start refused).
    const b = start(s, createStore(), { backoff: { initialMs: 60_000, jitter: 0 } });
    await until(() => watches(s).length === 2);
    await s.faults.down();
    await new Promise((r) => setTimeout(r, 50));
    t0 = Date.now();
    await b.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    await s.faults.up();
    // During a list that never completes (the server answers with a stall: list responses injected as hanging is not possible, so abort right after start).
    const c = start(s);
    t0 = Date.now();
    await c.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 50));
    const after = process.getActiveResourcesInfo().filter((x) => x !== 'TTYWrap');
    const count = (xs: string[], k: string) => xs.filter((x) => x === k).length;
    expect(count(after, 'Timeout')).toBeLessThanOrEqual(count(base, 'Timeout'));
    expect(count(after, 'TCPSocketWrap')).toBeLessThanOrEqual(count(base, 'TCPSocketWrap') + 1);
  });

  it('keeps the store equal to a fresh LIST through restarts and compactions', async () => {
    const s = await api({ historySize: 50 });
    for (let i = 0; i < 20; i++) s.create('pods', makePod({ namespace: 'a', name: `p${i}` }));
    const { store } = start(s);
    await until(() => watches(s).length >= 1);
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 15; i++) {
        const n = `p${(round * 7 + i) % 25}`;
        if (s.get('pods', 'a', n)) {
          if (i % 3 === 0) s.delete('pods', 'a', n);
          else s.patch('pods', 'a', n, { metadata: { annotations: { round: String(round) } } });
        } else {
          s.create('pods', makePod({ namespace: 'a', name: n }));
        }
      }
      if (round % 2 === 0) {
        await s.faults.down();
        for (let i = 0; i < 60; i++)
          s.patch('pods', 'a', 'p19', { metadata: { annotations: { churn: String(i) } } });
        s.compact();
        await s.faults.up();
      } else {
        s.compact();
        s.faults.resetWatches();
      }
      await until(() => inSync(s, store), 10_000, `sync after round ${round}`);
    }
  });
});
