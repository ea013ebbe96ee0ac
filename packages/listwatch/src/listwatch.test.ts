import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
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
  type WatchDecodeError,
} from './errors.js';
import { createListWatch, type ListWatchOptions } from './listwatch.js';
import { listAllPages } from './pager.js';
import type { WatchEvent, WatchStream } from './types.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function api(o: Parameters<typeof startApiServer>[0] = {}): Promise<ApiServer> {
  const s = await startApiServer(o);
  cleanups.push(() => s.close());
  return s;
}

/** A raw HTTP server answering every request with `handler`, and a KubeConfig for it. */
async function rawServer(handler: http.RequestListener): Promise<KubeConfig> {
  const srv = http.createServer(handler);
  const sockets = new Set<Socket>();
  srv.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  );
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

const pods = (kc: ConstructorParameters<typeof Object>[0], o: Partial<ListWatchOptions> = {}) =>
  createListWatch(kc as KubeConfig, { group: '', version: 'v1', resource: 'pods', ...o });

async function collect(
  w: WatchStream,
  n = Infinity,
): Promise<{ events: WatchEvent[]; error?: unknown }> {
  const events: WatchEvent[] = [];
  try {
    for await (const e of w) {
      events.push(e);
      if (events.length >= n) break;
    }
  } catch (error) {
    return { events, error };
  }
  return { events };
}

const watchLines =
  (lines: string[], end = true): http.RequestListener =>
  (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    for (const l of lines) res.write(l);
    if (end) res.end();
  };
const ev = (type: string, name: string, rv: string): string =>
  `${JSON.stringify({ type, object: { kind: 'Pod', metadata: { name, namespace: 'ns', resourceVersion: rv } } })}\n`;

describe('createListWatch against the in-process API server', () => {
  it('lists and watches pods over HTTP with client-node 2.x, selectors applied to both', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'web', labels: { app: 'web' } }));
    s.create('pods', makePod({ namespace: 'a', name: 'db', labels: { app: 'db' } }));
    const lw = pods(s.kubeConfig, { labelSelector: 'app=web' });
    const list = await lw.list({});
    expect(list.items.map((p) => p.metadata?.name)).toEqual(['web']);
    const w = await lw.watch({
      resourceVersion: list.metadata!.resourceVersion!,
      allowWatchBookmarks: true,
    });
    s.create('pods', makePod({ namespace: 'a', name: 'web2', labels: { app: 'web' } }));
    s.create('pods', makePod({ namespace: 'a', name: 'db2', labels: { app: 'db' } }));
    s.delete('pods', 'a', 'web');
    const { events } = await collect(w, 2);
    expect(events.map((e) => `${e.type}:${e.object.metadata?.name}`)).toEqual([
      'ADDED:web2',
      'DELETED:web',
    ]);
    expect(s.requests.entries.at(-1)?.query).toMatchObject({
      watch: '1',
      labelSelector: 'app=web',
      allowWatchBookmarks: 'true',
    });
  });

  it('works over HTTPS with token auth, and with client-node 1.4 KubeConfig objects', async () => {
    const s = await api({ tls: true, token: 't0ken' });
    s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'cm' }));
    const lw = createListWatch(s.kubeConfig, {
      group: '',
      version: 'v1',
      resource: 'configmaps',
      namespace: 'ns',
    });
    expect((await lw.list({})).items.map((c) => c.metadata?.name)).toEqual(['cm']);
    const kc1 = new KubeConfig1();
    kc1.loadFromString(s.kubeConfigYaml());
    const lw1 = createListWatch(kc1, { group: '', version: 'v1', resource: 'configmaps' });
    const w = await lw1.watch({ resourceVersion: '0' });
    const { events } = await collect(w, 1);
    expect(events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'cm' } } });
    const noToken = await api({ tls: false, token: 'other' });
    const kc = new KubeConfig();
    kc.loadFromString(noToken.kubeConfigYaml().replace('token: other', 'token: wrong'));
    const err = await pods(kc)
      .list({})
      .catch((e: unknown) => e);
    expect(isApiStatusError(err) && err.code).toBe(401);
  });

  it('lists CRDs by group/version/resource and pages with listAllPages', async () => {
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
    for (let i = 0; i < 12; i++)
      s.create('widgets.example.com', {
        metadata: { name: `w${String(i).padStart(2, '0')}`, namespace: 'ns' },
      });
    const lw = createListWatch(s.kubeConfig, {
      group: 'example.com',
      version: 'v1',
      resource: 'widgets',
      kind: 'Widget',
    });
    expect(lw.expectedKind).toBe('Widget');
    const pages: number[] = [];
    const all = await listAllPages(lw, {}, undefined, {
      pageSize: 5,
      onPage: (items) => pages.push(items.length),
    });
    expect(all.items).toHaveLength(12);
    expect(all.paginated).toBe(true);
    expect(pages).toEqual([5, 5, 2]);
    expect(all.metadata?.continue).toBeUndefined();
  });

  it('falls back to a full list when a continue token expires mid-way (pager.go)', async () => {
    const s = await api();
    for (let i = 0; i < 6; i++)
      s.create('configmaps', makeConfigMap({ namespace: 'ns', name: `c${i}` }));
    const lw = createListWatch(s.kubeConfig, { group: '', version: 'v1', resource: 'configmaps' });
    let first = true;
    const all = await listAllPages(lw, {}, undefined, {
      pageSize: 2,
      onPage: () => {
        if (first) {
          first = false;
          s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'late' }));
          s.compact();
        }
      },
    });
    expect(all.items).toHaveLength(7);
    expect(all.paginated).toBe(false);
    expect(s.requests.count({ verb: 'list' })).toBe(3);
  });

  it('maps HTTP errors to ApiStatusError with guards: 410, 429 + Retry-After, 500, 504 too large RV, connection refused', async () => {
    const s = await api();
    const lw = pods(s.kubeConfig);
    s.faults.nextResponses(1, { status: 429, retryAfterSeconds: 3 });
    const e429 = (await lw.list({}).catch((e: unknown) => e)) as ApiStatusError;
    expect(isTooManyRequests(e429)).toBe(true);
    expect(e429.retryAfterSeconds).toBe(3);
    s.faults.nextResponses(1, { status: 500 });
    expect(isInternalError(await lw.list({}).catch((e: unknown) => e))).toBe(true);
    s.faults.nextResponses(1, { status: 410 });
    const gone = await lw.watch({ resourceVersion: '1' }).catch((e: unknown) => e);
    expect(isGone(gone) && isExpired(gone)).toBe(true);
    const tooLarge = await lw
      .list({ resourceVersion: '9999', resourceVersionMatch: 'NotOlderThan' })
      .catch((e: unknown) => e);
    expect(isTooLargeResourceVersion(tooLarge)).toBe(true);
    await s.faults.down();
    // A pooled keep-alive socket may first fail with a reset; new connections are then refused.
    let refused: unknown;
    for (let i = 0; i < 3 && !isConnectionRefused(refused); i++)
      refused = await lw.list({}).catch((e: unknown) => e);
    expect(isConnectionRefused(refused)).toBe(true);
  });

  it('ends a watch with ApiStatusError(410) on an ERROR event after delivering earlier events', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'ns', name: 'a' }));
    const lw = pods(s.kubeConfig);
    const w = await lw.watch({ resourceVersion: '0' });
    setTimeout(() => s.faults.expireWatches(), 50);
    const { events, error } = await collect(w);
    expect(events).toHaveLength(1);
    expect(isExpired(error)).toBe(true);
  });
});

