import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { Cluster } from './cluster.js';
import { FaultState } from './faults.js';
import { builtinResources } from './resources.js';
import { WatchHub } from './watch.js';

/**
 * A response whose buffer is "full" after `highWaterMark` bytes until `drain()` is called: what a
 * client that reads slowly (or not at all) looks like to the server.
 */
class SlowResponse extends EventEmitter {
  readonly chunks: string[] = [];
  buffered = 0;
  destroyed = false;
  private readonly highWaterMark: number;
  constructor(highWaterMark: number) {
    super();
    this.highWaterMark = highWaterMark;
  }
  writeHead(): this {
    return this;
  }
  flushHeaders(): void {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    return this.buffered < this.highWaterMark;
  }
  end(chunk?: string): void {
    if (chunk !== undefined) this.chunks.push(chunk);
  }
  drain(): void {
    this.buffered = 0;
    this.emit('drain');
  }
  lines(): { type: string; name?: string; rv?: string; end?: string }[] {
    return this.chunks.map((c) => {
      const ev = JSON.parse(c) as { type: string; object: KubeObject };
      const md = ev.object.metadata;
      return {
        type: ev.type,
        ...(md?.name !== undefined ? { name: md.name } : {}),
        ...(ev.type === 'BOOKMARK'
          ? { end: md?.annotations?.['k8s.io/initial-events-end'] ?? '' }
          : {}),
      };
    });
  }
}

const setup = (n: number) => {
  const cluster = new Cluster({ historySize: 1000, resources: builtinResources });
  const cms = cluster.get('configmaps');
  for (let i = 0; i < n; i++)
    cluster.create(cms, { metadata: { name: `cm-${String(i).padStart(3, '0')}` } }, 'ns');
  const hub = new WatchHub(cluster, new FaultState(), 60_000);
  const req = new EventEmitter() as unknown as IncomingMessage;
  const res = new SlowResponse(4096);
  const q = new URLSearchParams(
    'watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true',
  );
  hub.serve(req, res as unknown as ServerResponse, cms, undefined, q, { kind: 'json' });
  return { cluster, cms, hub, res };
};

describe('WatchHub initial events', () => {
  it('stops writing initial events while the client does not read, and resumes on drain', async () => {
    const { hub, res } = setup(200);
    // ~100-byte lines, a 4 KiB buffer: about 40 lines, not all 200 (+ the bookmark) at once.
    expect(res.chunks.length).toBeLessThan(60);
    while (!res.lines().some((l) => l.end === 'true')) {
      res.drain();
      await new Promise((r) => setImmediate(r));
    }
    expect(res.lines().filter((l) => l.type === 'ADDED')).toHaveLength(200);
    hub.closeAll();
  });

  it('sends changes committed during a slow snapshot after the initial-events-end bookmark, in order, once', async () => {
    const { cluster, cms, hub, res } = setup(100);
    cluster.patch(cms, 'ns', 'cm-099', { data: { k: 'v' } });
    cluster.create(cms, { metadata: { name: 'late' } }, 'ns');
    cluster.delete(cms, 'ns', 'cm-000');
    while (!res.lines().some((l) => l.end === 'true')) {
      res.drain();
      await new Promise((r) => setImmediate(r));
    }
    res.drain();
    const lines = res.lines();
    const end = lines.findIndex((l) => l.end === 'true');
    // The snapshot is the state when the watch started: cm-000 is in it, `late` is not.
    expect(lines.slice(0, end).map((l) => l.name)).toContain('cm-000');
    expect(lines.slice(0, end).map((l) => l.name)).not.toContain('late');
    expect(lines.slice(end + 1)).toEqual([
      { type: 'MODIFIED', name: 'cm-099' },
      { type: 'ADDED', name: 'late' },
      { type: 'DELETED', name: 'cm-000' },
    ]);
    // Live events after the snapshot flow as usual, once each.
    cluster.create(cms, { metadata: { name: 'live' } }, 'ns');
    expect(res.lines().at(-1)).toEqual({ type: 'ADDED', name: 'live' });
    expect(res.lines().filter((l) => l.name === 'live')).toHaveLength(1);
    hub.closeAll();
  });
});
