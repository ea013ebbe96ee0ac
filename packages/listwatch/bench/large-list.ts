// Syncs one huge unpaged list (what kube-apiserver's watch cache answers for resourceVersion=0,
// whatever the limit) through createListWatch's list, from a raw HTTP server in a child process,
// and prints the time, the peak RSS and the heap the list retains. Not part of `npm test`:
//
//   node --expose-gc --import tsx packages/listwatch/bench/large-list.ts [pods] [--whole]
//
// (run from the repository root with TSX_TSCONFIG_PATH=packages/listwatch/bench/tsconfig.json).
// Default 110 000 realistic pods (~5.7 KB each, ~620 MB). `--whole` instead reads the body the
// old way (one Buffer, then one string) to show where that stops.
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@kubecache/core';
import { makePod } from '@kubecache/testing';
import { createListWatch } from '../src/listwatch.js';
import { kubeConfigFor } from '../src/raw-server.test-helper.js';

const pods = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 110_000);

function serve(): void {
  // The body is serialised before the server listens (in this child process), so the client's
  // time measures receiving and decoding, not the server generating pods.
  const parts: Buffer[] = [
    Buffer.from(
      '{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"123456"},"items":[',
    ),
  ];
  let pending = '';
  for (let i = 0; i < pods; i++) {
    const pod = makePod({ namespace: `ns-${String(i % 100)}`, name: `pod-${String(i)}`, index: i });
    pod.metadata = {
      ...pod.metadata,
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(1000 + i),
      creationTimestamp: '2026-01-01T00:00:00Z',
    };
    pending += (i > 0 ? ',' : '') + JSON.stringify(pod);
    if (pending.length >= 256 * 1024) {
      parts.push(Buffer.from(pending));
      pending = '';
    }
  }
  parts.push(Buffer.from(`${pending}]}`));
  const bodyBytes = parts.reduce((n, b) => n + b.length, 0);
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    let i = 0;
    const pump = (): void => {
      while (i < parts.length) {
        if (!res.write(parts[i++])) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port, bodyBytes });
  });
}

async function client(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), [String(pods), '--serve'], {
    execArgv: ['--import', 'tsx'],
  });
  let bodyBytes = 0;
  const port = await new Promise<number>((resolve) => {
    child.on('message', (m: { port?: number; bodyBytes?: number }) => {
      if (m.bodyBytes !== undefined) bodyBytes = m.bodyBytes;
      if (m.port !== undefined) resolve(m.port);
    });
  });
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const base = process.memoryUsage();
  const lw = createListWatch(kubeConfigFor(`http://127.0.0.1:${String(port)}`), {
    group: '',
    version: 'v1',
    resource: 'pods',
    logger: silentLogger,
  });
  const t0 = performance.now();
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  try {
    if (process.argv.includes('--whole')) {
      // The old list path: the whole body as one Buffer, then one string.
      const body = await new Promise<Buffer>((resolve, reject) => {
        http.get(`http://127.0.0.1:${String(port)}/api/v1/pods?resourceVersion=0`, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.on('error', reject);
        });
      });
      console.log(
        `whole body read: ${(body.length / 1e6).toFixed(0)} MB; decoding it as one string…`,
      );
      const text = body.toString('utf8');
      console.log(`string of ${String(text.length)} characters; parsing…`);
      console.log(`${String((JSON.parse(text) as { items: unknown[] }).items.length)} items`);
      return;
    }
    const list = await lw.list({ resourceVersion: '0', limit: 500 });
    const ms = performance.now() - t0;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    gc?.();
    const after = process.memoryUsage();
    const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(0)} MiB`;
    console.log(
      `pods listed:          ${String(list.items.length)} (resourceVersion ${list.metadata?.resourceVersion ?? '?'})`,
    );
    console.log(
      `body:                 ${(bodyBytes / 1e6).toFixed(0)} MB (${(bodyBytes / pods / 1000).toFixed(2)} KB/pod)`,
    );
    console.log(
      `time:                 ${(ms / 1000).toFixed(1)} s (${(bodyBytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s)`,
    );
    console.log(
      `peak RSS:             ${mb(peakRss)} (maxRSS ${mb(process.resourceUsage().maxRSS * 1024)})`,
    );
    console.log(
      `retained heap:        ${mb(after.heapUsed - base.heapUsed)} after GC (heapUsed ${mb(after.heapUsed)}), ${((after.heapUsed - base.heapUsed) / bodyBytes).toFixed(2)}× the body`,
    );
    console.log(
      `external + buffers:   ${mb(after.external + after.arrayBuffers - base.external - base.arrayBuffers)} after GC`,
    );
  } catch (err) {
    console.log(`failed after ${((performance.now() - t0) / 1000).toFixed(1)} s: ${String(err)}`);
    console.log(
      `peak RSS: ${(Math.max(peakRss, process.memoryUsage().rss) / 1024 / 1024).toFixed(0)} MiB`,
    );
  } finally {
    clearInterval(sampler);
    lw.close();
    child.kill();
  }
}

if (process.argv.includes('--serve')) serve();
else void client();
