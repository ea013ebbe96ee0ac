import { FakeClock, defineResource, silentLogger, type KubeObject } from '@kubecache/core';
import { describe, expect, it } from 'vitest';
import type { ClientWriteEvent } from './client.js';
import { ControllerOptionsError } from './errors.js';
import {
  WriteLedger,
  controllerClient,
  ledgerResourceOf,
  watchedResourceOfInformerName,
  type UnseenWrite,
  type WatchedCache,
} from './read-your-writes.js';

const ConfigMaps = defineResource<KubeObject>({
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
});

/** An informer's cache as the ledger sees it: objects by key, its RV, change listeners. */
class FakeCache implements WatchedCache {
  rv = '';
  readonly objects = new Map<string, KubeObject>();
  readonly listeners = new Set<() => void>();
  lastStoreSyncResourceVersion(): string {
    return this.rv;
  }
  getStore(): { getByKey(key: string): unknown } {
    return { getByKey: (key) => this.objects.get(key) };
  }
  onStoreChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  /** Applies an event (or a bookmark without `key`) and notifies, as the informer loop does. */
  apply(rv: string, key?: string, object?: KubeObject | null): void {
    if (key !== undefined) {
      if (object === null || object === undefined) this.objects.delete(key);
      else this.objects.set(key, object);
    }
    this.rv = rv;
    for (const l of this.listeners) l();
  }
}

function write(
  name: string,
  rv: string,
  verb: ClientWriteEvent['verb'] = 'create',
  extra: { uid?: string; deletionTimestamp?: string } = {},
): ClientWriteEvent {
  return {
    resource: ConfigMaps,
    namespace: 'default',
    name,
    verb,
    subresource: undefined,
    resourceVersion: rv,
    uid: extra.uid,
    object: {
      metadata: {
        name,
        namespace: 'default',
        resourceVersion: rv,
        ...(extra.uid !== undefined ? { uid: extra.uid } : {}),
        ...(extra.deletionTimestamp !== undefined
          ? { deletionTimestamp: extra.deletionTimestamp }
          : {}),
      },
    },
  };
}

function setup(): { ledger: WriteLedger; cache: FakeCache; clock: FakeClock } {
  const clock = new FakeClock();
  const ledger = new WriteLedger({ clock });
  const cache = new FakeCache();
  cache.rv = '10';
  ledger.watch(cache, { resource: 'configmaps' });
  return { ledger, cache, clock };
}

const never = new AbortController().signal;

