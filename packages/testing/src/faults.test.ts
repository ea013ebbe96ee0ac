import { afterEach, describe, expect, it } from 'vitest';
import type { KubeList, KubeObject, Status } from '@kubecache/core';
import { makeConfigMap } from './fixtures.js';
import { startApiServer, type ApiServer } from './server.js';
import { openWatch, pause, requestJson } from './test-support/http.js';

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const start = async (): Promise<ApiServer> => (server = await startApiServer());
const cm = (s: ApiServer, name: string): KubeObject =>
  s.create('configmaps', makeConfigMap({ namespace: 'ns', name }));
/** Opens a watch from the current revision and waits until the server has registered it. */
const liveWatch = async (s: ApiServer, extra = '') => {
  const before = s.openWatches();
  const w = openWatch(
    `${s.url}/api/v1/configmaps?watch=1&resourceVersion=${s.resourceVersion()}${extra}`,
  );
  await w.response;
  for (let i = 0; i < 100 && s.openWatches() === before; i++) await pause(5);
  expect(s.openWatches()).toBe(before + 1);
  return w;
};

describe('fault injection', () => {
  it('stalls open watches with the socket open; the missed events stay in history', async () => {
    const s = await start();
    const rv = s.resourceVersion();
    const w = await liveWatch(s);
    s.faults.stallWatches();
    cm(s, 'missed');
    await pause(100);
    expect(w.lines).toEqual([]);
    expect(s.openWatches()).toBe(1);
    const settled = await Promise.race([w.ended, pause(50).then(() => 'open')]);
    expect(settled).toBe('open');
    w.close();
    const resumed = openWatch(`${s.url}/api/v1/configmaps?watch=1&resourceVersion=${rv}`);
    await resumed.waitFor((l) => l.length >= 1);
    expect(resumed.events()[0]).toMatchObject({
      type: 'ADDED',
      object: { metadata: { name: 'missed' } },
    });
    resumed.close();
  });

  it('makes the next watches send headers and then nothing (stallNextWatches)', async () => {
    const s = await start();
    cm(s, 'a');
    s.faults.stallNextWatches(1);
    const stalled = openWatch(`${s.url}/api/v1/configmaps?watch=1&resourceVersion=0`);
    expect((await stalled.response).status).toBe(200);
    await pause(100);
    expect(stalled.lines).toEqual([]);
    const normal = openWatch(`${s.url}/api/v1/configmaps?watch=1&resourceVersion=0`);
    await normal.waitFor((l) => l.length >= 1);
    expect(normal.events()[0]?.type).toBe('ADDED');
    stalled.close();
    normal.close();
  });

  it('writes raw (malformed, truncated, invalid UTF-8) data to open watches', async () => {
    const s = await start();
    const w = await liveWatch(s);
    s.faults.writeRawToWatches('{"type":"ADDED","object":{"kind":\n');
    s.faults.writeRawToWatches(Buffer.from([0x7b, 0xff, 0xfe, 0x0a]));
    await w.waitFor((l) => l.length >= 2);
    expect(w.lines[0]).toBe('{"type":"ADDED","object":{"kind":');
    expect(() => w.events()).toThrow(SyntaxError);
    expect(w.lines[1]).toContain('\ufffd');
    w.close();
  });

  it('expires, ends and resets open watches', async () => {
    const s = await start();
    const expiring = await liveWatch(s);
    s.faults.expireWatches();
    expect(await expiring.ended).toBe('end');
    expect(expiring.events()).toEqual([
      {
        type: 'ERROR',
        object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) as Status,
      },
    ]);
    const ending = await liveWatch(s);
    s.faults.endWatches();
    expect(await ending.ended).toBe('end');
    expect(ending.lines).toEqual([]);
    const reset = await liveWatch(s);
    s.faults.resetWatches();
    expect(await reset.ended).toBe('error');
    expect(s.openWatches()).toBe(0);
  });

  it('drops the next events for every watcher while history keeps them (drop-watch)', async () => {
    const s = await start();
    const rv = s.resourceVersion();
    const w = await liveWatch(s);
    s.faults.dropEventsForWatchers(2);
    cm(s, 'a');
    cm(s, 'b');
    cm(s, 'c');
    await w.waitFor((l) => l.length >= 1);
    await pause(50);
    expect(w.events().map((e) => e.object.metadata?.name)).toEqual(['c']);
    w.close();
    const resumed = openWatch(`${s.url}/api/v1/configmaps?watch=1&resourceVersion=${rv}`);
    await resumed.waitFor((l) => l.length >= 3);
    expect(resumed.events().map((e) => e.object.metadata?.name)).toEqual(['a', 'b', 'c']);
    resumed.close();
  });

  it('serves stale lists as of an older revision for the next requests only', async () => {
    const s = await start();
    cm(s, 'old');
    const oldRv = s.resourceVersion();
    cm(s, 'new');
    s.faults.staleLists(2, Number(oldRv));
    for (let i = 0; i < 2; i++) {
      const stale = await requestJson<KubeList<KubeObject>>(`${s.url}/api/v1/configmaps`);
      expect(stale.body.metadata?.resourceVersion).toBe(oldRv);
      expect(stale.body.items.map((o) => o.metadata?.name)).toEqual(['old']);
    }
    const fresh = await requestJson<KubeList<KubeObject>>(`${s.url}/api/v1/configmaps`);
    expect(fresh.body.items).toHaveLength(2);
    s.faults.staleList(Number(oldRv));
    const once = await requestJson<KubeList<KubeObject>>(`${s.url}/api/v1/configmaps`);
    expect(once.body.items).toHaveLength(1);
  });

  it('answers the next matching requests with canned statuses or raw bodies', async () => {
    const s = await start();
    cm(s, 'a');
    s.faults.nextResponses(2, { status: 503, verb: 'get', resource: 'configmaps' });
    // A list is not a get: it passes.
    expect((await fetch(`${s.url}/api/v1/configmaps`)).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const r = await requestJson<Status>(`${s.url}/api/v1/namespaces/ns/configmaps/a`);
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
    }
    expect((await fetch(`${s.url}/api/v1/namespaces/ns/configmaps/a`)).status).toBe(200);
    s.faults.nextResponses(1, {
      status: 500,
      body: 'upstream exploded',
      contentType: 'text/plain',
    });
    const raw = await fetch(`${s.url}/api/v1/configmaps`);
    expect(raw.status).toBe(500);
    expect(raw.headers.get('content-type')).toBe('text/plain');
    expect(await raw.text()).toBe('upstream exploded');
    s.faults.nextResponses(1, { status: 410 });
    const gone = await requestJson<Status>(`${s.url}/api/v1/configmaps?watch=1`);
    expect(gone.body).toMatchObject({ code: 410, reason: 'Expired' });
    s.faults.nextResponses(1, { status: 409, verb: 'get' });
    const conflict = await requestJson<Status>(`${s.url}/api/v1/namespaces/ns/configmaps/a`);
    expect(conflict.body).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(s.requests.entries.filter((e) => e.status >= 500).length).toBe(3);
  });

  it('ends the next watches right after their headers (very short watches)', async () => {
    const s = await start();
    cm(s, 'a');
    s.faults.shortWatches(2);
    for (let i = 0; i < 2; i++) {
      const w = openWatch(`${s.url}/api/v1/configmaps?watch=1&resourceVersion=0`);
      expect(await w.ended).toBe('end');
      expect(w.lines).toEqual([]);
    }
    const normal = openWatch(`${s.url}/api/v1/configmaps?watch=1&resourceVersion=0`);
    await normal.waitFor((l) => l.length >= 1);
    normal.close();
  });

  it('refuses connections while down, drops open watches, and serves the same URL after up()', async () => {
    const s = await start();
    const w = await liveWatch(s);
    await s.faults.down();
    expect(await w.ended).toBe('error');
    const refused = await fetch(`${s.url}/api`).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(Error);
    expect(String((refused as Error & { cause?: { code?: string } }).cause?.code)).toBe(
      'ECONNREFUSED',
    );
    cm(s, 'written-while-down');
    await s.faults.up();
    const list = await requestJson<KubeList<KubeObject>>(`${s.url}/api/v1/configmaps`);
    expect(list.body.items.map((o) => o.metadata?.name)).toEqual(['written-while-down']);
  });

  it('logs every request with verb, resource, query and status, and counts them by filter', async () => {
    const s = await start();
    await fetch(`${s.url}/api/v1/pods?limit=5`);
    await fetch(`${s.url}/api/v1/namespaces/ns/configmaps/missing`);
    await fetch(`${s.url}/api/v1`);
    const w = openWatch(`${s.url}/api/v1/pods?watch=1`);
    await w.response;
    w.close();
    expect(s.requests.entries.map((e) => [e.verb, e.resource, e.status])).toEqual([
      ['list', 'pods', 200],
      ['get', 'configmaps', 404],
      ['discovery', '', 200],
      ['watch', 'pods', 200],
    ]);
    expect(s.requests.entries[0]?.query).toEqual({ limit: '5' });
    expect(s.requests.count({ resource: 'pods' })).toBe(2);
    expect(s.requests.count({ verb: 'watch', resource: 'pods' })).toBe(1);
    s.requests.clear();
    expect(s.requests.count()).toBe(0);
  });
});

