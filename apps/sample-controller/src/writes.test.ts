// The reconciler's writes share the controller client's keep-alive connections, over real HTTP:
// the app talks to the in-process API server through a TCP proxy that records the request lines
// of each connection. client-node 2.x opened a connection per write (tools/bench/SHARDING.md,
// "Memory"): here 40 Foos' Deployment creates and status writes go over at most one connection
// per worker.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '@kubecache/core';
import { startApiServer, type ApiServer } from '@kubecache/testing';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSampleController } from './app.js';
import { DEPLOYMENTS, FOOS, makeFoo, registerSampleResources } from './demo.js';
import type { Foo } from './types.js';

/** A TCP proxy to `target` keeping what clients sent, per connection (latin1 text). */
interface RecordingProxy {
  readonly url: string;
  /** The request lines (`POST /apis/…`) each connection carried, one array per connection. */
  requestLines(): string[][];
  close(): Promise<void>;
}

async function startProxy(target: URL): Promise<RecordingProxy> {
  const sent: { text: string }[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const record = { text: '' };
    sent.push(record);
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => (record.text += chunk.toString('latin1')));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}`,
    requestLines: () =>
      sent.map(({ text }) =>
        // A request line follows the previous request's body directly; JSON bodies cannot hold
        // a raw CR LF, so this finds exactly the request lines.
        [...text.matchAll(/(GET|POST|PUT|PATCH|DELETE) (\/\S*) HTTP\/1\.1\r\n/g)].map(
          (m) => `${m[1] ?? ''} ${m[2] ?? ''}`,
        ),
      ),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let server: ApiServer;
let proxy: RecordingProxy;
let stopApp: (() => Promise<void>) | undefined;

beforeEach(async () => {
  server = await startApiServer();
  registerSampleResources(server);
  proxy = await startProxy(new URL(server.url));
});
afterEach(async () => {
  await stopApp?.();
  stopApp = undefined;
  await proxy.close();
  await server.close();
});

/** A write of the reconciler: a Deployment create or replace, a Foo status write. */
const reconcilerWrite =
  /^(POST|PUT) \/apis\/(apps\/v1\/namespaces\/[^/]+\/deployments|samplecontroller\.k8s\.io\/v1alpha1\/namespaces\/[^/]+\/foos\/[^/]+\/status)/;

describe('the reconciler writes (over HTTP)', () => {
  it('reuse keep-alive connections: 80 writes of 40 Foos over at most one connection per worker', async () => {
    const workers = 4;
    const n = 40;
    for (let i = 0; i < n; i++) {
      server.create(FOOS, makeFoo(`f${String(i)}`, { deploymentName: `d${String(i)}` }));
    }
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeConfigYaml().replace(server.url, proxy.url));
    const a = createSampleController(kc, { logger: silentLogger, workers, syncPeriodMs: 0 });
    const ac = new AbortController();
    const run = a.controller.run(ac.signal);
    stopApp = async () => {
      ac.abort();
      await run;
      await a.factory.shutdown();
    };
    await vi.waitFor(
      () => {
        const foos = server.list(FOOS).items as Foo[];
        expect(foos.filter((f) => f.status?.availableReplicas === 0)).toHaveLength(n);
        expect(server.list(DEPLOYMENTS).items).toHaveLength(n);
      },
      { timeout: 30_000, interval: 50 },
    );
    const perConnection = proxy
      .requestLines()
      .map((lines) => lines.filter((l) => reconcilerWrite.test(l)))
      .filter((writes) => writes.length > 0);
    const writes = perConnection.flat();
    expect(writes.length).toBeGreaterThanOrEqual(2 * n);
    expect(perConnection.length).toBeGreaterThan(0);
    expect(perConnection.length).toBeLessThanOrEqual(workers);
    // Each Deployment created once and each status written once: read-your-writes.
    expect(writes.filter((l) => l.startsWith('POST'))).toHaveLength(n);
    expect(writes.filter((l) => l.startsWith('PUT'))).toHaveLength(n);
  });
});
