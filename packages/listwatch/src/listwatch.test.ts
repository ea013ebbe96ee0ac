import { afterEach, describe, expect, it } from 'vitest';
import { KubeConfig as KubeConfig1 } from '@kubernetes/client-node-1';
import { KubeConfig } from '@kubernetes/client-node';
import { FakeClock, isAbortError } from '@kubecache/core';
import { makeConfigMap, makePod, startApiServer, type ApiServer } from '@kubecache/testing';
import {
  isApiStatusError,
  isConnectionRefused,
  isExpired,
  isGone,
  isInternalError,
  isResponseDecodeError,
  isTooLargeResourceVersion,
  isTooManyRequests,
  isWatchDecodeError,
  isWatchIdleTimeoutError,
  type ApiStatusError,
} from './errors.js';
import {
  buildQuery,
  collectionPath,
  createListWatch,
  createListWatchFromFunctions,
  type ListWatch,
  type ListWatchOptions,
} from './listwatch.js';
import { listAllPages } from './pager.js';
import {
  collect,
  eventLine,
  openTcpSockets,
  podsOn,
  startRawServer,
  until,
} from './raw-server.test-helper.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function api(o: Parameters<typeof startApiServer>[0] = {}): Promise<ApiServer> {
  const s = await startApiServer(o);
  cleanups.push(() => s.close());
  return s;
}

function lwFor(
  kc: Parameters<typeof createListWatch>[0],
  o: Partial<ListWatchOptions> = {},
): ListWatch {
  const lw = createListWatch(kc, { group: '', version: 'v1', resource: 'pods', ...o });
  cleanups.push(() => lw.close());
  return lw;
}

const names = (items: readonly { metadata?: { name?: string } }[]): (string | undefined)[] =>
  items.map((i) => i.metadata?.name);

describe('paths and queries', () => {
  it('builds core, grouped, namespaced and cluster-wide collection paths', () => {
    expect(collectionPath({ group: '', version: 'v1', resource: 'pods' })).toBe('/api/v1/pods');
    expect(
      collectionPath({ group: '', version: 'v1', resource: 'pods', namespace: 'kube-system' }),
    ).toBe('/api/v1/namespaces/kube-system/pods');
    expect(
      collectionPath({ group: 'apps', version: 'v1', resource: 'deployments', namespace: 'a' }),
    ).toBe('/apis/apps/v1/namespaces/a/deployments');
    expect(collectionPath({ group: 'example.com', version: 'v1beta1', resource: 'widgets' })).toBe(
      '/apis/example.com/v1beta1/widgets',
    );
    expect(() => collectionPath({ group: '', version: '', resource: 'pods' })).toThrow(TypeError);
  });

  it('ANDs the ListWatch selectors with the call selectors and leaves empty selectors and zero limits out', () => {
    const own = { labelSelector: 'app=web', fieldSelector: 'spec.nodeName=n1' };
    expect(
      buildQuery({ labelSelector: 'tier=fe', resourceVersion: '', limit: 0 }, 'list', own),
    ).toBe(
      '?labelSelector=app%3Dweb%2Ctier%3Dfe&fieldSelector=spec.nodeName%3Dn1&resourceVersion=',
    );
    const q = new URLSearchParams(
      buildQuery(
        {
          resourceVersion: '12',
          resourceVersionMatch: 'NotOlderThan',
          timeoutSeconds: 300,
          allowWatchBookmarks: true,
          sendInitialEvents: true,
          limit: 500,
          continue: 'x',
        },
        'watch',
      ).slice(1),
    );
    expect(Object.fromEntries(q)).toEqual({
      watch: '1',
      resourceVersion: '12',
      resourceVersionMatch: 'NotOlderThan',
      timeoutSeconds: '300',
      allowWatchBookmarks: 'true',
      sendInitialEvents: 'true',
    });
    expect(buildQuery({ limit: 500, continue: 'tok' }, 'list')).toBe('?limit=500&continue=tok');
  });

  it('describes itself and declares its capabilities; function-made ListerWatchers page but do not WatchList', () => {
    const kc = new KubeConfig();
    kc.loadFromClusterAndUser(
      { name: 'c', server: 'http://127.0.0.1:1', skipTLSVerify: true },
      { name: 'u' },
    );
    const lw = lwFor(kc, {
      group: 'apps',
      resource: 'deployments',
      namespace: 'ns',
      kind: 'Deployment',
    });
    expect(lw.path).toBe('/apis/apps/v1/namespaces/ns/deployments');
    expect(lw.description).toBe('deployments.v1.apps in namespace ns');
    expect(lw.expectedKind).toBe('Deployment');
    expect(lw.supportsPaging).toBe(true);
    expect(lw.supportsWatchList).toBe(true);
    const fromFns = createListWatchFromFunctions({
      list: () => Promise.resolve({ metadata: { resourceVersion: '1' }, items: [] }),
      watch: () => Promise.reject(new Error('unused')),
    });
    expect(fromFns.supportsPaging).toBe(true);
    expect(fromFns.supportsWatchList).toBe(false);
  });

  it('rejects a KubeConfig without a current cluster', () => {
    expect(() => lwFor(new KubeConfig())).toThrow(/no current cluster/);
  });
});

