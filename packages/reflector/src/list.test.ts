// The Reflector's LIST over real HTTP: "never back in time" on every list answer, its bound for a
// server restored from an older backup, and client-go's sticky paginatedResult rule.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { createDefaultLogger, type KubeObject } from '@kubecache/core';
import { createListWatch } from '@kubecache/listwatch';
import { createStore, type Store } from '@kubecache/store';
import { makePod, startApiServer } from '@kubecache/testing';
import { isReflectorError } from './errors.js';
import {
  api,
  inSync,
  lists,
  podsLw,
  onCleanup,
  start,
  startOn,
  until,
  watches,
} from './test-support/harness.js';

/** A store that records the resource version of every replace and of every pod it is given. */
function recordingStore(): { store: Store; replacedAt: string[]; podRvs: Map<string, string[]> } {
  const store = createStore();
  const replacedAt: string[] = [];
  const podRvs = new Map<string, string[]>();
  const seen = (o: KubeObject): void => {
    const k = `${o.metadata!.namespace!}/${o.metadata!.name!}`;
    podRvs.set(k, [...(podRvs.get(k) ?? []), o.metadata!.resourceVersion!]);
  };
  const replace = store.replace.bind(store);
  store.replace = (items, rv) => {
    replacedAt.push(rv);
    items.forEach(seen);
    replace(items, rv);
  };
  const update = store.update.bind(store);
  store.update = (o) => {
    seen(o);
    update(o);
  };
  return { store, replacedAt, podRvs };
}

const staleErrors = (errors: Error[]) =>
  errors.filter((e) => isReflectorError(e) && e.kind === 'stale-list');

describe('Reflector LIST: never back in time', () => {
  it('judges the consistent read after a 410 against the synced RV and retries stale answers with backoff', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p' }));
    const { store, replacedAt, podRvs } = recordingStore();
    const { r, errors } = start(s, store, { useWatchList: false });
    await until(() => watches(s).length === 1);
    const oldRv = Number(s.resourceVersion());
    s.patch('pods', 'a', 'p', { status: { phase: 'Failed' } });
    await until(() => inSync(s, store));
    const synced = r.lastSyncResourceVersion();
    // The relist at the synced RV is answered 410; the consistent read that follows, and the
    // first retry, are served from a stale cache (as of before the patch).
    s.faults.nextResponses(1, { status: 410, verb: 'list' });
    s.faults.staleLists(2, oldRv);
    s.faults.expireWatches();
    await until(() => lists(s).length === 5 && inSync(s, store), 8000, 'a fresh list');
    expect(lists(s).map((l) => [l.query.resourceVersion, l.status])).toEqual([
      ['0', 200],
      [synced, 410],
      ['', 200], // stale
      ['', 200], // stale again
      ['', 200], // fresh
    ]);
    expect(staleErrors(errors)).toHaveLength(2);
    // After the initial list, every replace is at or after the synced RV.
    expect(replacedAt.slice(1).every((rv) => Number(rv) >= Number(synced))).toBe(true);
    const rvs = podRvs.get('a/p')!.map(Number);
    expect(rvs).toEqual([...rvs].sort((x, y) => x - y)); // the pod never went back in time
    expect(r.lastSyncResourceVersion()).toBe(s.resourceVersion());
  });

  it('judges a relist at the synced RV too: a stale answer is retried as a consistent read', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p' }));
    const { store, replacedAt } = recordingStore();
    const { errors } = start(s, store, { useWatchList: false });
    await until(() => watches(s).length === 1);
    const oldRv = Number(s.resourceVersion());
    s.patch('pods', 'a', 'p', { status: { phase: 'Failed' } });
    await until(() => inSync(s, store));
    const synced = Number(s.resourceVersion());
    s.faults.staleLists(1, oldRv);
    s.faults.expireWatches();
    await until(() => lists(s).length === 3 && inSync(s, store));
    expect(lists(s)[2]?.query.resourceVersion).toBe('');
    expect(staleErrors(errors)).toHaveLength(1);
    expect(replacedAt.slice(1).every((rv) => Number(rv) >= synced)).toBe(true);
  });

  it('accepts an older state after staleListRetries retries (a server restored from an older etcd backup), logged at error level', async () => {
    // Server A: three pods, then unrelated writes move the global RV further.
    const a = await startApiServer();
    for (let i = 0; i < 3; i++) a.create('pods', makePod({ namespace: 'a', name: `p${i}` }));
    for (let i = 0; i < 5; i++)
      a.create('configmaps', { metadata: { namespace: 'a', name: `c${i}` } });
    const port = Number(new URL(a.url).port);
    const logged: string[] = [];
    const logger = createDefaultLogger({ level: 'error', write: (l) => logged.push(l) });
    // The "too large" answers of the restored server carry Retry-After: do not wait them out here.
    const lwOptions = { group: '', version: 'v1', resource: 'pods', maxRetries: 0 };
    const { r, store, errors } = startOn(createListWatch(a.kubeConfig, lwOptions), createStore(), {
      useWatchList: false,
      staleListRetries: 2,
      logger,
    });
    await until(() => watches(a).length === 1 && store.listKeys().length === 3);
    const syncedOnA = Number(r.lastSyncResourceVersion());
    // "Restore" an older backup: a new server on the same port whose history is shorter; the
    // pods are recreated (new uids) at the same resource versions.
    await a.close();
    const b = await startApiServer({ port });
    onCleanup(() => b.close());
    for (let i = 0; i < 3; i++) b.create('pods', makePod({ namespace: 'a', name: `p${i}` }));
    expect(Number(b.resourceVersion())).toBeLessThan(syncedOnA);
    await until(() => inSync(b, store), 10_000, 'the restored state');
    expect(staleErrors(errors)).toHaveLength(2);
    expect(errors.some((e) => isReflectorError(e) && e.kind === 'resource-version-reset')).toBe(
      true,
    );
    expect(
      logged.some((m) =>
        /^kubecache error reflector pods\.v1: resource version reset: the server keeps answering at RV \d+, older than the synced RV \d+, after 2 retries; accepting its state as the new truth/.test(
          m,
        ),
      ),
    ).toBe(true);
    expect(r.lastSyncResourceVersion()).toBe(b.resourceVersion());
    // Then it keeps following the restored server.
    b.create('pods', makePod({ namespace: 'a', name: 'after' }));
    await until(() => inSync(b, store));
  });
});