describe('watch decoding of bad input (raw servers)', () => {
  const cases: [string, string[], (err: unknown) => void][] = [
    [
      'a malformed line',
      [ev('ADDED', 'a', '5'), '{not json\n'],
      (e) => expect((e as WatchDecodeError).lastResourceVersion).toBe('5'),
    ],
    [
      'an unknown event type',
      [`{"type":"EXPLODED","object":{}}\n`],
      (e) => expect(String(e)).toMatch(/unknown watch event type/),
    ],
    [
      'an event without object',
      [`{"type":"ADDED"}\n`],
      (e) => expect(String(e)).toMatch(/no object/),
    ],
    [
      'an ERROR event with a non-Status object',
      [`{"type":"ERROR","object":{"kind":"Pod"}}\n`],
      (e) => expect(String(e)).toMatch(/without a Status/),
    ],
    [
      'a truncated last line',
      [ev('ADDED', 'a', '5'), '{"type":"ADDED","obj'],
      (e) => expect((e as WatchDecodeError).lastResourceVersion).toBe('5'),
    ],
  ];
  for (const [name, lines, check] of cases) {
    it(`ends the watch with a typed WatchDecodeError on ${name}, after the good events`, async () => {
      const kc = await rawServer(watchLines(lines));
      const { events, error } = await collect(await pods(kc).watch({}));
      expect(isWatchDecodeError(error)).toBe(true);
      check(error);
      expect(events.length).toBe(lines.length - 1);
    });
  }

  it('rejects invalid UTF-8 with a WatchDecodeError', async () => {
    const kc = await rawServer((_q, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        Buffer.concat([
          Buffer.from('{"type":"ADDED","object":{"metadata":{"name":"'),
          Buffer.from([0xff, 0xfe]),
          Buffer.from('"}}}\n'),
        ]),
      );
    });
    const { error } = await collect(await pods(kc).watch({}));
    expect(isWatchDecodeError(error)).toBe(true);
    expect(String(error)).toMatch(/UTF-8/);
  });

  it('decodes a line split across many chunks, and rejects a line above maxLineBytes without buffering it all', async () => {
    const big = ev('ADDED', 'x'.repeat(100_000), '9');
    const kc = await rawServer((_q, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      for (let i = 0; i < big.length; i += 1000) res.write(big.slice(i, i + 1000));
      res.end();
    });
    const ok = await collect(await pods(kc).watch({}));
    expect(ok.events[0]?.object.metadata?.name).toHaveLength(100_000);
    const limited = await collect(await pods(kc, { maxLineBytes: 10_000 }).watch({}));
    expect(isWatchDecodeError(limited.error)).toBe(true);
    expect(String(limited.error)).toMatch(/longer than 10000 bytes/);
  });

  it('handles a 50 MB line with the default limit', async () => {
    const obj = {
      kind: 'Pod',
      metadata: {
        name: 'big',
        resourceVersion: '3',
        annotations: { blob: 'a'.repeat(50 * 1024 * 1024) },
      },
    };
    const line = Buffer.from(`${JSON.stringify({ type: 'ADDED', object: obj })}\n`);
    const kc = await rawServer((_q, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(line);
    });
    const { events, error } = await collect(await pods(kc).watch({}));
    expect(error).toBeUndefined();
    expect(events[0]?.object.metadata?.annotations?.blob?.length).toBe(50 * 1024 * 1024);
  });

  it('rejects lists that are not JSON, lack metadata.resourceVersion, or come with a non-JSON content type', async () => {
    const bodies: [string, string][] = [
      ['application/json', '<html>oops</html>'],
      ['application/json', '{"kind":"PodList","metadata":{},"items":[]}'],
      ['application/json', '{"kind":"PodList","metadata":{"resourceVersion":"1"}}'],
      ['text/html', '{"kind":"PodList","metadata":{"resourceVersion":"1"},"items":[]}'],
    ];
    let i = 0;
    const kc = await rawServer((_q, res) => {
      const [type, body] = bodies[i++]!;
      res.writeHead(200, { 'Content-Type': type });
      res.end(body);
    });
    for (const expected of [
      /not valid JSON/,
      /no metadata.resourceVersion/,
      /no items array/,
      /expected JSON/,
    ]) {
      const err = await pods(kc)
        .list({})
        .catch((e: unknown) => e);
      expect(isResponseDecodeError(err)).toBe(true);
      expect(String(err)).toMatch(expected);
    }
  });

  it('does not follow redirects: a 302 becomes a typed ApiStatusError', async () => {
    const kc = await rawServer((_q, res) => {
      res.writeHead(302, { Location: 'http://elsewhere.example/' });
      res.end();
    });
    const err = (await pods(kc)
      .list({})
      .catch((e: unknown) => e)) as ApiStatusError;
    expect(isApiStatusError(err)).toBe(true);
    expect(err.code).toBe(302);
    expect(err.message).toMatch(/redirect/);
  });

  it('ends a silent watch with WatchIdleTimeoutError (injected clock)', async () => {
    const clock = new FakeClock();
    const kc = await rawServer(watchLines([ev('ADDED', 'a', '1')], false));
    const w = await pods(kc, { idleTimeoutMs: 1000, clock }).watch({});
    const it = w[Symbol.asyncIterator]();
    expect((await it.next()).value).toMatchObject({ type: 'ADDED' });
    const pending = it.next().catch((e: unknown) => e);
    await clock.advance(1001);
    expect(isWatchIdleTimeoutError(await pending)).toBe(true);
  });

  it('releases sockets when a watch is stopped or a list is aborted', async () => {
    const kc = await rawServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (req.url?.includes('watch')) res.write(ev('ADDED', 'a', '1'));
      else res.write('{"items":['); // never finishes
    });
    const lw = pods(kc, { idleTimeoutMs: 0 });
    const w = await lw.watch({});
    w.stop();
    const ac = new AbortController();
    const listing = lw.list({}, ac.signal);
    setTimeout(() => ac.abort(), 30);
    await expect(listing).rejects.toSatisfy(isAbortError);
    const ac2 = new AbortController();
    const w2 = await lw.watch({}, ac2.signal);
    ac2.abort();
    const { error } = await collect(w2);
    expect(error).toBeUndefined();
    await new Promise((r) => setTimeout(r, 50));
    const tcp = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    // Only the raw server's listening socket and sockets of other suites' keep-alive agents may remain.
    expect(tcp).toBeLessThanOrEqual(2);
  });

  it('pauses the socket when the consumer lags (backpressure) and still delivers everything in order', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => ev('MODIFIED', 'p', String(i + 1)));
    const kc = await rawServer(watchLines(lines));
    const w = await pods(kc, { highWaterMark: 100 }).watch({});
    const seen: string[] = [];
    for await (const e of w) {
      seen.push(e.object.metadata!.resourceVersion!);
      if (seen.length % 500 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    expect(seen).toHaveLength(3000);
    expect(seen[2999]).toBe('3000');
  });
});