describe('createListWatch against the in-process API server', () => {
  it('lists and watches pods over HTTP with client-node 2.x, applying its selectors to both', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'web', labels: { app: 'web' } }));
    s.create('pods', makePod({ namespace: 'a', name: 'db', labels: { app: 'db' } }));
    const lw = lwFor(s.kubeConfig, { labelSelector: 'app=web' });
    const list = await lw.list({});
    expect(names(list.items)).toEqual(['web']);
    expect(list.metadata?.resourceVersion).toBe(s.resourceVersion());
    const w = await lw.watch({
      resourceVersion: list.metadata?.resourceVersion ?? '',
      allowWatchBookmarks: true,
    });
    s.create('pods', makePod({ namespace: 'a', name: 'web2', labels: { app: 'web' } }));
    s.create('pods', makePod({ namespace: 'a', name: 'db2', labels: { app: 'db' } }));
    s.delete('pods', 'a', 'web');
    const { events } = await collect(w, 2);
    expect(events.map((e) => `${e.type}:${e.object.metadata?.name ?? ''}`)).toEqual([
      'ADDED:web2',
      'DELETED:web',
    ]);
    expect(s.requests.entries.at(-1)?.query).toMatchObject({
      watch: '1',
      labelSelector: 'app=web',
      allowWatchBookmarks: 'true',
    });
  });

  it('ANDs a per-call field selector with its own label selector, in one namespace', async () => {
    const s = await api();
    for (const [ns, name, node] of [
      ['a', 'p1', 'n1'],
      ['a', 'p2', 'n2'],
      ['b', 'p3', 'n1'],
    ] as const)
      s.create('pods', makePod({ namespace: ns, name, nodeName: node, labels: { app: 'x' } }));
    const lw = lwFor(s.kubeConfig, { namespace: 'a', labelSelector: 'app=x' });
    const list = await lw.list({ fieldSelector: 'spec.nodeName=n1' });
    expect(names(list.items)).toEqual(['p1']);
  });

  it('works over HTTPS with bearer-token auth, and with client-node 1.4 KubeConfig objects', async () => {
    const s = await api({ tls: true, token: 't0ken' });
    s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'cm' }));
    const lw2 = lwFor(s.kubeConfig, { resource: 'configmaps', namespace: 'ns' });
    expect(names((await lw2.list({})).items)).toEqual(['cm']);
    const kc1 = new KubeConfig1();
    kc1.loadFromString(s.kubeConfigYaml());
    const lw1 = lwFor(kc1, { resource: 'configmaps' });
    expect(names((await lw1.list({})).items)).toEqual(['cm']);
    const w = await lw1.watch({ resourceVersion: '0' });
    const { events } = await collect(w, 1);
    expect(events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'cm' } } });
    expect(s.url.startsWith('https://')).toBe(true);
  });

  it('surfaces a wrong token as a 401 ApiStatusError', async () => {
    const s = await api({ tls: true, token: 'right' });
    const kc = new KubeConfig();
    kc.loadFromString(s.kubeConfigYaml().replace('token: right', 'token: wrong'));
    const err = (await lwFor(kc)
      .list({})
      .catch((e: unknown) => e)) as ApiStatusError;
    expect(isApiStatusError(err)).toBe(true);
    expect(err.code).toBe(401);
    expect(err.reason).toBe('Unauthorized');
  });

  it('lists and watches a CRD by group/version/resource', async () => {
    const s = await api({
      resources: [
        {
          group: 'example.com',
          version: 'v1',
          resource: 'widgets',
          kind: 'Widget',
          namespaced: true,
        },
      ],
    });
    s.create('widgets.example.com', { metadata: { name: 'w1', namespace: 'ns' } });
    const lw = lwFor(s.kubeConfig, { group: 'example.com', resource: 'widgets', kind: 'Widget' });
    const list = await lw.list({});
    expect(names(list.items)).toEqual(['w1']);
    const w = await lw.watch({ resourceVersion: list.metadata?.resourceVersion ?? '' });
    s.create('widgets.example.com', { metadata: { name: 'w2', namespace: 'ns' } });
    const { events } = await collect(w, 1);
    expect(events[0]).toMatchObject({
      type: 'ADDED',
      object: { kind: 'Widget', metadata: { name: 'w2' } },
    });
  });

  it('asks for PartialObjectMetadata when metadataOnly is set', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p' }));
    const lw = lwFor(s.kubeConfig, { metadataOnly: true });
    const list = await lw.list({});
    expect(list.kind).toBe('PartialObjectMetadataList');
    expect(list.items[0]).not.toHaveProperty('spec');
    expect(list.items[0]?.metadata?.name).toBe('p');
    const { events } = await collect(await lw.watch({ resourceVersion: '0' }), 1);
    expect(events[0]?.object.kind).toBe('PartialObjectMetadata');
    expect(events[0]?.object).not.toHaveProperty('spec');
  });

  it('maps server errors to ApiStatusError guards: 429 + Retry-After, 500, 410 on watch, 504 too large RV', async () => {
    const s = await api();
    // No Retry-After retries here: the errors themselves are under test.
    const lw = lwFor(s.kubeConfig, { maxRetries: 0 });
    s.faults.nextResponses(1, { status: 429, retryAfterSeconds: 3 });
    const e429 = (await lw.list({}).catch((e: unknown) => e)) as ApiStatusError;
    expect(isTooManyRequests(e429)).toBe(true);
    expect(e429.retryAfterSeconds).toBe(3);
    s.faults.nextResponses(1, { status: 500 });
    expect(isInternalError(await lw.list({}).catch((e: unknown) => e))).toBe(true);
    s.faults.nextResponses(1, { status: 410 });
    expect(isGone(await lw.watch({ resourceVersion: '1' }).catch((e: unknown) => e))).toBe(true);
    const tooLarge = await lw
      .list({ resourceVersion: '9999', resourceVersionMatch: 'NotOlderThan' })
      .catch((e: unknown) => e);
    expect(isTooLargeResourceVersion(tooLarge)).toBe(true);
  });

  it('recognises a server that went down as connection refused', async () => {
    const s = await api();
    const lw = lwFor(s.kubeConfig);
    await lw.list({});
    await s.faults.down();
    const err = await lw.list({}).catch((e: unknown) => e);
    expect(isConnectionRefused(err)).toBe(true);
    await s.faults.up();
    expect((await lw.list({})).items).toEqual([]);
  });

  it('ends a watch with ApiStatusError(410) on an ERROR event after delivering earlier events', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'ns', name: 'a' }));
    const w = await lwFor(s.kubeConfig).watch({ resourceVersion: '0' });
    const it = w[Symbol.asyncIterator]();
    expect((await it.next()).value).toMatchObject({ type: 'ADDED' });
    s.faults.expireWatches();
    const err = await it.next().catch((e: unknown) => e);
    expect(isExpired(err)).toBe(true);
  });

  it('ends a watch with WatchDecodeError carrying the last good RV when the server writes a bad line', async () => {
    const s = await api();
    const lw = lwFor(s.kubeConfig);
    const w = await lw.watch({ resourceVersion: s.resourceVersion() });
    const created = s.create('pods', makePod({ namespace: 'ns', name: 'a' }));
    const it = w[Symbol.asyncIterator]();
    await it.next();
    s.faults.writeRawToWatches('{"type":"MODIFIED","object":\n');
    const err = await it.next().catch((e: unknown) => e);
    expect(isWatchDecodeError(err) && err.lastResourceVersion).toBe(
      created.metadata?.resourceVersion,
    );
  });

  it('releases every socket after aborting a watch and a list, and close()', async () => {
    const s = await api();
    for (let i = 0; i < 3; i++)
      s.create('pods', makePod({ namespace: 'ns', name: `p${String(i)}` }));
    const before = openTcpSockets();
    const lw = lwFor(s.kubeConfig);
    const ac = new AbortController();
    const w = await lw.watch({ resourceVersion: s.resourceVersion() }, ac.signal);
    const pending = collect(w);
    await until(() => s.openWatches() === 1);
    ac.abort();
    expect(isAbortError((await pending).error)).toBe(true);
    await until(() => s.openWatches() === 0);
    await expect(lw.list({}, AbortSignal.abort())).rejects.toSatisfy(isAbortError);
    await lw.list({});
    lw.close();
    await until(() => openTcpSockets() <= before);
  });
});

