import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isAbortError } from '@kubecache/core';
import { isApiStatusError, isResponseDecodeError, isServerConfigError } from '@kubecache/listwatch';
import { startApiServer } from '@kubecache/testing';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { createClientHttp, type ClientHttp } from './client-http.js';

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.map((c) => c()));
  closers = [];
});

/** A raw server and a ClientHttp pointing at it. */
async function serve(handler: http.RequestListener): Promise<{ http: ClientHttp; seen: string[] }> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
    handler(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't0ken' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const client = createClientHttp(kc, 'test-agent');
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        client.close();
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  );
  return { http: client, seen };
}

describe('createClientHttp', () => {
  it('sends the method, query, content type, credentials and User-Agent', async () => {
    let headers: http.IncomingHttpHeaders = {};
    let body = '';
    const { http: c, seen } = await serve((req, res) => {
      headers = req.headers;
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    const out = await c.request({
      method: 'PATCH',
      path: '/api/v1/namespaces/a/configmaps/b',
      query: { fieldManager: 'm', dryRun: undefined },
      body: { data: { x: '1' } },
      contentType: 'application/merge-patch+json',
    });
    expect(out).toEqual({ ok: true });
    expect(seen).toEqual(['PATCH /api/v1/namespaces/a/configmaps/b?fieldManager=m']);
    expect(headers['content-type']).toBe('application/merge-patch+json');
    expect(headers.authorization).toBe('Bearer t0ken');
    expect(headers['user-agent']).toBe('test-agent');
    expect(JSON.parse(body)).toEqual({ data: { x: '1' } });
  });

  it('a Status error body becomes an ApiStatusError with its reason, code and Retry-After', async () => {
    const { http: c } = await serve((_req, res) => {
      res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '3' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          status: 'Failure',
          reason: 'TooManyRequests',
          message: 'slow down',
        }),
      );
    });
    const err = await c.request({ method: 'GET', path: '/api/v1/pods' }).catch((e: unknown) => e);
    expect(isApiStatusError(err)).toBe(true);
    expect(err).toMatchObject({
      code: 429,
      reason: 'TooManyRequests',
      retryAfterSeconds: 3,
      message: 'slow down',
    });
  });

  it('a redirect is reported, not followed', async () => {
    const { http: c, seen } = await serve((_req, res) => {
      res.writeHead(302, { Location: '/elsewhere' });
      res.end();
    });
    const err = await c.request({ method: 'GET', path: '/api/v1/pods' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 302, reason: 'Redirect' });
    expect(seen).toHaveLength(1);
  });

  it('a 2xx body that is not JSON is a ResponseDecodeError; an empty one is undefined', async () => {
    let n = 0;
    const { http: c } = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(n++ === 0 ? '<html>login</html>' : '');
    });
    const err = await c.request({ method: 'GET', path: '/x' }).catch((e: unknown) => e);
    expect(isResponseDecodeError(err)).toBe(true);
    expect(await c.request({ method: 'DELETE', path: '/x' })).toBeUndefined();
  });

  it('a kubeconfig that does not match the server is a ServerConfigError, not a socket error', async () => {
    const tls = await startApiServer({ tls: true });
    closers.push(() => tls.close());
    const untrusted = new KubeConfig();
    untrusted.loadFromString(
      tls.kubeConfigYaml().replace(/^\s+certificate-authority-data: .*\n/m, ''),
    );
    const c1 = createClientHttp(untrusted, 'test-agent');
    const e1 = await c1.request({ method: 'GET', path: '/api/v1/pods' }).catch((e: unknown) => e);
    c1.close();
    expect(isServerConfigError(e1)).toBe(true);
    expect(e1).toMatchObject({ kind: 'untrusted-certificate' });
    // http:// to Go's TLS port answers 400 "Client sent an HTTP request to an HTTPS server."
    const { http: c2 } = await serve((_req, res) => {
      res.writeHead(400);
      res.end('Client sent an HTTP request to an HTTPS server.\n');
    });
    const e2 = await c2.request({ method: 'GET', path: '/api/v1/pods' }).catch((e: unknown) => e);
    expect(isServerConfigError(e2)).toBe(true);
    expect(e2).toMatchObject({ kind: 'server-speaks-tls' });
  });

  it('resends once on a fresh socket when the pooled one was closed by the server', async () => {
    let n = 0;
    const { http: c, seen } = await serve((req, res) => {
      n++;
      if (n === 2) {
        req.socket.destroy(); // the server drops the kept-alive socket on the 2nd request
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`{"n":${String(n)}}`);
    });
    expect(await c.request({ method: 'GET', path: '/a' })).toEqual({ n: 1 });
    expect(await c.request({ method: 'GET', path: '/b' })).toEqual({ n: 3 });
    expect(seen).toEqual(['GET /a', 'GET /b', 'GET /b']);
  });

  it('aborts while the body is read', async () => {
    const { http: c } = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"partial":'); // never ends
    });
    const ac = new AbortController();
    const pending = c.request({ method: 'GET', path: '/slow', signal: ac.signal });
    setTimeout(() => {
      ac.abort();
    }, 50);
    expect(isAbortError(await pending.catch((e: unknown) => e))).toBe(true);
  });
});
