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
});
