// The bad-input catalogue (issue 7): each case gives a typed error through the error hook, the
// informer keeps running, and the cache loses nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSharedIndexInformer, type SharedIndexInformer } from '@kubecache/informer';
import {
  createListWatch,
  isApiStatusError,
  isResponseDecodeError,
  isWatchDecodeError,
} from '@kubecache/listwatch';
import { isReflectorError } from '@kubecache/reflector';
import { makeConfigMap, startApiServer, type ApiServer } from '@kubecache/testing';

let server: ApiServer;
let informer: SharedIndexInformer;
const errors: Error[] = [];
const ac = new AbortController();
let running: Promise<void>;
let n = 0;

beforeAll(async () => {
  server = await startApiServer({ bookmarkIntervalMs: 100 });
  for (let i = 0; i < 5; i++)
    server.create('configmaps', makeConfigMap({ namespace: 'ns', name: `keep-${i}` }));
  informer = createSharedIndexInformer(
    createListWatch(server.kubeConfig, {
      group: '',
      version: 'v1',
      resource: 'configmaps',
      kind: 'ConfigMap',
      idleTimeoutMs: 2000,
    }),
    {
      // LIST, not WatchList (the default): several faults are bad LIST bodies after a relist.
      reflector: { backoff: { initialMs: 5, capMs: 40 }, useWatchList: false },
    },
  );
  informer.setWatchErrorHandler((_r, e) => errors.push(e));
  running = informer.run(ac.signal);
  const t0 = Date.now();
  while (!informer.hasSynced() && Date.now() - t0 < 5000)
    await new Promise((r) => setTimeout(r, 10));
});

afterAll(async () => {
  ac.abort();
  await running;
  await server.close();
});

async function until(cond: () => boolean, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > 8000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Injects a fault, expects an error matching `guard`, then proves the informer still follows the server. */
async function check(inject: () => void, guard: (e: Error) => boolean): Promise<void> {
  // Faults aimed at the watch need the informer's watch to be open.
  await until(() => server.openWatches() > 0, 'an open watch');
  const from = errors.length;
  const before = informer.getStore().listKeys().length;
  inject();
  await until(() => errors.slice(from).some(guard), 'the typed error');
  const name = `after-${n++}`;
  server.create('configmaps', makeConfigMap({ namespace: 'ns', name }));
  await until(() => informer.getStore().getByKey(`ns/${name}`) !== undefined, 'recovery');
  expect(informer.getStore().listKeys().length).toBe(before + 1);
  for (let i = 0; i < 5; i++) expect(informer.getStore().getByKey(`ns/keep-${i}`)).toBeDefined();
  expect(informer.isStopped()).toBe(false);
}

const relistWith =
  (body: string, contentType = 'application/json') =>
  () => {
    server.faults.nextResponses(1, { status: 200, verb: 'list', body, contentType });
    server.faults.expireWatches();
  };
const line = (o: unknown) => `${JSON.stringify(o)}\n`;

describe('bad input catalogue', () => {
  it('a non-JSON body on a list → ResponseDecodeError', () =>
    check(relistWith('<html>502 Bad Gateway</html>'), isResponseDecodeError));

  it('a list without metadata.resourceVersion → ResponseDecodeError', () =>
    check(
      relistWith('{"kind":"ConfigMapList","apiVersion":"v1","metadata":{},"items":[]}'),
      (e) => isResponseDecodeError(e) && /resourceVersion/.test(e.message),
    ));

  it('HTTP 200 with a non-JSON content type → ResponseDecodeError', () =>
    check(
      relistWith(
        '{"kind":"ConfigMapList","metadata":{"resourceVersion":"1"},"items":[]}',
        'text/html',
      ),
      (e) => isResponseDecodeError(e) && /content type/.test(e.message),
    ));

  it('a redirect → ApiStatusError (not followed)', () =>
    check(
      () => {
        server.faults.nextResponses(1, {
          status: 302,
          verb: 'list',
          body: '',
          contentType: 'text/plain',
        });
        server.faults.expireWatches();
      },
      (e) => isApiStatusError(e) && e.code === 302,
    ));

  it('an object without a name → reported, skipped', () =>
    check(
      () =>
        server.faults.writeRawToWatches(
          line({
            type: 'ADDED',
            object: {
              kind: 'ConfigMap',
              metadata: { namespace: 'ns', resourceVersion: server.resourceVersion() },
            },
          }),
        ),
      (e) => isReflectorError(e) && e.kind === 'store',
    ));

  it('an ERROR event with a non-Status object → WatchDecodeError', () =>
    check(
      () => server.faults.writeRawToWatches(line({ type: 'ERROR', object: { kind: 'ConfigMap' } })),
      (e) => isWatchDecodeError(e) && /Status/.test(e.message),
    ));

  it('an event type that does not exist → WatchDecodeError', () =>
    check(
      () => server.faults.writeRawToWatches(line({ type: 'RENAMED', object: { metadata: {} } })),
      (e) => isWatchDecodeError(e) && /RENAMED/.test(e.message),
    ));

  it('invalid UTF-8 → WatchDecodeError', () =>
    check(
      () =>
        server.faults.writeRawToWatches(
          Buffer.concat([
            Buffer.from('{"type":"ADDED","object":{"kind":"ConfigMap","metadata":{"name":"'),
            Buffer.from([0xff, 0xfe]),
            Buffer.from('"}}}\n'),
          ]),
        ),
      (e) => isWatchDecodeError(e) && /UTF-8/.test(e.message),
    ));

  it('a line of 50 MB that is not JSON → WatchDecodeError, without losing the cache', () =>
    check(
      () =>
        server.faults.writeRawToWatches(
          `{"type":"ADDED","object":${'x'.repeat(50 * 1024 * 1024)}\n`,
        ),
      (e) => isWatchDecodeError(e),
    ));
});
