import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeList, KubeObject, Status } from '@kubecache/core';
import { makeConfigMap, makePod } from './fixtures.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from './server.js';
import { requestJson } from './test-support/http.js';

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const start = async (o: ApiServerOptions = {}): Promise<ApiServer> =>
  (server = await startApiServer(o));

const seed = (s: ApiServer, n: number): void => {
  for (let i = 0; i < n; i++)
    s.create(
      'configmaps',
      makeConfigMap({ namespace: 'ns', name: `cm-${String(i).padStart(3, '0')}` }),
    );
};
const list = (s: ApiServer, query: string) =>
  requestJson<KubeList<KubeObject> & Status>(`${s.url}/api/v1/configmaps?${query}`);
const names = (l: { items: KubeObject[] }): string[] => l.items.map((i) => i.metadata!.name!);

describe('LIST paging like kube-apiserver with its watch cache (the default)', () => {
  it('answers resourceVersion=0 whole, ignoring limit: no continue token, no remainingItemCount', async () => {
    const s = await start();
    seed(s, 5);
    for (const q of [
      'resourceVersion=0&limit=2',
      'resourceVersion=0&resourceVersionMatch=NotOlderThan&limit=2',
    ]) {
      const { status, body } = await list(s, q);
      expect(status).toBe(200);
      expect(body.items).toHaveLength(5);
      expect(body.metadata?.continue).toBeUndefined();
      expect(body.metadata?.remainingItemCount).toBeUndefined();
      expect(body.metadata?.resourceVersion).toBe(s.resourceVersion());
    }
  });

  it('pages consistent reads, NotOlderThan and Exact lists', async () => {
    const s = await start();
    seed(s, 5);
    const rv = s.resourceVersion();
    s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'cm-late' }));
    const consistent = await list(s, 'limit=2');
    expect(names(consistent.body)).toEqual(['cm-000', 'cm-001']);
    expect(consistent.body.metadata?.remainingItemCount).toBe(4);
    const notOlder = await list(
      s,
      `limit=2&resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`,
    );
    expect(notOlder.body.items).toHaveLength(2);
    expect(notOlder.body.metadata?.resourceVersion).toBe(s.resourceVersion());
    expect(notOlder.body.metadata?.continue).toBeTruthy();
    const exact = await list(s, `limit=4&resourceVersion=${rv}&resourceVersionMatch=Exact`);
    expect(exact.body.metadata?.resourceVersion).toBe(rv);
    expect(exact.body.metadata?.remainingItemCount).toBe(1); // cm-late is not in revision rv
    const rest = await list(s, `limit=4&continue=${exact.body.metadata!.continue!}`);
    expect(names(rest.body)).toEqual(['cm-004']);
  });

  it('serves a paginated list with a resourceVersion and no match at exactly that revision (legacy exact)', async () => {
    const s = await start();
    seed(s, 3);
    const rv = s.resourceVersion();
    s.delete('configmaps', 'ns', 'cm-000');
    const page = await list(s, `limit=10&resourceVersion=${rv}`);
    expect(page.body.metadata?.resourceVersion).toBe(rv);
    expect(names(page.body)).toEqual(['cm-000', 'cm-001', 'cm-002']);
    // Without limit the same query is NotOlderThan: the latest revision.
    const whole = await list(s, `resourceVersion=${rv}`);
    expect(whole.body.metadata?.resourceVersion).toBe(s.resourceVersion());
    expect(names(whole.body)).toEqual(['cm-001', 'cm-002']);
    s.compact();
    expect((await list(s, `limit=10&resourceVersion=${rv}`)).body).toMatchObject({
      code: 410,
      reason: 'Expired',
    });
  });

  it('answers 422 Invalid on ListOptions for forbidden resourceVersionMatch combinations, 400 for a resourceVersion with continue', async () => {
    const s = await start();
    seed(s, 3);
    const first = await list(s, 'limit=1');
    const token = first.body.metadata!.continue!;
    const cases: [string, string][] = [
      ['resourceVersionMatch=NotOlderThan', 'forbidden unless resourceVersion is provided'],
      [
        `resourceVersion=0&resourceVersionMatch=NotOlderThan&continue=${token}`,
        'forbidden when continue is provided',
      ],
      ['resourceVersion=1&resourceVersionMatch=Newest', 'Unsupported value: "Newest"'],
      ['resourceVersion=0&resourceVersionMatch=Exact', 'forbidden for resourceVersion "0"'],
    ];
    for (const [q, message] of cases) {
      const { status, body } = await list(s, q);
      expect(status, q).toBe(422);
      expect(body).toMatchObject({
        kind: 'Status',
        reason: 'Invalid',
        details: { kind: 'ListOptions', group: 'meta.k8s.io' },
      });
      expect(body.message).toContain(message);
      expect(body.details?.causes?.[0]?.field).toBe('resourceVersionMatch');
    }
    const withRv = await list(s, `resourceVersion=${s.resourceVersion()}&continue=${token}`);
    expect(withRv.status).toBe(400);
    expect(withRv.body.message).toBe(
      'specifying resource version is not allowed when using continue',
    );
    // resourceVersion=0 may come with a continue token: the next page, at the first page's revision.
    const next = await list(s, `resourceVersion=0&limit=1&continue=${token}`);
    expect(names(next.body)).toEqual(['cm-001']);
  });

  it('streams a large resourceVersion=0 list as one chunked body that a slow reader drains', async () => {
    const s = await start();
    for (let i = 0; i < 3000; i++)
      s.create('pods', makePod({ namespace: 'ns', name: `p-${i}`, index: i }));
    const { headers, chunks, body } = await new Promise<{
      headers: http.IncomingHttpHeaders;
      chunks: number;
      body: string;
    }>((resolve, reject) => {
      http
        .get(`${s.url}/api/v1/pods?resourceVersion=0&limit=500`, (res) => {
          const parts: Buffer[] = [];
          res.pause(); // a slow reader: the server must wait for drain rather than buffer it all
          setTimeout(() => res.resume(), 100);
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () =>
            resolve({
              headers: res.headers,
              chunks: parts.length,
              body: Buffer.concat(parts).toString('utf8'),
            }),
          );
        })
        .on('error', reject);
    });
    expect(headers['transfer-encoding']).toBe('chunked');
    expect(headers['content-length']).toBeUndefined();
    expect(chunks).toBeGreaterThan(10);
    const parsed = JSON.parse(body) as KubeList<KubeObject>;
    expect(parsed.items).toHaveLength(3000);
    expect(parsed.metadata?.continue).toBeUndefined();
  });
});

describe("LIST paging with listPaging: 'always' (kube-apiserver with --watch-cache=false)", () => {
  it('honours limit for resourceVersion=0 lists too, with continue tokens', async () => {
    const s = await start({ listPaging: 'always' });
    seed(s, 5);
    const first = await list(s, 'resourceVersion=0&limit=2');
    expect(names(first.body)).toEqual(['cm-000', 'cm-001']);
    expect(first.body.metadata?.remainingItemCount).toBe(3);
    const second = await list(
      s,
      `resourceVersion=0&limit=2&continue=${first.body.metadata!.continue!}`,
    );
    expect(names(second.body)).toEqual(['cm-002', 'cm-003']);
  });
});