describe('list responses that cannot be used', () => {
  const bodies: [string, string | Buffer, RegExp][] = [
    ['a body that is not JSON', '<html>oops</html>', /not valid JSON/],
    [
      'a list without metadata.resourceVersion',
      '{"kind":"PodList","metadata":{},"items":[]}',
      /no metadata.resourceVersion/,
    ],
    [
      'a list without items',
      '{"kind":"PodList","metadata":{"resourceVersion":"1"}}',
      /no items array/,
    ],
    ['a JSON array', '[]', /no items array/],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), /UTF-8/],
  ];
  for (const [name, body, message] of bodies) {
    it(`rejects ${name} with ResponseDecodeError`, async () => {
      const s = await startRawServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(body);
      });
      cleanups.push(() => s.close());
      const err = await podsOn(s.kubeConfig)
        .list({})
        .catch((e: unknown) => e);
      expect(isResponseDecodeError(err)).toBe(true);
      expect(isResponseDecodeError(err) && err.statusCode).toBe(200);
      expect(String(err)).toMatch(message);
    });
  }

  it('rejects a 200 answer with content type text/html (a proxy login page) without parsing it', async () => {
    const s = await startRawServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('{"kind":"PodList","metadata":{"resourceVersion":"1"},"items":[]}');
    });
    cleanups.push(() => s.close());
    const err = await podsOn(s.kubeConfig)
      .list({})
      .catch((e: unknown) => e);
    expect(isResponseDecodeError(err)).toBe(true);
    expect(String(err)).toMatch(/expected a JSON response, got content type "text\/html"/);
  });

  it('accepts JSON content types with parameters', async () => {
    const s = await startRawServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(
        '{"kind":"PodList","metadata":{"resourceVersion":"4"},"items":[{"metadata":{"name":"p"}}]}',
      );
    });
    cleanups.push(() => s.close());
    const list = await podsOn(s.kubeConfig).list({});
    expect(names(list.items)).toEqual(['p']);
  });
});

