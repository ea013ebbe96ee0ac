// When things go wrong, as a new user meets it: every failure prints one clear line by default
// (core's defaultLogger on stderr), errors retrying cannot fix are marked as such and can stop
// `run`, a wrong `kind` is a configuration error (never an empty store reported as synced), and
// the state is readable (lastError, failingSince, isWatching, lastEventTime, lastListTime).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { MemoryMetricsProvider, createDefaultLogger, type KubeObject } from '@kubecache/core';
import {
  createListWatch,
  createListWatchFromFunctions,
  isApiStatusError,
  type ListWatchOptions,
} from '@kubecache/listwatch';
import { createStore, type Store } from '@kubecache/store';
import { makePod, type ApiServer } from '@kubecache/testing';
// @ts-expect-error -- plain JavaScript example without type declarations
import { runToy } from '../examples/toy.mjs';
import { isPermanentFailureError, isReflectorError } from './errors.js';
import { Reflector } from './reflector.js';
import { api, fast, onCleanup, startOn, until } from './test-support/harness.js';

/** Captures what kubecache writes to stderr (the default logger's output) during a test. */
function captureStderr(): string[] {
  const lines: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
    const text = String(chunk);
    if (text.startsWith('kubecache ')) lines.push(text);
    else return original(chunk as string);
    return true;
  });
  onCleanup(() => spy.mockRestore());
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

const lw = (s: ApiServer | KubeConfig, o: Partial<ListWatchOptions> = {}) =>
  createListWatch(s instanceof KubeConfig ? s : s.kubeConfig, {
    group: '',
    version: 'v1',
    resource: 'pods',
    ...o,
  });

/** A store that records whether it was ever replaced (synced). */
function recordingStore(): Store & { replaced: number } {
  const store = createStore() as Store & { replaced: number };
  store.replaced = 0;
  const replace = store.replace.bind(store);
  store.replace = (items, rv) => {
    store.replaced++;
    replace(items, rv);
  };
  return store;
}

describe('the default logger prints one line per failure (stderr)', () => {
  it("the README toy with no kubeconfig at all: client-node falls back to http://localhost:8080, 'connect ECONNREFUSED 127.0.0.1:8080'", async () => {
    // What `kc.loadFromDefault()` does without KUBECONFIG, ~/.kube/config or a service account.
    vi.stubEnv('KUBECONFIG', undefined);
    vi.stubEnv('HOME', mkdtempSync(join(tmpdir(), 'kubecache-no-kubeconfig-')));
    const kubeConfig = new KubeConfig();
    try {
      kubeConfig.loadFromDefault();
    } finally {
      vi.unstubAllEnvs();
    }
    expect(kubeConfig.getCurrentCluster()?.server).toBe('http://localhost:8080');
    const lines = captureStderr();
    const ac = new AbortController();
    const done = (runToy as (o: object) => Promise<unknown>)({
      kubeConfig,
      signal: ac.signal,
      intervalMs: 60_000,
      print: () => undefined,
    });
    await until(() => lines.length > 0);
    ac.abort();
    await done;
    // The README's line. It needs nothing listening on localhost:8080 (true on CI runners and
    // developer machines without a local apiserver); ::1 where localhost resolves to it first.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^kubecache warn reflector pods\.v1: list failed: connect ECONNREFUSED (127\.0\.0\.1|::1):8080 \(ECONNREFUSED\) retryInMs=\d+\n$/,
    );
  });

  it("a typo in the resource (404): 'list failed (will not fix itself): the server could not find the requested resource'", async () => {
    const lines = captureStderr();
    const s = await api();
    const { r } = startOn(lw(s, { resource: 'podz' }), createStore(), { backoff: fast });
    await until(() => lines.length > 0);
    expect(lines[0]).toMatch(
      /^kubecache error reflector podz\.v1: list failed \(will not fix itself\): the server could not find the requested resource \(podz\) \(404 NotFound\) retryInMs=\d+\n$/,
    );
    expect(isApiStatusError(r.lastError()) && r.lastError()).toMatchObject({ code: 404 });
  });

  it("a wrong bearer token (401): 'list failed (will not fix itself): Unauthorized (401 Unauthorized)'", async () => {
    const lines = captureStderr();
    const s = await api({ token: 'right-token' });
    const kc = new KubeConfig();
    kc.loadFromString(s.kubeConfigYaml().replace('right-token', 'wrong-token'));
    startOn(lw(kc, { namespace: 'team-a' }), createStore(), { backoff: fast });
    await until(() => lines.length > 0);
    expect(lines[0]).toMatch(
      /^kubecache error reflector pods\.v1 in namespace team-a: list failed \(will not fix itself\): Unauthorized \(401 Unauthorized\) retryInMs=\d+\n$/,
    );
  });

  it("an invalid label selector (400): 'list failed (will not fix itself): unable to parse requirement …'", async () => {
    const lines = captureStderr();
    const s = await api();
    startOn(lw(s, { namespace: 'sel', labelSelector: 'app in (' }), createStore(), {
      backoff: fast,
    });
    await until(() => lines.length > 0);
    expect(lines[0]).toMatch(
      /^kubecache error reflector pods\.v1 in namespace sel: list failed \(will not fix itself\): unable to parse requirement: .* \(400 BadRequest\) retryInMs=\d+\n$/,
    );
  });

  it("RBAC forbids listing (403): 'list failed (will not fix itself): pods is forbidden: …'", async () => {
    const lines = captureStderr();
    const s = await api();
    const message =
      'pods is forbidden: User "system:serviceaccount:default:x" cannot list resource "pods" in API group "" at the cluster scope';
    s.faults.nextResponses(1, {
      status: 403,
      body: JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message,
        reason: 'Forbidden',
        details: { kind: 'pods' },
        code: 403,
      }),
    });
    startOn(lw(s), createStore(), { backoff: fast });
    await until(() => lines.length > 0);
    expect(lines[0]).toBe(
      `kubecache error reflector pods.v1: list failed (will not fix itself): ${message} (403 Forbidden) retryInMs=10\n`,
    );
  });

  it("a watch that expires (410) prints nothing; a reset one: 'watch ended: aborted (ECONNRESET) retryInMs=…'", async () => {
    const lines = captureStderr();
    const s = await api();
    const { r } = startOn(lw(s), createStore(), { backoff: fast });
    await until(() => r.isWatching());
    const before = s.requests.entries.length;
    s.faults.expireWatches();
    await until(() => s.requests.entries.length > before); // the relist (a WatchList here)
    await until(() => r.isWatching());
    expect(lines).toEqual([]); // logged at info level: the normal end of an old resource version
    s.faults.resetWatches();
    await until(() => lines.length > 0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^kubecache warn reflector pods\.v1: watch ended: aborted \(ECONNRESET\) retryInMs=\d+\n$/,
    );
  });
});

