import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeConfig as KubeConfig1 } from '@kubernetes/client-node-1';
import { FakeClock, isAbortError } from '@kubecache/core';
import {
  isApiStatusError,
  isConnectionRefused,
  isExpired,
  isGone,
  isInternalError,
  isTooManyRequests,
  isWatchIdleTimeoutError,
  type ApiStatusError,
} from './errors.js';
import { parseRetryAfter, startIdleTimer, type KubeConfigLike } from './http.js';
import {
  kubeConfigFor,
  openTcpSockets,
  podsOn,
  startRawServer,
  until,
  type RawServer,
} from './raw-server.test-helper.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function raw(handler: Parameters<typeof startRawServer>[0]): Promise<RawServer> {
  const s = await startRawServer(handler);
  cleanups.push(() => s.close());
  return s;
}

const okList = '{"kind":"PodList","metadata":{"resourceVersion":"1"},"items":[]}';
const sendList = (res: http.ServerResponse): void => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(okList);
};
const fail = (err: unknown): unknown => err;

describe('HTTP errors become ApiStatusError', () => {
  it('keeps the Status body of an error answer and reads Retry-After into retryAfterSeconds', async () => {
    const s = await raw((_req, res) => {
      res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '7' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          status: 'Failure',
          code: 429,
          reason: 'TooManyRequests',
          message: 'too many requests, please try again later',
          details: { causes: [{ reason: 'RateLimited', message: 'apf' }] },
        }),
      );
    });
    const err = (await podsOn(s.kubeConfig, { maxRetries: 0 })
      .list({})
      .catch(fail)) as ApiStatusError;
    expect(isTooManyRequests(err)).toBe(true);
    expect(err.retryAfterSeconds).toBe(7);
    expect(err.message).toBe('too many requests, please try again later');
    expect(err.causes).toEqual([{ reason: 'RateLimited', message: 'apf' }]);
    expect(err.status.kind).toBe('Status');
  });

  it('synthesises a Status for an HTML error page, with the reason of the HTTP code', async () => {
    const s = await raw((_req, res) => {
      res.writeHead(503, { 'Content-Type': 'text/html' });
      res.end('<html>maintenance</html>');
    });
    const err = (await podsOn(s.kubeConfig).list({}).catch(fail)) as ApiStatusError;
    expect(isApiStatusError(err)).toBe(true);
    expect(err.code).toBe(503);
    expect(err.reason).toBe('ServiceUnavailable');
    expect(err.message).toMatch(/HTTP 503: <html>maintenance/);
    expect(err.retryAfterSeconds).toBeUndefined();
  });

  it('classifies a 410 whose body is a proxy HTML page, or a Status without a reason, as expired', async () => {
    let body = '';
    let type = 'text/html';
    const s = await raw((_req, res) => {
      res.writeHead(410, { 'Content-Type': type });
      res.end(body);
    });
    body = `<html><body>${'gone '.repeat(2000)}</body></html>`;
    const html = (await podsOn(s.kubeConfig).list({}).catch(fail)) as ApiStatusError;
    expect(isApiStatusError(html)).toBe(true);
    expect(html.code).toBe(410);
    expect(html.reason).toBe('Gone');
    expect(isExpired(html)).toBe(true);
    expect(html.message.length).toBeLessThan(300);
    expect(html.message).toMatch(/^the server responded with HTTP 410: <html><body>gone gone/);
    expect(html.causes).toEqual([
      { reason: 'UnexpectedServerResponse', message: expect.stringMatching(/^<html>/) as string },
    ]);
    type = 'application/json';
    body = JSON.stringify({ kind: 'Status', status: 'Failure', code: 410, message: 'too old' });
    const noReason = (await podsOn(s.kubeConfig).list({}).catch(fail)) as ApiStatusError;
    expect(noReason.message).toBe('too old');
    expect(isExpired(noReason)).toBe(true);
    expect(isGone(noReason)).toBe(true);
  });

  it('gives a non-Status 5xx answer the reason client-go gives it (502 → InternalError)', async () => {
    const s = await raw((_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end('bad gateway');
    });
    const err = (await podsOn(s.kubeConfig).list({}).catch(fail)) as ApiStatusError;
    expect(err.code).toBe(502);
    expect(err.reason).toBe('InternalError');
    expect(isInternalError(err)).toBe(true);
  });

  it('maps a watch answered with 500 and an empty body to an InternalError', async () => {
    const s = await raw((_req, res) => {
      res.writeHead(500);
      res.end();
    });
    const err = await podsOn(s.kubeConfig).watch({}).catch(fail);
    expect(isInternalError(err)).toBe(true);
  });

  it('does not follow a redirect: a 302 becomes ApiStatusError with reason Redirect', async () => {
    const s = await raw((_req, res) => {
      res.writeHead(302, { Location: 'http://elsewhere.example/' });
      res.end();
    });
    const err = (await podsOn(s.kubeConfig).list({}).catch(fail)) as ApiStatusError;
    expect(err.code).toBe(302);
    expect(err.reason).toBe('Redirect');
    expect(err.message).toMatch(/elsewhere\.example/);
    expect(s.urls).toHaveLength(1);
  });

  it('parses Retry-After only in its seconds form', () => {
    expect(parseRetryAfter('3')).toBe(3);
    expect(parseRetryAfter(' 10 ')).toBe(10);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('connections', () => {
  it('reports a refused connection so that isConnectionRefused recognises it', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const err = await podsOn(kubeConfigFor(`http://127.0.0.1:${String(port)}`))
      .list({})
      .catch(fail);
    expect(isConnectionRefused(err)).toBe(true);
  });

  it('sends the bearer token and the Accept and User-Agent headers', async () => {
    const s = await raw((_req, res) => sendList(res));
    await podsOn(kubeConfigFor(s.url, { token: 's3cret' }), { userAgent: 'test-agent' }).list({});
    expect(s.lastHeaders.authorization).toBe('Bearer s3cret');
    expect(s.lastHeaders.accept).toBe('application/json');
    expect(s.lastHeaders['user-agent']).toBe('test-agent');
  });

  it('talks plain HTTP even when the kubeconfig does not set insecure-skip-tls-verify', async () => {
    const s = await raw((_req, res) => sendList(res));
    const kc = kubeConfigFor(s.url, { token: 't', skipTLSVerify: false });
    const list = await podsOn(kc).list({});
    expect(list.metadata?.resourceVersion).toBe('1');
    expect(s.lastHeaders.authorization).toBe('Bearer t');
  });

  it('reuses one keep-alive connection for consecutive requests', async () => {
    const s = await raw((_req, res) => sendList(res));
    const remotePorts = new Set<number>();
    const lw = podsOn(s.kubeConfig);
    for (let i = 0; i < 3; i++) {
      await lw.list({});
      for (const sock of s.sockets) remotePorts.add(sock.remotePort ?? 0);
    }
    expect(s.urls).toHaveLength(3);
    expect(remotePorts.size).toBe(1);
    lw.close();
    await until(() => s.sockets.size === 0);
    // close() only drops idle connections: the ListWatch keeps working on new ones.
    expect((await lw.list({})).metadata?.resourceVersion).toBe('1');
    lw.close();
  });

  it('gets its bearer token from an exec credential plugin, with client-node 2.x and 1.4', async () => {
    const s = await raw((_req, res) => sendList(res));
    const credential = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      status: { token: 'from-exec' },
    });
    const options = {
      clusters: [{ name: 'c', server: s.url, skipTLSVerify: true }],
      users: [
        {
          name: 'u',
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1beta1',
            command: process.execPath,
            args: ['-e', `process.stdout.write(${JSON.stringify(credential)})`],
          },
        },
      ],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    };
    const kc2 = new KubeConfig();
    kc2.loadFromOptions(options);
    await podsOn(kc2).list({});
    expect(s.lastHeaders.authorization).toBe('Bearer from-exec');
    s.lastHeaders = {};
    const kc1 = new KubeConfig1();
    kc1.loadFromOptions(options);
    await podsOn(kc1).list({});
    expect(s.lastHeaders.authorization).toBe('Bearer from-exec');
  });

  it('accepts any object with the two KubeConfig methods it uses (structural typing)', async () => {
    const s = await raw((_req, res) => sendList(res));
    const kc: KubeConfigLike = {
      getCurrentCluster: () => ({ server: s.url }),
      applyToHTTPSOptions: (opts) => {
        opts.headers = { ...opts.headers, Authorization: 'Bearer custom' };
        return Promise.resolve();
      },
    };
    await podsOn(kc).list({});
    expect(s.lastHeaders.authorization).toBe('Bearer custom');
  });

  it('retries once on a fresh connection when the server closed the pooled keep-alive socket', async () => {
    const requestsPerSocket = new WeakMap<object, number>();
    const s = await raw((req, res) => {
      const n = (requestsPerSocket.get(req.socket) ?? 0) + 1;
      requestsPerSocket.set(req.socket, n);
      if (n > 1) {
        req.socket.destroy(); // the server dropped the idle connection as the request came in
        return;
      }
      sendList(res);
    });
    const lw = podsOn(s.kubeConfig);
    await lw.list({});
    const second = await lw.list({});
    expect(second.metadata?.resourceVersion).toBe('1');
    expect(s.urls).toHaveLength(3);
    lw.close();
  });

  it('goes through the HTTP proxy named by the cluster proxy-url (CONNECT tunnel)', async () => {
    const target = await raw((_req, res) => sendList(res));
    const tunnels: string[] = [];
    const proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          proxy.closeAllConnections();
          proxy.close(() => r());
        }),
    );
    const proxyUrl = `http://127.0.0.1:${String((proxy.address() as AddressInfo).port)}`;
    const kc = kubeConfigFor(target.url, { proxyUrl, token: 'p' });
    const list = await podsOn(kc).list({ limit: 5 });
    expect(list.metadata?.resourceVersion).toBe('1');
    expect(tunnels).toEqual([`127.0.0.1:${String(target.port)}`]);
    expect(target.urls).toEqual(['/api/v1/pods?limit=5']);
    expect(target.lastHeaders.authorization).toBe('Bearer p');
  });

  it('keeps the path prefix of a server URL (API servers behind a path-routing gateway)', async () => {
    const s = await raw((_req, res) => sendList(res));
    await podsOn(kubeConfigFor(`${s.url}/k8s/clusters/c-1/`)).list({});
    expect(s.urls).toEqual(['/k8s/clusters/c-1/api/v1/pods']);
  });

  it('times out a request whose response headers never come (injected clock)', async () => {
    const s = await raw(() => undefined);
    const clock = new FakeClock();
    const pending = podsOn(s.kubeConfig, { idleTimeoutMs: 500, clock }).list({}).catch(fail);
    await until(() => s.urls.length === 1);
    await clock.advance(501);
    const err = await pending;
    expect(isWatchIdleTimeoutError(err) && err.verb).toBe('list');
    await until(() => s.sockets.size === 0);
  });

  it('times out a list whose body stalls half-way (injected clock)', async () => {
    const s = await raw((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"items":[');
    });
    const clock = new FakeClock();
    const pending = podsOn(s.kubeConfig, { idleTimeoutMs: 500, clock }).list({}).catch(fail);
    await until(() => s.urls.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    await clock.advance(501);
    expect(isWatchIdleTimeoutError(await pending)).toBe(true);
    await until(() => s.sockets.size === 0);
  });

  it('aborting before the headers, or in the middle of a list body, rejects with an abort error and frees the sockets', async () => {
    const before = openTcpSockets();
    const s = await raw((req, res) => {
      if (req.url?.includes('limit=1')) return; // never answers
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"items":['); // never finishes
    });
    const lw = podsOn(s.kubeConfig, { idleTimeoutMs: 0 });
    const ac1 = new AbortController();
    const headers = lw.list({ limit: 1 }, ac1.signal);
    await until(() => s.urls.length === 1);
    ac1.abort();
    await expect(headers).rejects.toSatisfy(isAbortError);
    const ac2 = new AbortController();
    const body = lw.list({}, ac2.signal);
    await until(() => s.urls.length === 2);
    await new Promise((r) => setTimeout(r, 10));
    ac2.abort(new Error('shutdown'));
    await expect(body).rejects.toSatisfy(isAbortError);
    await until(() => s.sockets.size === 0);
    await expect(lw.list({}, AbortSignal.abort())).rejects.toSatisfy(isAbortError);
    expect(s.urls).toHaveLength(2);
    lw.close();
    await until(() => openTcpSockets() <= before);
  });
});

describe('startIdleTimer', () => {
  it('fires once after the quiet period, and not while touched', async () => {
    const clock = new FakeClock();
    let fired = 0;
    const t = startIdleTimer(clock, 100, () => {
      fired++;
      return undefined;
    });
    await clock.advance(60);
    t.touch();
    await clock.advance(60);
    expect(fired).toBe(0);
    await clock.advance(50);
    expect(fired).toBe(1);
    await clock.advance(500);
    expect(fired).toBe(1);
  });

  it('starts over when the callback forgives the quiet time, and never fires after cancel', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const t = startIdleTimer(clock, 100, () => {
      calls++;
      return calls < 2 ? false : undefined;
    });
    await clock.advance(100);
    expect(calls).toBe(1);
    await clock.advance(100);
    expect(calls).toBe(2);
    const cancelled = startIdleTimer(clock, 10, () => {
      calls++;
      return undefined;
    });
    cancelled.cancel();
    t.cancel();
    await clock.advance(1000);
    expect(calls).toBe(2);
  });
});
