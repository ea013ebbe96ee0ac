// Test-only helpers (not exported from index.ts): small raw node:http servers that answer with
// exactly the bytes a test wants, and a KubeConfig (client-node 2.x) pointing at them.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { createListWatch, type ListWatch, type ListWatchOptions } from './listwatch.js';
import type { WatchEvent, WatchStream } from './types.js';

/** A raw server, its KubeConfig, and what it saw. */
export interface RawServer {
  readonly url: string;
  readonly port: number;
  readonly kubeConfig: KubeConfig;
  /** Request URLs in arrival order. */
  readonly urls: string[];
  /** Headers of the last request. */
  lastHeaders: http.IncomingHttpHeaders;
  /** Server-side sockets currently open. */
  readonly sockets: Set<Socket>;
  close(): Promise<void>;
}

/** Builds a client-node 2.x KubeConfig for `server` (optionally with a token and a proxy). */
export function kubeConfigFor(
  server: string,
  o: { token?: string; proxyUrl?: string; skipTLSVerify?: boolean } = {},
): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server,
        skipTLSVerify: o.skipTLSVerify ?? true,
        ...(o.proxyUrl !== undefined ? { proxyUrl: o.proxyUrl } : {}),
      },
    ],
    users: [{ name: 'u', ...(o.token !== undefined ? { token: o.token } : {}) }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

/** Starts a raw HTTP server on 127.0.0.1 with `handler`; close it with `close()`. */
export async function startRawServer(handler: http.RequestListener): Promise<RawServer> {
  const urls: string[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    urls.push(req.url ?? '');
    raw.lastHeaders = req.headers;
    handler(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${String(port)}`;
  const raw: RawServer = {
    url,
    port,
    kubeConfig: kubeConfigFor(url),
    urls,
    lastHeaders: {},
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
  return raw;
}

/** A pods ListWatch on `kc` with extra options. */
export function podsOn(kc: ListWatchKubeConfig, o: Partial<ListWatchOptions> = {}): ListWatch {
  return createListWatch(kc, { group: '', version: 'v1', resource: 'pods', ...o });
}

type ListWatchKubeConfig = Parameters<typeof createListWatch>[0];

/** One NDJSON watch line for a pod event. */
export function eventLine(type: string, name: string, rv: string): string {
  return `${JSON.stringify({
    type,
    object: { kind: 'Pod', metadata: { name, namespace: 'ns', resourceVersion: rv } },
  })}\n`;
}

/** A handler answering a 200 JSON watch with `lines`, ending the response unless `end` is false. */
export function watchLines(lines: readonly (string | Buffer)[], end = true): http.RequestListener {
  return (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    for (const l of lines) res.write(l);
    if (end) res.end();
  };
}

/** Drains a stream (up to `n` events); returns the events and the error it ended with, if any. */
export async function collect<T>(
  w: WatchStream<T>,
  n = Infinity,
): Promise<{ events: WatchEvent<T>[]; error?: unknown }> {
  const events: WatchEvent<T>[] = [];
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

/** Waits until `cond()` holds (polling every 5 ms, failing after `ms`). */
export async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Number of open TCP sockets (client and server side) of this process. */
export function openTcpSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}