/**
 * A raw server that pages every list (like kube-apiserver with the watch cache disabled), one
 * item per page whatever `limit` says, and ends the first watch with a 410 ERROR event.
 */
async function pagingServer(): Promise<{ kc: KubeConfig; urls: URL[]; close(): Promise<void> }> {
  const urls: URL[] = [];
  const pods = [0, 1].map((i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: 'a', name: `p${i}`, uid: `u${i}`, resourceVersion: '7' },
  }));
  let watchCount = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    urls.push(url);
    res.setHeader('Content-Type', 'application/json');
    if (url.searchParams.get('watch') === '1') {
      watchCount++;
      res.writeHead(200);
      if (watchCount === 1) {
        const status = { kind: 'Status', status: 'Failure', code: 410, reason: 'Expired' };
        res.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
      } else res.write(''); // stays open until the client goes
      return;
    }
    const page = url.searchParams.get('continue') === 'next' ? 1 : 0;
    const paged = url.searchParams.has('limit');
    res.end(
      JSON.stringify({
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '10', ...(paged && page === 0 ? { continue: 'next' } : {}) },
        items: paged ? [pods[page]] : pods,
      }),
    );
  });
  const sockets = new Set<Socket>();
  server.on('connection', (c) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return {
    kc,
    urls,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of sockets) c.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('Reflector LIST: paging', () => {
  it('keeps paging relists at a specific RV once the RV="0" list came back paginated (client-go paginatedResult; the RV stays, only the page size is kept)', async () => {
    const srv = await pagingServer();
    onCleanup(() => srv.close());
    const lw = createListWatch(srv.kc, { group: '', version: 'v1', resource: 'pods' });
    const store = createStore();
    startOn(lw, store, { useWatchList: false });
    const listUrls = () => srv.urls.filter((u) => u.searchParams.get('watch') !== '1');
    await until(() => listUrls().length === 4, 8000, 'initial list (2 pages) and a paged relist');
    const q = listUrls().map((u) => Object.fromEntries(u.searchParams));
    expect(q[0]).toEqual({ resourceVersion: '0', limit: '500' });
    expect(q[1]).toEqual({ limit: '500', continue: 'next' });
    // The relist after the 410: at the synced RV, NotOlderThan, still paged.
    expect(q[2]).toEqual({
      resourceVersion: '10',
      resourceVersionMatch: 'NotOlderThan',
      limit: '500',
    });
    expect(q[3]).toEqual({ limit: '500', continue: 'next' });
    expect(store.listKeys().sort()).toEqual(['a/p0', 'a/p1']);
  });

  for (const listPaging of ['always', 'watchCache'] as const) {
    it(`pages relists at the synced RV only if the RV="0" list came back paginated (in-process server, listPaging: '${listPaging}')`, async () => {
      const s = await api({ listPaging });
      for (let i = 0; i < 501; i++)
        s.create('pods', { metadata: { namespace: 'a', name: `p${i}` } });
      const { r, store } = start(s, createStore(), { useWatchList: false });
      await until(() => watches(s).length === 1 && store.listKeys().length === 501);
      const synced = r.lastSyncResourceVersion();
      s.faults.expireWatches();
      await until(() => watches(s).length === 2, 8000, 'a relist and a new watch');
      const relist = lists(s).filter((l) => l.query.continue === undefined)[1]?.query;
      expect(relist).toEqual({
        resourceVersion: synced,
        resourceVersionMatch: 'NotOlderThan',
        ...(listPaging === 'always' ? { limit: '500' } : {}),
      });
    });
  }
});

describe('Reflector mapListItem on unpaged lists and WatchList', () => {
  /** A lister that records, per list call, whether it was given a mapItem hook. */
  function hookRecorder(s: Parameters<typeof podsLw>[0]) {
    const lw = podsLw(s);
    const hooksGiven: boolean[] = [];
    const spied = new Proxy(lw, {
      get(target, prop, receiver) {
        if (prop === 'list') {
          return (...args: Parameters<typeof lw.list>) => {
            hooksGiven.push(args[2]?.mapItem !== undefined);
            return target.list(...args);
          };
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    return { lw: spied, hooksGiven };
  }

  it('hands mapListItem to an unpaged relist, so each item is mapped as it is decoded', async () => {
    const s = await api(); // the watch-cache default: the RV=0 list comes back whole, unpaginated
    for (let i = 0; i < 5; i++) s.create('pods', makePod({ namespace: 'a', name: `p${i}` }));
    const { lw, hooksGiven } = hookRecorder(s);
    const mapped: string[] = [];
    const { store } = start(
      s,
      createStore(),
      {
        useWatchList: false,
        mapListItem: (o) => {
          mapped.push(o.metadata!.name!);
          return o;
        },
      },
      lw,
    );
    await until(() => inSync(s, store) && watches(s).length === 1);
    // After a 410 the relist is at the synced RV without limit (client-go: no paging at a
    // specific RV once the first list came back whole): one body, mapped item by item.
    s.faults.expireWatches();
    // The request is logged before its body is decoded: wait for the relist's items.
    await until(() => lists(s).length === 2 && mapped.length === 10 && inSync(s, store));
    expect(lists(s)[1]!.query).not.toContain('limit=');
    expect(hooksGiven).toEqual([true, true]);
  });

  it('applies mapListItem to WatchList initial events as they arrive', async () => {
    const s = await api();
    for (let i = 0; i < 5; i++) s.create('pods', makePod({ namespace: 'a', name: `p${i}` }));
    const mapped: string[] = [];
    const stored: KubeObject[] = [];
    const { store } = start(s, createStore(), {
      useWatchList: true,
      mapListItem: (o) => {
        mapped.push(o.metadata!.name!);
        // What an informer's reuseUnchanged does: hand back another (cached) instance.
        const instance = { ...o };
        stored.push(instance);
        return instance;
      },
    });
    await until(() => inSync(s, store));
    expect(lists(s)).toHaveLength(0);
    expect(mapped.sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    for (const o of store.list()) expect(stored).toContain(o);
  });
});
