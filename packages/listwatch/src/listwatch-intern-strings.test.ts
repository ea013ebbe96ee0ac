// createListWatch's internStrings (default on), end to end over HTTP: list items and watch
// objects pass through the interner as they are decoded, and stay deep-equal to JSON.parse of the
// bytes the server sent.
import { afterEach, describe, expect, it } from 'vitest';
import { makePod } from '@kubecache/testing';
import { collect, podsOn, startRawServer, type RawServer } from './raw-server.test-helper.js';
import type { ListWatchOptions } from './listwatch.js';
import { createStringInterner } from './string-interner.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const pods = Array.from({ length: 20 }, (_, i) =>
  makePod({ namespace: 'ns', name: `p-${i}`, index: i % 4 }),
);
const listBody = JSON.stringify({
  kind: 'PodList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '10' },
  items: pods,
});
const watchBody =
  pods.map((p) => JSON.stringify({ type: 'MODIFIED', object: p }) + '\n').join('') +
  JSON.stringify({
    type: 'BOOKMARK',
    object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: '99' } },
  }) +
  '\n';

async function server(): Promise<RawServer> {
  const s = await startRawServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const body = Buffer.from(req.url?.includes('watch=1') ? watchBody : listBody);
    for (let at = 0; at < body.length; at += 101) res.write(body.subarray(at, at + 101));
    res.end();
  });
  cleanups.push(() => s.close());
  return s;
}

async function listAndWatch(o: Partial<ListWatchOptions>) {
  const s = await server();
  const lw = podsOn(s.kubeConfig, o);
  cleanups.push(() => lw.close());
  const list = await lw.list({});
  const afterList = o.internStrings instanceof Function ? o.internStrings.hits : 0;
  const { events, error } = await collect(await lw.watch({}));
  expect(error).toBeUndefined();
  return { list, events, afterList };
}

describe('createListWatch internStrings', () => {
  it('passes list items and watch objects through the interner; they stay deep-equal to the bytes sent', async () => {
    const interner = createStringInterner();
    const { list, events, afterList } = await listAndWatch({ internStrings: interner });
    expect(list.items).toStrictEqual(pods);
    expect(events.map((e) => e.object)).toStrictEqual([
      ...pods,
      { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: '99' } },
    ]);
    // The pods repeat their image, node name, timestamps and mount paths: from the second pod on,
    // those values are the table's copies.
    expect(afterList).toBeGreaterThan(pods.length * 5);
    expect(interner.hits).toBeGreaterThan(afterList + pods.length * 5);
    // The objects stay writable (unlike the shared fieldsV1).
    const first = list.items[0] as { spec: { nodeName?: string } };
    first.spec.nodeName = 'another-node';
    expect(first.spec.nodeName).toBe('another-node');
  });

  it('one interner serves several ListWatches', async () => {
    const interner = createStringInterner();
    await listAndWatch({ internStrings: interner });
    const size = interner.size;
    const hits = interner.hits;
    const second = await listAndWatch({ internStrings: interner });
    expect(second.list.items).toStrictEqual(pods);
    expect(interner.size).toBe(size);
    expect(interner.hits).toBeGreaterThan(hits);
  });

  it('internStrings: false (with shareFieldsV1: false) decodes with JSON.parse alone', async () => {
    const { list, events } = await listAndWatch({ internStrings: false, shareFieldsV1: false });
    expect(list.items).toStrictEqual(pods);
    expect(events).toHaveLength(pods.length + 1);
  });

  it('list hooks.mapItem: an item swapped for a held instance is not interned; a kept one is', async () => {
    const s = await server();
    const all = createStringInterner();
    const lwAll = podsOn(s.kubeConfig, { internStrings: all });
    cleanups.push(() => lwAll.close());
    const held = new Map<string, unknown>();
    // Every item swapped: nothing reaches the interner.
    const swapped = await lwAll.list({}, undefined, {
      mapItem: (item) => {
        const copy = structuredClone(item);
        held.set(item.metadata!.name!, copy);
        return copy;
      },
    });
    expect(swapped.items).toStrictEqual(pods);
    expect(swapped.items[3]).toBe(held.get('p-3'));
    expect(all.size).toBe(0);
    expect(all.hits).toBe(0);
    // Every item kept: interned as without a hook.
    const kept = await lwAll.list({}, undefined, { mapItem: (item) => item });
    expect(kept.items).toStrictEqual(pods);
    expect(all.hits).toBeGreaterThan(pods.length * 5);
  });

  it('watch hooks.mapItem: ADDED and MODIFIED objects are mapped (and not interned) until the initial-events-end bookmark', async () => {
    const initial = [
      { type: 'ADDED', object: pods[0] },
      { type: 'ADDED', object: pods[1] },
      {
        type: 'BOOKMARK',
        object: {
          kind: 'Pod',
          apiVersion: 'v1',
          metadata: { resourceVersion: '50', annotations: { 'k8s.io/initial-events-end': 'true' } },
        },
      },
      { type: 'MODIFIED', object: pods[2] },
    ];
    const body = initial.map((e) => JSON.stringify(e) + '\n').join('');
    const s = await startRawServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(body);
    });
    cleanups.push(() => s.close());
    const interner = createStringInterner();
    const lw = podsOn(s.kubeConfig, { internStrings: interner });
    cleanups.push(() => lw.close());
    expect(lw.supportsWatchHooks).toBe(true);
    const cached = new Map(pods.map((p) => [p.metadata!.name!, structuredClone(p)]));
    const mapped: string[] = [];
    const { events, error } = await collect(
      await lw.watch({ sendInitialEvents: true }, undefined, {
        mapItem: (item) => {
          mapped.push(item.metadata!.name!);
          return cached.get(item.metadata!.name!)!;
        },
      }),
    );
    expect(error).toBeUndefined();
    expect(mapped).toEqual(['p-0', 'p-1']);
    expect(events[0]!.object).toBe(cached.get('p-0'));
    expect(events[1]!.object).toBe(cached.get('p-1'));
    expect(events[3]!.object).not.toBe(cached.get('p-2'));
    expect(events[3]!.object).toStrictEqual(pods[2]);
    // Only the change after the bookmark (and the bookmark's few strings) reached the interner.
    const alone = createStringInterner();
    alone(structuredClone(pods[2]));
    alone(structuredClone(initial[2]!.object));
    expect(interner.size).toBe(alone.size);
  });
});
