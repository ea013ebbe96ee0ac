// Test-only helpers (not exported from index.ts): the in-process API server, a Reflector started
// on it with fast backoff, polling, and views of the request log.
import { afterEach } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { createListWatch, type ListerWatcher } from '@kubecache/listwatch';
import { createStore, type Store } from '@kubecache/store';
import { startApiServer, type ApiServer, type ApiServerOptions } from '@kubecache/testing';
import { Reflector } from '../reflector.js';
import type { ReflectorOptions } from '../options.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Registers `fn` to run after the current test (in reverse order of registration). */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

/** Starts an in-process API server, closed after the test. */
export async function api(o: ApiServerOptions = {}): Promise<ApiServer> {
  const s = await startApiServer(o);
  cleanups.push(() => s.close());
  return s;
}

/** Backoff for tests: 10 ms doubling to 40 ms, no jitter. */
export const fast = { initialMs: 10, capMs: 40, jitter: 0, resetMs: 120_000 };

/** A pods ListWatch on `s`. */
export function podsLw(s: ApiServer): ListerWatcher {
  return createListWatch(s.kubeConfig, {
    group: '',
    version: 'v1',
    resource: 'pods',
    kind: 'Pod',
    idleTimeoutMs: 5000,
  });
}

/** Runs a Reflector over pods on `s` (or `lw`) until the test ends; errors are collected. */
export function start(
  s: ApiServer,
  store: Store = createStore(),
  options: ReflectorOptions<KubeObject> = {},
  lw: ListerWatcher = podsLw(s),
) {
  return startOn(lw, store, options);
}

/** Runs a Reflector over `lw` until the test ends; errors are collected. */
export function startOn(
  lw: ListerWatcher,
  store: Store = createStore(),
  options: ReflectorOptions<KubeObject> = {},
) {
  const errors: Error[] = [];
  const r = new Reflector(lw, store, {
    backoff: fast,
    watchErrorHandler: (_r, e) => errors.push(e),
    ...options,
  });
  const ac = new AbortController();
  const done = r.run(ac.signal);
  const stop = async (): Promise<void> => {
    ac.abort();
    await done;
  };
  cleanups.push(stop);
  return { r, store, errors, stop, done };
}

/** Polls `cond` every 5 ms; throws after `timeoutMs`. */
export async function until(
  cond: () => boolean,
  timeoutMs = 8000,
  what = 'condition',
): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Sorted keys of a store. */
export const keys = (store: Store): string[] => store.listKeys().sort();

/** Sorted pod keys on the server. */
export const serverKeys = (s: ApiServer): string[] =>
  s
    .list('pods')
    .items.map((p) => `${p.metadata!.namespace!}/${p.metadata!.name!}`)
    .sort();

const sameVersions = (s: ApiServer, store: Store): boolean =>
  s.list('pods').items.every((p) => {
    const cached = store.getByKey(`${p.metadata!.namespace!}/${p.metadata!.name!}`)?.metadata;
    return (
      cached?.resourceVersion === p.metadata?.resourceVersion && cached?.uid === p.metadata?.uid
    );
  });

/** The store holds exactly the server's pods, at the same uid and resourceVersion. */
export const inSync = (s: ApiServer, store: Store): boolean =>
  JSON.stringify(keys(store)) === JSON.stringify(serverKeys(s)) && sameVersions(s, store);

/** LIST requests for pods. */
export const lists = (s: ApiServer) =>
  s.requests.entries.filter((e) => e.verb === 'list' && e.resource === 'pods');

/** WATCH requests for pods. */
export const watches = (s: ApiServer) =>
  s.requests.entries.filter((e) => e.verb === 'watch' && e.resource === 'pods');