describe('a wrong kind is a configuration error', () => {
  for (const useWatchList of [true, false]) {
    it(`is reported at once and never synced with an empty store (${useWatchList ? 'WatchList' : 'LIST'})`, async () => {
      const s = await api();
      for (let i = 0; i < 3; i++) s.create('pods', makePod({ namespace: 'a', name: `p${i}` }));
      const out: string[] = [];
      const store = recordingStore();
      const { r, errors } = startOn(lw(s, { kind: 'Pods' }), store, {
        backoff: fast,
        useWatchList,
        logger: createDefaultLogger({ write: (l) => out.push(l) }),
      });
      await until(() => out.length > 0 && errors.length > 0);
      expect(out[0]).toMatch(
        /^kubecache error reflector pods\.v1: list failed \(will not fix itself\): expected kind Pods but the server sent Pod \(a\/p\d\); all 3 objects were skipped: check the kind option retryInMs=\d+\n$/,
      );
      expect(store.replaced).toBe(0);
      expect(isReflectorError(errors[0]) && errors[0].kind).toBe('kind-mismatch');
      expect(isReflectorError(r.lastError()) && r.lastError()).toMatchObject({
        kind: 'kind-mismatch',
      });
      expect(r.lastListTime()).toBeUndefined();
    });
  }

  it('a stray object of another kind among the right ones is skipped, not a configuration error', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p' }));
    const store = createStore();
    const out: string[] = [];
    const { r, errors } = startOn(lw(s, { kind: 'Pod' }), store, {
      backoff: fast,
      logger: createDefaultLogger({ write: (l) => out.push(l) }),
    });
    await until(() => r.isWatching() && store.listKeys().length === 1);
    s.faults.writeRawToWatches(
      `${JSON.stringify({ type: 'ADDED', object: { kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'a', resourceVersion: '999' } } })}\n`,
    );
    await until(() => errors.length > 0);
    expect(isReflectorError(errors[0]) && errors[0].kind).toBe('wrong-kind');
    expect(r.lastError()).toBeUndefined();
    expect(out).toEqual([
      'kubecache warn reflector pods.v1: object skipped: expected kind Pod, got ConfigMap (a/cm); skipped\n',
    ]);
  });
});

describe("onPermanentError: 'stop'", () => {
  it('makes run reject with a PermanentFailureError naming the resource, after one error line', async () => {
    const s = await api();
    const out: string[] = [];
    const r = new Reflector(lw(s, { resource: 'podz' }), createStore(), {
      backoff: fast,
      onPermanentError: 'stop',
      logger: createDefaultLogger({ write: (l) => out.push(l) }),
    });
    const err: unknown = await r.run(new AbortController().signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPermanentFailureError(err)).toBe(true);
    expect((err as Error).message).toBe(
      'podz.v1: list failed (will not fix itself): the server could not find the requested resource (podz) (404 NotFound)',
    );
    expect(out).toEqual([
      'kubecache error reflector podz.v1: list failed, stopping (will not fix itself): the server could not find the requested resource (podz) (404 NotFound)\n',
    ]);
  });

  it('keeps retrying transient errors (connection refused)', async () => {
    const s = await api();
    await s.faults.down();
    const r = new Reflector(lw(s), createStore(), {
      backoff: fast,
      onPermanentError: 'stop',
      logger: createDefaultLogger({ write: () => undefined }),
    });
    const ac = new AbortController();
    const done = r.run(ac.signal);
    await until(() => r.lastError() !== undefined);
    await new Promise((res) => setTimeout(res, 100));
    await s.faults.up();
    await until(() => r.isWatching());
    ac.abort();
    await expect(done).resolves.toBeUndefined();
  });
});