describe('WriteLedger', () => {
  it('a get of a written key waits until the cache reached the write, then resolves', async () => {
    const { ledger, cache } = setup();
    ledger.record(write('a', '12'));
    let outcome: string | undefined;
    const wait = ledger
      .waitFor({ resource: 'configmaps', key: 'default/a' }, never, 10_000)
      .then((o) => (outcome = o));
    cache.apply('11', 'default/other', { metadata: { name: 'other', resourceVersion: '11' } });
    await Promise.resolve();
    expect(outcome).toBeUndefined();
    cache.apply('12', 'default/a', { metadata: { name: 'a', resourceVersion: '12' } });
    await wait;
    expect(outcome).toBe('caught-up');
    expect(ledger.pending('configmaps')).toEqual([]);
  });

  it('resolves at once for a key or resource without writes, and per key ignores other keys', async () => {
    const { ledger } = setup();
    ledger.record(write('a', '12'));
    await expect(
      ledger.waitFor({ resource: 'configmaps', key: 'default/b' }, never, 10),
    ).resolves.toBe('caught-up');
    await expect(ledger.waitFor({ resource: 'secrets' }, never, 10)).resolves.toBe('caught-up');
  });

  it('a list waits for every written key; a bookmark past them all ends it', async () => {
    const { ledger, cache } = setup();
    ledger.record(write('a', '12'));
    ledger.record(write('b', '13'));
    let outcome: string | undefined;
    const wait = ledger
      .waitFor({ resource: 'configmaps' }, never, 10_000)
      .then((o) => (outcome = o));
    cache.apply('12', 'default/a', { metadata: { name: 'a', resourceVersion: '12' } });
    await Promise.resolve();
    expect(outcome).toBeUndefined();
    expect(ledger.pending('configmaps')).toEqual(['default/b']);
    cache.apply('20'); // a bookmark
    await wait;
    expect(outcome).toBe('caught-up');
  });

  it('times out at the bound (on its clock) and says so; the entry stays pending', async () => {
    const { ledger, clock } = setup();
    ledger.record(write('a', '12'));
    let outcome: string | undefined;
    const wait = ledger
      .waitFor({ resource: 'configmaps', key: 'default/a' }, never, 500)
      .then((o) => (outcome = o));
    await clock.advance(499);
    expect(outcome).toBeUndefined();
    await clock.advance(1);
    await wait;
    expect(outcome).toBe('timeout');
    expect(ledger.pending('configmaps')).toEqual(['default/a']);
  });

  it('resolves aborted when the signal aborts', async () => {
    const { ledger } = setup();
    ledger.record(write('a', '12'));
    const ac = new AbortController();
    const wait = ledger.waitFor({ resource: 'configmaps', key: 'default/a' }, ac.signal, 10_000);
    ac.abort();
    await expect(wait).resolves.toBe('aborted');
  });

  it('a delete waits for the DELETED event (the cache passing the deletion RV), not for the key to be absent', async () => {
    const { ledger, cache } = setup();
    // The create was never seen and the delete followed it: the key is absent from the cache.
    ledger.record(write('a', '12'));
    ledger.record(write('a', '13', 'delete'));
    let outcome: string | undefined;
    const wait = ledger
      .waitFor({ resource: 'configmaps', key: 'default/a' }, never, 10_000)
      .then((o) => (outcome = o));
    cache.apply('12', 'default/a', { metadata: { name: 'a', resourceVersion: '12' } });
    await Promise.resolve();
    expect(outcome).toBeUndefined(); // the object at 12 is in the cache: the delete is not seen
    cache.apply('13', 'default/a', null);
    await wait;
    expect(outcome).toBe('caught-up');
  });

  it('a delete answered with a deletionTimestamp (finalizers) is seen as an update of the object', async () => {
    const { ledger, cache } = setup();
    ledger.record(write('a', '12', 'delete', { deletionTimestamp: '2026-12-06T00:00:00Z' }));
    const wait = ledger.waitFor({ resource: 'configmaps', key: 'default/a' }, never, 10_000);
    cache.apply('11'); // not there yet
    cache.objects.set('default/a', { metadata: { name: 'a', resourceVersion: '12' } });
    cache.apply('11');
    await expect(wait).resolves.toBe('caught-up');
  });

  it('an older RV recorded after a newer one for the same key does not lower the wait', async () => {
    const { ledger, cache } = setup();
    ledger.record(write('a', '15'));
    ledger.record(write('a', '12'));
    cache.apply('12', 'default/a', { metadata: { name: 'a', resourceVersion: '12' } });
    expect(ledger.pending('configmaps')).toEqual(['default/a']);
    cache.apply('15', 'default/a', { metadata: { name: 'a', resourceVersion: '15' } });
    expect(ledger.pending('configmaps')).toEqual([]);
  });

  it('non-comparable RVs: waits for the object to carry exactly that RV (never a string comparison)', async () => {
    const { ledger, cache } = setup();
    cache.rv = 'x9';
    ledger.record(write('a', 'a2'));
    let outcome: string | undefined;
    const wait = ledger
      .waitFor({ resource: 'configmaps', key: 'default/a' }, never, 10_000)
      .then((o) => (outcome = o));
    // 'b1' > 'a2' as strings: must not count as seen.
    cache.apply('b1', 'default/a', { metadata: { name: 'a', resourceVersion: 'b1' } });
    await Promise.resolve();
    expect(outcome).toBeUndefined();
    cache.apply('a2', 'default/a', { metadata: { name: 'a', resourceVersion: 'a2' } });
    await wait;
    expect(outcome).toBe('caught-up');
  });

  it('non-comparable RVs: a delete is seen once the key is gone or holds another uid', async () => {
    const { ledger, cache } = setup();
    cache.objects.set('default/a', { metadata: { name: 'a', resourceVersion: 'p', uid: 'u1' } });
    ledger.record(write('a', 'q', 'delete', { uid: 'u1' }));
    expect(ledger.pending('configmaps')).toEqual(['default/a']);
    cache.apply('r', 'default/a', { metadata: { name: 'a', resourceVersion: 'r', uid: 'u2' } });
    expect(ledger.pending('configmaps')).toEqual([]);
  });

  it('records nothing for resources no informer serves, nor outside a namespaced informer', async () => {
    const clock = new FakeClock();
    const ledger = new WriteLedger({ clock });
    const cache = new FakeCache();
    ledger.watch(cache, { resource: 'configmaps', namespace: 'team-a' });
    ledger.record(write('a', '12')); // namespace default
    expect(ledger.pending('configmaps')).toEqual([]);
    expect(ledger.isWatched('secrets')).toBe(false);
    expect(cache.listeners.size).toBe(0);
  });

  it('listens to the informer only while writes are pending', () => {
    const { ledger, cache } = setup();
    expect(cache.listeners.size).toBe(0);
    ledger.record(write('a', '12'));
    expect(cache.listeners.size).toBe(1);
    cache.apply('12', 'default/a', { metadata: { name: 'a', resourceVersion: '12' } });
    expect(cache.listeners.size).toBe(0);
  });
});