describe('list bodies are decoded item by item as they arrive', () => {
  const item = (i: number): string =>
    JSON.stringify({ kind: 'Pod', metadata: { name: `p${String(i)}`, namespace: 'ns' } });

  it('hands items to mapItem while the rest of an unpaged resourceVersion=0 list is still on its way', async () => {
    let mapped = 0;
    let mappedBeforeEnd = 0;
    const s = await startRawServer((req, res) => {
      // Like the watch cache: limit is ignored for resourceVersion=0, everything in one body.
      expect(req.url).toContain('limit=500');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(`{"kind":"PodList","apiVersion":"v1","items":[${item(0)},${item(1)},`);
      void until(() => mapped >= 2, 3000)
        .catch(() => undefined)
        .finally(() => {
          mappedBeforeEnd = mapped;
          res.end(`${item(2)}],"metadata":{"resourceVersion":"12"}}`);
        });
    });
    cleanups.push(() => s.close());
    const pages: number[] = [];
    const list = await listAllPages(podsOn(s.kubeConfig), { resourceVersion: '0' }, undefined, {
      mapItem: (pod) => {
        mapped++;
        return pod;
      },
      onPage: (items) => pages.push(items.length),
    });
    expect(mappedBeforeEnd).toBe(2);
    expect(names(list.items)).toEqual(['p0', 'p1', 'p2']);
    expect(list.metadata?.resourceVersion).toBe('12');
    expect(pages).toEqual([3]);
  });

  it('rejects a list whose connection closes mid-body with ResponseDecodeError, and hands out no part of it', async () => {
    const s = await startRawServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(
        `{"kind":"PodList","metadata":{"resourceVersion":"3"},"items":[${item(0)},${item(1)},{"kind":"Po`,
      );
      setTimeout(() => res.socket?.destroy(), 20);
    });
    cleanups.push(() => s.close());
    const pages: unknown[] = [];
    const err = await listAllPages(podsOn(s.kubeConfig), { resourceVersion: '0' }, undefined, {
      onPage: (items) => pages.push(items),
    }).catch((e: unknown) => e);
    expect(isResponseDecodeError(err)).toBe(true);
    expect(String(err)).toMatch(/list of \/api\/v1\/pods: .*truncated/);
    expect(pages).toEqual([]);
  });

  it('rejects a list with a malformed item in the middle, and hands out no part of it', async () => {
    const s = await startRawServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`{"metadata":{"resourceVersion":"3"},"items":[${item(0)},{"kind":Pod},${item(2)}]}`);
    });
    cleanups.push(() => s.close());
    const pages: unknown[] = [];
    const err = await listAllPages(podsOn(s.kubeConfig), {}, undefined, {
      onPage: (items) => pages.push(items),
    }).catch((e: unknown) => e);
    expect(isResponseDecodeError(err) && err.message).toMatch(/item 1 is not valid JSON/);
    expect(pages).toEqual([]);
  });

  it('rejects a single item above maxLineBytes with ResponseDecodeError, and closes the connection', async () => {
    const s = await startRawServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(`{"metadata":{"resourceVersion":"3"},"items":[${item(0)},{"data":"`);
      // Far more than the kernel's socket buffers hold, so an unread body would stall here.
      const mb = Buffer.alloc(1024 * 1024, 0x61);
      for (let i = 0; i < 48 && !res.destroyed; i++) res.write(mb);
      res.end('"}]}');
    });
    cleanups.push(() => s.close());
    const err = await podsOn(s.kubeConfig, { maxLineBytes: 256 * 1024 })
      .list({})
      .catch((e: unknown) => e);
    expect(isResponseDecodeError(err) && err.message).toMatch(
      /item 1 is larger than the 262144-byte limit/,
    );
    await until(() => s.sockets.size === 0);
  });
});

describe('default watch idle timeout', () => {
  it('stretches past timeoutSeconds + 30 s, so only a dead connection trips it', async () => {
    const s = await startRawServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(eventLine('ADDED', 'p', '1'));
    });
    cleanups.push(() => s.close());
    const clock = new FakeClock();
    const lw = podsOn(s.kubeConfig, { clock });
    cleanups.push(() => lw.close());
    const it = (await lw.watch({ timeoutSeconds: 600 }))[Symbol.asyncIterator]();
    await it.next();
    const pending = it.next().catch((e: unknown) => e);
    let settled = false;
    void pending.then(() => (settled = true));
    await clock.advance(330_001);
    await new Promise((r) => setTimeout(r, 10));
    expect(settled).toBe(false);
    await clock.advance(300_000);
    const err = await pending;
    expect(isWatchIdleTimeoutError(err) && err.idleTimeoutMs).toBe(630_000);
  });
});