describe('state and metrics', () => {
  it('tells lastError, failingSince, isWatching, lastEventTime and lastListTime', async () => {
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p0' }));
    const { r } = startOn(lw(s), createStore(), { backoff: fast });
    expect(r.isWatching()).toBe(false);
    await until(() => r.isWatching());
    expect(r.lastError()).toBeUndefined();
    expect(r.failingSince()).toBeUndefined();
    expect(r.lastListTime()).toBeGreaterThan(0);
    s.create('pods', makePod({ namespace: 'a', name: 'p1' }));
    await until(() => r.stats.events === 1);
    expect(r.lastEventTime()).toBeGreaterThanOrEqual(r.lastListTime()!);

    const bad = startOn(lw(s, { resource: 'podz' }), createStore(), {
      backoff: fast,
      logger: createDefaultLogger({ write: () => undefined }),
    });
    await until(() => bad.errors.length >= 2);
    expect(bad.r.failingSince()).toBeLessThanOrEqual(Date.now());
    expect(bad.r.isWatching()).toBe(false);
    expect(bad.r.lastListTime()).toBeUndefined();
  });

  it('reports lists, list errors by reason, watches and events to a metrics provider', async () => {
    const s = await api();
    const metrics = new MemoryMetricsProvider();
    const { r } = startOn(lw(s), createStore(), { backoff: fast, metricsProvider: metrics });
    await until(() => r.isWatching());
    s.create('pods', makePod({ namespace: 'a', name: 'p0' }));
    await until(() => r.lastEventTime() !== undefined);
    const name = { name: 'pods.v1' };
    expect(metrics.value('reflector_lists_total', name)).toBe(1);
    expect(metrics.value('reflector_events_total', { ...name, type: 'ADDED' })).toBe(1);
    expect(metrics.samples('reflector_last_resource_version')).toEqual([
      { labels: name, value: Number(s.resourceVersion()) },
    ]);

    const bad = startOn(lw(s, { resource: 'podz' }), createStore(), {
      backoff: fast,
      metricsProvider: metrics,
      logger: createDefaultLogger({ write: () => undefined }),
    });
    await until(() => bad.errors.length >= 2);
    expect(
      metrics.value('reflector_list_errors_total', { name: 'podz.v1', reason: 'NotFound' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      metrics.value('reflector_relists_total', { name: 'podz.v1', reason: 'list-error' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('logs nothing per event (even at debug level)', async () => {
    const s = await api();
    const out: string[] = [];
    const { r } = startOn(lw(s), createStore<KubeObject>(), {
      backoff: fast,
      logger: createDefaultLogger({ level: 'debug', repeatWindowMs: 0, write: (l) => out.push(l) }),
    });
    await until(() => r.isWatching());
    const before = out.length;
    for (let i = 0; i < 200; i++) s.create('pods', makePod({ namespace: 'a', name: `p${i}` }));
    await until(() => r.stats.events === 200);
    expect(out.slice(before)).toEqual([]);
  });
});

describe("a user's logger (pino) gets the default logger's policy", () => {
  it('20 list failures of one cause: the first call with the Error (its stack), then one with repeated: 19 when run ends', async () => {
    const calls: { level: string; fields: Record<string, unknown>; msg: string | undefined }[] = [];
    const at =
      (level: string) =>
      (obj: object | string, msg?: string): void => {
        if (typeof obj !== 'string' && level !== 'info' && level !== 'debug') {
          calls.push({ level, fields: obj as Record<string, unknown>, msg });
        }
      };
    const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    const stop = new AbortController();
    let lists = 0;
    const source = createListWatchFromFunctions<KubeObject>({
      description: 'pods.v1',
      list: () => {
        lists++;
        if (lists === 21) stop.abort(); // the 21st, aborted, is not reported
        return Promise.reject(
          new TypeError("Cannot read properties of undefined (reading 'items')"),
        );
      },
      watch: () => Promise.reject(new Error('not used')),
    });
    const r = new Reflector(source, createStore(), {
      logger,
      backoff: { initialMs: 1, capMs: 1, jitter: 0, resetMs: 120_000 },
    });
    await r.run(stop.signal);
    expect(lists).toBe(21);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.fields.err).toBeInstanceOf(TypeError);
    expect(calls[0]!.msg).toBe('list failed');
    expect(calls[1]).toMatchObject({
      msg: 'list failed',
      fields: {
        component: 'reflector',
        resource: 'pods.v1',
        err: "Cannot read properties of undefined (reading 'items')",
        repeated: 19,
      },
    });
  });
});
