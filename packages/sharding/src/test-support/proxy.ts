// A TCP proxy in front of the in-process API server, one per simulated shard, so a test can cut
// one replica off the network (a partition) while the others keep talking to the server.
import { createServer, connect, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { ApiServer } from '@kubecache/testing';

/** A proxy with a network switch. */
export interface Proxy {
  /** A KubeConfig pointing at the proxy. */
  readonly kubeConfig: KubeConfig;
  /** Cuts the link: open connections are reset, new ones are accepted and never answered. */
  cut(): void;
  /** Restores the link for new connections (held ones are dropped). */
  heal(): void;
  /** Delays every chunk from the server to this client by `ms` (order kept): a slow link. */
  setDelay(ms: number): void;
  /** Whether the link is cut. */
  isCut(): boolean;
  close(): Promise<void>;
}

/** Starts a proxy to `server`. */
export async function startProxy(server: ApiServer): Promise<Proxy> {
  const target = new URL(server.url);
  const pairs = new Set<Socket>();
  const held = new Set<Socket>();
  let cut = false;
  let delayMs = 0;
  const proxy = createServer((client) => {
    client.on('error', () => undefined);
    if (cut) {
      held.add(client);
      client.on('close', () => held.delete(client));
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream);
    // Server → client, delayed by the link's current delay; chunks keep their order.
    let last = 0;
    upstream.on('data', (chunk: Buffer) => {
      const at = Math.max(Date.now() + delayMs, last);
      last = at;
      setTimeout(() => {
        if (!client.destroyed) client.write(chunk);
      }, at - Date.now());
    });
    upstream.on('end', () => setTimeout(() => client.end(), Math.max(0, last - Date.now())));
    pairs.add(client);
    pairs.add(upstream);
    const drop = (): void => {
      pairs.delete(client);
      pairs.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(
    server.kubeConfigYaml().replace(server.url, `http://127.0.0.1:${String(port)}`),
  );
  return {
    kubeConfig,
    cut: () => {
      cut = true;
      for (const s of [...pairs]) s.destroy();
    },
    heal: () => {
      cut = false;
      for (const s of [...held]) s.destroy();
    },
    isCut: () => cut,
    setDelay: (ms) => {
      delayMs = ms;
    },
    close: async () => {
      for (const s of [...pairs, ...held]) s.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
