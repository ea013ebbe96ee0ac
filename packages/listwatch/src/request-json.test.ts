import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { isAbortError } from '@kubecache/core';
import {
  isApiStatusError,
  isConflict,
  isConnectionRefused,
  isNotFound,
  isResponseDecodeError,
  type ApiStatusError,
} from './errors.js';
import { startRawServer, type RawServer } from './raw-server.test-helper.js';
import { createJsonClient, requestJson } from './request-json.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function raw(handler: http.RequestListener): Promise<RawServer> {
  const s = await startRawServer(handler);
  cleanups.push(() => s.close());
  return s;
}

const signal = (): AbortSignal => new AbortController().signal;
const fail = (err: unknown): unknown => err;

function readRequestBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

describe('requestJson over real HTTP', () => {
  it('GETs a path with a query and resolves with the parsed body', async () => {
    let method = '';
    const s = await raw((req, res) => {
      method = req.method ?? '';
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"kind":"Lease","metadata":{"name":"x","resourceVersion":"7"}}');
    });
    const body = await requestJson(s.kubeConfig, {
      method: 'GET',
      path: '/apis/coordination.k8s.io/v1/namespaces/ns/leases/x',
      query: { fieldManager: 'a b', dryRun: undefined, limit: 5 },
      signal: signal(),
    });
    expect(body).toEqual({ kind: 'Lease', metadata: { name: 'x', resourceVersion: '7' } });
    expect(method).toBe('GET');
    expect(s.urls).toEqual([
      '/apis/coordination.k8s.io/v1/namespaces/ns/leases/x?fieldManager=a+b&limit=5',
    ]);
    expect(s.lastHeaders.accept).toBe('application/json');
    expect(s.lastHeaders['user-agent']).toBe('kubecache-listwatch');
    expect(s.lastHeaders['content-type']).toBeUndefined();
  });

  it('POSTs and PUTs a JSON body with its Content-Type and Content-Length, on one kept-alive connection', async () => {
    const seen: { method: string; type: string | undefined; length: string | undefined }[] = [];
    const bodies: unknown[] = [];
    const ports = new Set<number>();
    const s = await raw((req, res) => {
      ports.add(req.socket.remotePort ?? 0);
      seen.push({
        method: req.method ?? '',
        type: req.headers['content-type'],
        length: req.headers['content-length'],
      });
      void readRequestBody(req).then((text) => {
        bodies.push(JSON.parse(text));
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'Content-Type': 'application/json' });
        res.end(text);
      });
    });
    const client = createJsonClient(s.kubeConfig, { userAgent: 'test-agent' });
    cleanups.push(() => client.close());
    const lease = { metadata: { name: 'ü' }, spec: { holderIdentity: 'a' } };
    expect(
      await client.request({ method: 'POST', path: '/l', body: lease, signal: signal() }),
    ).toEqual(lease);
    expect(
      await client.request({ method: 'PUT', path: '/l/x', body: lease, signal: signal() }),
    ).toEqual(lease);
    const length = String(Buffer.byteLength(JSON.stringify(lease)));
    expect(seen).toEqual([
      { method: 'POST', type: 'application/json', length },
      { method: 'PUT', type: 'application/json', length },
    ]);
    expect(bodies).toEqual([lease, lease]);
    expect(ports.size).toBe(1);
    expect(s.lastHeaders['user-agent']).toBe('test-agent');
    expect(client.server).toBe(s.url);
  });

  it('PATCHes with the given Content-Type and DELETEs with a body; an empty 2xx body is undefined', async () => {
    const seen: { method: string; type: string | undefined; body: string }[] = [];
    const s = await raw((req, res) => {
      void readRequestBody(req).then((text) => {
        seen.push({ method: req.method ?? '', type: req.headers['content-type'], body: text });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(req.method === 'DELETE' ? '' : text);
      });
    });
    const client = createJsonClient(s.kubeConfig);
    cleanups.push(() => client.close());
    const types = [
      'application/merge-patch+json',
      'application/json-patch+json',
      'application/strategic-merge-patch+json',
      'application/apply-patch+yaml',
    ];
    for (const contentType of types) {
      expect(
        await client.request({
          method: 'PATCH',
          path: '/p',
          body: { spec: { n: 1 } },
          contentType,
          signal: signal(),
        }),
      ).toEqual({ spec: { n: 1 } });
    }
    const deleted = await client.request({
      method: 'DELETE',
      path: '/p',
      body: { kind: 'DeleteOptions', propagationPolicy: 'Foreground' },
    });
    expect(deleted).toBeUndefined();
    expect(seen.map((r) => `${r.method} ${r.type ?? '-'}`)).toEqual([
      ...types.map((t) => `PATCH ${t}`),
      'DELETE application/json',
    ]);
    expect(JSON.parse(seen[4]!.body)).toEqual({
      kind: 'DeleteOptions',
      propagationPolicy: 'Foreground',
    });
  });

  it('rejects an error answer with the ApiStatusError of its Status, or one synthesised from the code', async () => {
    const s = await raw((req, res) => {
      if (req.url === '/conflict') {
        res.writeHead(409, { 'Content-Type': 'application/json', 'Retry-After': '3' });
        res.end(
          JSON.stringify({
            kind: 'Status',
            status: 'Failure',
            reason: 'Conflict',
            message: 'stale',
          }),
        );
      } else {
        res.writeHead(404, { 'Content-Type': 'text/html' });
        res.end('<html>nope</html>');
      }
    });
    const conflict = (await requestJson(s.kubeConfig, {
      method: 'PUT',
      path: '/conflict',
      body: {},
      signal: signal(),
    }).catch(fail)) as ApiStatusError;
    expect(isApiStatusError(conflict)).toBe(true);
    expect(isConflict(conflict)).toBe(true);
    expect(conflict.code).toBe(409);
    expect(conflict.message).toBe('stale');
    expect(conflict.retryAfterSeconds).toBe(3);
    const missing = (await requestJson(s.kubeConfig, {
      method: 'GET',
      path: '/missing',
      signal: signal(),
    }).catch(fail)) as ApiStatusError;
    expect(isNotFound(missing)).toBe(true);
    expect(missing.code).toBe(404);
    expect(missing.message).toContain('<html>nope</html>');
  });

  it('rejects a 2xx body that is not JSON, or longer than maxBodyBytes, with ResponseDecodeError', async () => {
    const s = await raw((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(req.url === '/big' ? JSON.stringify({ pad: 'x'.repeat(100) }) : 'not json');
    });
    const notJson = await requestJson(s.kubeConfig, {
      method: 'GET',
      path: '/x',
      signal: signal(),
    }).catch(fail);
    expect(isResponseDecodeError(notJson)).toBe(true);
    expect((notJson as Error).message).toContain('not JSON');
    const big = await requestJson(
      s.kubeConfig,
      { method: 'GET', path: '/big', signal: signal() },
      { maxBodyBytes: 50 },
    ).catch(fail);
    expect(isResponseDecodeError(big)).toBe(true);
    expect((big as Error).message).toContain('larger than 50 bytes');
  });

  it('rejects with an abort error when the signal fires while waiting, and with the connection error when the server is down', async () => {
    const s = await raw(() => {
      // Never answers.
    });
    const ctl = new AbortController();
    const pending = requestJson(s.kubeConfig, { method: 'GET', path: '/hang', signal: ctl.signal });
    setTimeout(() => ctl.abort(), 20);
    expect(isAbortError(await pending.catch(fail))).toBe(true);
    const kc = s.kubeConfig;
    await s.close();
    const refused = await requestJson(kc, { method: 'GET', path: '/', signal: signal() }).catch(
      fail,
    );
    expect(isConnectionRefused(refused)).toBe(true);
  });
});
