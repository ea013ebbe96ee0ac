// createListWatch's shareFieldsV1 (default on), end to end over HTTP: lists (bodies cut in small
// chunks) and watches decode to objects deep-equal to JSON.parse of the bytes the server sent,
// with one frozen fieldsV1 per distinct text, shared across lists and watches of one ListWatch.
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeList, KubeObject } from '@kubecache/core';
import { makePod } from '@kubecache/testing';
import { collect, podsOn, startRawServer, type RawServer } from './raw-server.test-helper.js';
import type { ListWatchOptions } from './listwatch.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const pods = Array.from({ length: 30 }, (_, i) =>
  makePod({ namespace: 'ns', name: `p-${i}`, index: i % 3 }),
);
const listBody = JSON.stringify({
  kind: 'PodList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '10' },
  items: pods,
});
const watchBody = pods
  .map((p, i) => JSON.stringify({ type: i % 2 ? 'MODIFIED' : 'ADDED', object: p }) + '\n')
  .join('');

async function server(): Promise<RawServer> {
  const s = await startRawServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const body = Buffer.from(req.url?.includes('watch=1') ? watchBody : listBody);
    // Chunks of 97 bytes: items, lines and fieldsV1 values cut at every kind of place.
    for (let at = 0; at < body.length; at += 97) res.write(body.subarray(at, at + 97));
    res.end();
  });
  cleanups.push(() => s.close());
  return s;
}

type Fields = { metadata: { managedFields: { fieldsV1: object }[] } };
const fieldsOf = (o: unknown, k: number): object =>
  (o as Fields).metadata.managedFields[k]!.fieldsV1;

async function listAndWatch(o: Partial<ListWatchOptions>) {
  const s = await server();
  const lw = podsOn(s.kubeConfig, o);
  cleanups.push(() => lw.close());
  const list = await lw.list({});
  const { events, error } = await collect(await lw.watch({}));
  expect(error).toBeUndefined();
  return { list, objects: events.map((e) => e.object) };
}

describe('createListWatch shareFieldsV1', () => {
  it('by default, list items and watch objects are deep-equal to what the server sent and share frozen fieldsV1', async () => {
    const { list, objects } = await listAndWatch({});
    expect(list.items).toStrictEqual((JSON.parse(listBody) as KubeList<KubeObject>).items);
    expect(objects).toStrictEqual(
      watchBody
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { object: unknown }).object),
    );
    // Pods 0, 3, 6… come from one template: from its second sighting (pod 3) the list's and the
    // watch's share one object.
    const shared = fieldsOf(list.items[3], 0);
    expect(Object.isFrozen(shared)).toBe(true);
    expect(Object.isFrozen(fieldsOf(list.items[0], 0))).toBe(true);
    expect(fieldsOf(list.items[6], 0)).toBe(shared);
    expect(fieldsOf(objects[27], 0)).toBe(shared);
    expect(fieldsOf(list.items[4], 0)).not.toBe(shared);
    expect(() => {
      (shared as Record<string, unknown>)['f:spec'] = {};
    }).toThrow(TypeError);
    expect(list.items[0]).toStrictEqual(pods[0]);
  });

  it('shareFieldsV1: false decodes every object whole: nothing shared, nothing frozen', async () => {
    const { list, objects } = await listAndWatch({ shareFieldsV1: false });
    expect(list.items).toStrictEqual(pods);
    expect(fieldsOf(list.items[3], 0)).not.toBe(fieldsOf(list.items[0], 0));
    expect(Object.isFrozen(fieldsOf(list.items[0], 0))).toBe(false);
    expect(Object.isFrozen(fieldsOf(objects[0], 0))).toBe(false);
  });
});