describe('clearing faults', () => {
  it('a nextResponses handle drops the answers not yet used, and only its own', async () => {
    const s = await start();
    cm(s, 'a');
    const get = `${s.url}/api/v1/namespaces/ns/configmaps/a`;
    const many = s.faults.nextResponses(1000, { status: 503, verb: 'get' });
    const other = s.faults.nextResponses(1, { status: 429, verb: 'get' });
    expect((await fetch(get)).status).toBe(503);
    many.clear();
    many.clear();
    // The other setup is still queued; then requests pass again.
    expect((await fetch(get)).status).toBe(429);
    expect((await fetch(get)).status).toBe(200);
    other.clear();
    expect((await fetch(get)).status).toBe(200);
  });

  it('faults.clear() undoes every lasting setup: canned answers, stale lists, latency, counters, switches', async () => {
    const s = await start();
    cm(s, 'old');
    const oldRv = Number(s.resourceVersion());
    cm(s, 'new');
    s.faults.nextResponses(1000, { status: 500 });
    s.faults.staleLists(1000, oldRv);
    s.faults.latency(60_000, { verb: 'get' });
    s.faults.stallNextRequests(1000, { verb: 'get' });
    s.faults.shortWatches(1000);
    s.faults.stallNextWatches(1000);
    s.faults.dropEventsForWatchers(1000);
    s.faults.hideEventsFromWatchers(true);
    s.faults.omitInitialEventsEnd(true);
    s.faults.clear();
    const list = await requestJson<KubeList<KubeObject>>(`${s.url}/api/v1/configmaps`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((o) => o.metadata?.name)).toEqual(['new', 'old']);
    // Neither delayed nor stalled: answered (the test would time out otherwise).
    expect((await fetch(`${s.url}/api/v1/namespaces/ns/configmaps/old`)).status).toBe(200);
    // A watch is neither short nor stalled, and sees new events.
    const w = await liveWatch(s);
    cm(s, 'seen');
    await w.waitFor((l) => l.length >= 1);
    expect(w.events()[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'seen' } } });
    w.close();
    const wl = openWatch(
      `${s.url}/api/v1/namespaces/ns/configmaps?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`,
    );
    await wl.waitFor((l) => l.some((x) => x.includes('k8s.io/initial-events-end')));
    wl.close();
  });

  it('a handle of a single-slot fault clears it only while no later call replaced it', async () => {
    const s = await start();
    cm(s, 'old');
    const oldRv = Number(s.resourceVersion());
    cm(s, 'new');
    const first = s.faults.staleLists(1000, oldRv);
    first.clear();
    const names = async () =>
      (await requestJson<KubeList<KubeObject>>(`${s.url}/api/v1/configmaps`)).body.items.map(
        (o) => o.metadata?.name,
      );
    expect(await names()).toEqual(['new', 'old']);
    const replaced = s.faults.staleLists(1000, oldRv);
    const latest = s.faults.staleLists(1000, oldRv);
    replaced.clear();
    expect(await names()).toEqual(['old']);
    latest.clear();
    expect(await names()).toEqual(['new', 'old']);
    const hidden = s.faults.hideEventsFromWatchers(true);
    const w = await liveWatch(s);
    cm(s, 'hidden');
    hidden.clear();
    cm(s, 'shown');
    await w.waitFor((l) => l.length >= 1);
    await pause(50);
    expect(w.events().map((e) => e.object.metadata?.name)).toEqual(['shown']);
    w.close();
  });
});