describe('resource names', () => {
  it('matches the informer factory names to resources', () => {
    expect(watchedResourceOfInformerName('configmaps.v1')).toEqual({
      resource: 'configmaps',
      namespace: '',
    });
    expect(watchedResourceOfInformerName('widgets.v1.example.com@team-a')).toEqual({
      resource: 'widgets.example.com',
      namespace: 'team-a',
    });
    expect(watchedResourceOfInformerName('deployments.v1.apps#meta')).toEqual({
      resource: 'deployments.apps',
      namespace: '',
    });
    expect(watchedResourceOfInformerName('my informer')).toBeUndefined();
    expect(ledgerResourceOf(ConfigMaps)).toBe('configmaps');
  });
});

describe('controllerClient', () => {
  const cache = Object.assign(new FakeCache(), { name: 'widgets.v1.example.com' });
  const base = {
    name: 'c',
    fieldManager: undefined,
    primary: cache,
    others: [],
    logger: silentLogger,
    clock: new FakeClock(),
  };

  it('refuses a readYourWrites.timeoutMs that is not a number > 0', () => {
    for (const timeoutMs of [0, -1, Number.NaN]) {
      expect(() =>
        controllerClient({ ...base, kubeConfig: undefined, readYourWrites: { timeoutMs } }),
      ).toThrow(ControllerOptionsError);
    }
  });

  it('without kubeConfig: no wait, and a client whose calls reject naming the option', async () => {
    const c = controllerClient({ ...base, kubeConfig: undefined, readYourWrites: undefined });
    expect(c.awaitWrites).toBeUndefined();
    const err: unknown = await c.client
      .get(ConfigMaps, { namespace: 'default', name: 'a' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControllerOptionsError);
    expect((err as ControllerOptionsError).option).toBe('kubeConfig');
  });
});

describe('WriteLedger: unseen writes', () => {
  function withUnseen(): { ledger: WriteLedger; cache: FakeCache; unseen: UnseenWrite[] } {
    const unseen: UnseenWrite[] = [];
    const ledger = new WriteLedger({ clock: new FakeClock(), onUnseen: (w) => unseen.push(w) });
    const cache = new FakeCache();
    cache.rv = '10';
    ledger.watch(cache, { resource: 'configmaps' });
    return { ledger, cache, unseen };
  }
  const obj = (name: string, rv: string): KubeObject => ({
    metadata: { name, namespace: 'default', resourceVersion: rv },
  });

  it('the cache passing an owned write with the key absent names the write and its owner, once', () => {
    const { ledger, cache, unseen } = withUnseen();
    ledger.record(write('c', '12'), 'default/k');
    cache.apply('11'); // not yet passed
    expect(unseen).toEqual([]);
    cache.apply('14'); // a relist at 14 without c
    cache.apply('15');
    expect(unseen).toEqual([
      {
        resource: 'configmaps',
        key: 'default/c',
        resourceVersion: '12',
        storeResourceVersion: '14',
        owner: 'default/k',
      },
    ]);
    expect(ledger.pending('configmaps')).toEqual([]);
  });

  it('a write the cache showed is forgotten, even when the object is deleted later', () => {
    const { ledger, cache, unseen } = withUnseen();
    ledger.record(write('c', '12'), 'default/k');
    ledger.record(write('d', '15', 'update'), 'default/k');
    cache.apply('12', 'default/c', obj('c', '12')); // shown by its event
    cache.apply('13', 'default/c', null);
    cache.apply('16', 'default/d', obj('d', '16')); // present past the write when passed
    expect(unseen).toEqual([]);
    expect(ledger.pending('configmaps')).toEqual([]);
  });

  it('no owner (a write outside a reconcile), a delete, or non-comparable RVs: nothing', () => {
    const { ledger, cache, unseen } = withUnseen();
    ledger.record(write('a', '12'));
    ledger.record(write('b', '12', 'delete'), 'default/k');
    ledger.record(write('n', 'abc'), 'default/k');
    cache.apply('20');
    cache.rv = 'xyz';
    cache.apply('xyz');
    expect(unseen).toEqual([]);
  });
});
