// When things go wrong with informers, as a new user meets it: each silent case prints one clear
// line by default (stderr), a wrong kind is never reported as synced, the sync wait says why it
// failed, errors retrying cannot fix can stop the informer, and health checks tell the state.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import {
  MemoryMetricsProvider,
  createDefaultLogger,
  defineResource,
  runHealthChecks,
  type KubeObject,
} from '@kubecache/core';
import { createListWatch } from '@kubecache/listwatch';
import { isPermanentFailureError, isReflectorError } from '@kubecache/reflector';
import { makePod, startApiServer, type ApiServer, type ApiServerOptions } from '@kubecache/testing';
import {
  isCacheSyncTimeoutError,
  waitForCacheSyncOrThrow,
  type CacheSyncTimeoutError,
} from './cache-sync.js';
import {
  createSharedInformerFactory,
  type SharedInformerFactory,
  type SharedInformerFactoryOptions,
} from './factory.js';
import { informerHealthCheck } from './health.js';
import { createSharedIndexInformer } from './shared-informer.js';
import { waitForCacheSync } from './wait.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  vi.restoreAllMocks();
});

async function api(o: ApiServerOptions = {}): Promise<ApiServer> {
  const s = await startApiServer(o);
  cleanups.push(() => s.close());
  return s;
}

const fast = { initialMs: 10, capMs: 40, jitter: 0, resetMs: 120_000 };

function factoryOn(
  kc: KubeConfig,
  options: SharedInformerFactoryOptions = {},
): SharedInformerFactory {
  const f = createSharedInformerFactory(kc, {
    informer: { reflector: { backoff: fast } },
    ...options,
  });
  cleanups.push(() => f.shutdown());
  return f;
}

/** Captures the lines kubecache's default logger writes to stderr during a test. */
function captureStderr(): string[] {
  const lines: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
    const text = String(chunk);
    if (text.startsWith('kubecache ')) lines.push(text);
    else return original(chunk as string);
    return true;
  });
  return lines;
}

async function until(cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const widgetsResource = {
  group: 'example.com',
  version: 'v1',
  resource: 'widgets',
  kind: 'Widget',
  namespaced: true,
};
interface Widget {
  metadata?: { name?: string; namespace?: string };
  spec?: { size?: number };
}

describe('the silent cases print one clear line by default (stderr)', () => {
  it("a typo in the resource: 'kubecache error reflector podz.v1: list failed (will not fix itself): … (404 NotFound)'", async () => {
    const lines = captureStderr();
    const s = await api();
    const f = factoryOn(s.kubeConfig);
    f.forResource({ group: '', version: 'v1', resource: 'podz' });
    f.start();
    await until(() => lines.length > 0);
    expect(lines[0]).toMatch(
      /^kubecache error reflector podz\.v1: list failed \(will not fix itself\): the server could not find the requested resource \(podz\) \(404 NotFound\) retryInMs=\d+\n$/,
    );
  });

  it("no kubeconfig (client-node's http://localhost:8080 fallback): 'kubecache warn reflector pods.v1: list failed: connect ECONNREFUSED 127.0.0.1:8080 (ECONNREFUSED)'", async () => {
    const lines = captureStderr();
    const kc = new KubeConfig();
    // What loadFromDefault() does without KUBECONFIG, ~/.kube/config or a service account.
    kc.loadFromClusterAndUser(
      { name: 'cluster', server: 'http://localhost:8080', skipTLSVerify: false },
      { name: 'user' },
    );
    const f = factoryOn(kc);
    f.pods();
    f.start();
    await until(() => lines.length > 0);
    // Needs nothing listening on localhost:8080; ::1 where localhost resolves to it first.
    expect(lines[0]).toMatch(
      /^kubecache warn reflector pods\.v1: list failed: connect ECONNREFUSED (127\.0\.0\.1|::1):8080 \(ECONNREFUSED\) retryInMs=\d+\n$/,
    );
  });

  it("a throttling server: 'kubecache warn listwatch pods.v1: list answered 429 with Retry-After 1 s, retrying: …'", async () => {
    const lines = captureStderr();
    const s = await api();
    // What kube-apiserver's max-in-flight / priority-and-fairness filter answers.
    s.faults.nextResponses(1, {
      status: 429,
      retryAfterSeconds: 1,
      body: JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Too many requests, please try again later.',
        reason: 'TooManyRequests',
        details: { retryAfterSeconds: 1 },
        code: 429,
      }),
    });
    const f = factoryOn(s.kubeConfig, {
      informer: { reflector: { backoff: fast, useWatchList: false } },
    });
    f.pods();
    f.start();
    await until(() => lines.length > 0);
    expect(lines[0]).toMatch(
      /^kubecache warn listwatch pods\.v1: list answered 429 with Retry-After 1 s, retrying: Too many requests, please try again later\. \(429 TooManyRequests\) attempt=1 maxRetries=10 retryInMs=1000\n$/,
    );
  });

  it("a wrong bearer token: 'kubecache error reflector pods.v1: list failed (will not fix itself): Unauthorized (401 Unauthorized)'", async () => {
    const lines = captureStderr();
    const s = await api({ token: 'the-right-one' });
    const kc = new KubeConfig();
    kc.loadFromString(s.kubeConfigYaml().replace('the-right-one', 'a-wrong-one'));
    const f = factoryOn(kc);
    f.pods();
    f.start();
    await until(() => lines.length > 0);
    expect(lines[0]).toMatch(
      /^kubecache error reflector pods\.v1: list failed \(will not fix itself\): Unauthorized \(401 Unauthorized\) retryInMs=\d+\n$/,
    );
  });

  it('a wrong kind is a configuration error: reported at once, never synced with every item dropped', async () => {
    const lines = captureStderr();
    const s = await api({ resources: [widgetsResource] });
    s.create('widgets.example.com', { metadata: { namespace: 'default', name: 'w1' } });
    const f = factoryOn(s.kubeConfig);
    const widgets = f.forResource<Widget>(
      { group: 'example.com', version: 'v1', resource: 'widgets' },
      { kind: 'Widgets' },
    );
    const seen: Error[] = [];
    widgets.setWatchErrorHandler((_r, err) => seen.push(err));
    f.start();
    await until(() => lines.length > 0);
    expect(lines[0]).toMatch(
      /^kubecache error reflector widgets\.v1\.example\.com: list failed \(will not fix itself\): expected kind Widgets but the server sent Widget \(default\/w1\); the only object was skipped: check the kind option retryInMs=\d+\n$/,
    );
    expect(isReflectorError(seen[0]) && seen[0].kind).toBe('kind-mismatch');
    expect(isReflectorError(widgets.lastError()) && widgets.lastError()).toMatchObject({
      kind: 'kind-mismatch',
    });
    await new Promise((r) => setTimeout(r, 100)); // several retries
    expect(widgets.hasSynced()).toBe(false);
  });

  it('a wrong kind in a defineResource definition names the definition, not a kind option', async () => {
    const lines = captureStderr();
    const s = await api({ resources: [widgetsResource] });
    s.create('widgets.example.com', { metadata: { namespace: 'default', name: 'w1' } });
    const f = factoryOn(s.kubeConfig);
    const Widgets = defineResource<Widget & KubeObject>({
      group: 'example.com',
      version: 'v1',
      kind: 'Widgets',
      plural: 'widgets',
      namespaced: true,
    });
    f.forResource(Widgets);
    f.start();
    await until(() => lines.length > 0);
    expect(lines[0]).toMatch(
      /^kubecache error reflector widgets\.v1\.example\.com: list failed \(will not fix itself\): expected kind Widgets but the server sent Widget \(default\/w1\); the only object was skipped: check the kind in the defineResource definition of widgets\.v1\.example\.com retryInMs=\d+\n$/,
    );
  });

  it("a TypeError thrown in onAdd: 'kubecache error informer pods.v1: event handler failed: Cannot read properties of undefined …'", async () => {
    const lines = captureStderr();
    const s = await api();
    s.create('pods', makePod({ namespace: 'a', name: 'p0' }));
    const f = factoryOn(s.kubeConfig);
    f.pods().addEventHandler({
      onAdd: (pod) => {
        const labels = (pod.metadata as { nope?: { name: string } }).nope!;
        void labels.name;
      },
    });
    f.start();
    await until(() => lines.length > 0);
    expect(lines).toHaveLength(1);
    // The line names the object; the stack under it points at the handler's file:line.
    const [first, ...stack] = lines[0]!.trimEnd().split('\n');
    expect(first).toBe(
      "kubecache error informer pods.v1: event handler failed: Cannot read properties of undefined (reading 'name') handler=0 key=a/p0",
    );
    expect(stack[0]).toBe("  TypeError: Cannot read properties of undefined (reading 'name')");
    expect(stack[1]).toMatch(/^ {4}at (Object\.)?onAdd \(.*failures\.test\.ts:\d+:\d+\)$/);
  });

  it('nothing is logged per event (even at debug level)', async () => {
    const s = await api();
    const out: string[] = [];
    const f = factoryOn(s.kubeConfig, {
      logger: createDefaultLogger({ level: 'debug', repeatWindowMs: 0, write: (l) => out.push(l) }),
    });
    const pods = f.pods();
    pods.addEventHandler({ onAdd: () => undefined });
    f.start();
    await until(() => pods.isWatching());
    const before = out.length;
    for (let i = 0; i < 200; i++) s.create('pods', makePod({ namespace: 'a', name: `p${i}` }));
    await until(() => pods.getStore().listKeys().length === 200);
    expect(out.slice(before)).toEqual([]);
  });
});

describe('waitForCacheSyncOrThrow says why caches did not sync', () => {
  it('lists every informer not synced with its last error and how long it has been failing', async () => {
    const s = await api();
    const f = factoryOn(s.kubeConfig, { logger: createDefaultLogger({ write: () => undefined }) });
    const podz = f.forResource({ group: '', version: 'v1', resource: 'podz' });
    const pods = f.pods();
    f.start();
    const err = (await waitForCacheSyncOrThrow([pods, podz], { timeoutMs: 300 }).catch(
      (e: unknown) => e,
    )) as CacheSyncTimeoutError;
    expect(isCacheSyncTimeoutError(err)).toBe(true);
    expect(err.reason).toBe('timeout');
    expect(err.pending.map((p) => [p.name, p.permanent])).toEqual([['podz.v1', true]]);
    expect(err.pending[0]!.failingForMs).toBeGreaterThan(100);
    expect(err.message).toMatch(
      /^caches not synced after \d+ ms: podz\.v1: failing for \d+ ms \(will not fix itself\): the server could not find the requested resource \(podz\) \(404 NotFound\)$/,
    );
    // The boolean form is unchanged.
    expect(await waitForCacheSync(AbortSignal.timeout(50), podz)).toBe(false);
  });

  it('tells a cluster that cannot be reached (ECONNREFUSED), on abort as well', async () => {
    const dead = await api();
    const kc = dead.kubeConfig;
    const port = new URL(dead.url).port;
    await dead.close();
    const f = factoryOn(kc, { logger: createDefaultLogger({ write: () => undefined }) });
    const pods = f.pods();
    f.start();
    await until(() => pods.lastError() !== undefined);
    const err = (await waitForCacheSyncOrThrow([pods], {
      signal: AbortSignal.timeout(100),
    }).catch((e: unknown) => e)) as CacheSyncTimeoutError;
    expect(err.reason).toBe('aborted');
    expect(err.message).toMatch(
      new RegExp(
        `^caches not synced when the wait was aborted after \\d+ ms: pods\\.v1: failing for \\d+ ms: connect ECONNREFUSED 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)$`,
      ),
    );
  });

  it('resolves once everything synced', async () => {
    const s = await api();
    const f = factoryOn(s.kubeConfig);
    const pods = f.pods();
    f.start();
    await expect(waitForCacheSyncOrThrow([pods], { timeoutMs: 5000 })).resolves.toBeUndefined();
  });
});

describe("onPermanentError: 'stop'", () => {
  it('an informer run rejects with the PermanentFailureError; the factory wait rejects with it at once', async () => {
    const s = await api();
    const lw = createListWatch(s.kubeConfig, { group: '', version: 'v1', resource: 'podz' });
    const informer = createSharedIndexInformer(lw, {
      onPermanentError: 'stop',
      logger: createDefaultLogger({ write: () => undefined }),
    });
    const run = informer.run(new AbortController().signal);
    await expect(run).rejects.toSatisfy(isPermanentFailureError);
    expect(informer.isStopped()).toBe(true);
    expect(informer.lastError()?.message).toBe(
      'podz.v1: list failed (will not fix itself): the server could not find the requested resource (podz) (404 NotFound)',
    );

    const f = factoryOn(s.kubeConfig, {
      onPermanentError: 'stop',
      logger: createDefaultLogger({ write: () => undefined }),
    });
    const podz = f.forResource({ group: '', version: 'v1', resource: 'podz' });
    f.start();
    const t0 = Date.now();
    await expect(waitForCacheSyncOrThrow([podz], { timeoutMs: 10_000 })).rejects.toSatisfy(
      isPermanentFailureError,
    );
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('a kubeconfig that does not match its server (listwatch ServerConfigError)', () => {
  /** The three misconfigurations, each as a kubeconfig for a fresh server. */
  async function misconfigured(): Promise<{ name: string; kc: KubeConfig; hint: RegExp }[]> {
    const tls = await api({ tls: true });
    const plain = await api();
    const kc = (yaml: string): KubeConfig => {
      const k = new KubeConfig();
      k.loadFromString(yaml);
      return k;
    };
    const httpToTls = tls.url.replace('https:', 'http:');
    const httpsToPlain = plain.url.replace('http:', 'https:');
    return [
      {
        name: 'no CA',
        kc: kc(tls.kubeConfigYaml().replace(/^\s+certificate-authority-data: .*\n/m, '')),
        hint: /the server https:\/\/127\.0\.0\.1:\d+ presented a certificate the kubeconfig's CA does not trust .*: check certificate-authority\(-data\) of cluster "kubecache-testing"/,
      },
      {
        name: 'http:// to TLS',
        kc: kc(
          tls
            .kubeConfigYaml()
            .replace(tls.url, httpToTls)
            .replace(/certificate-authority-data: .*/, 'insecure-skip-tls-verify: true'),
        ),
        hint: /the server http:\/\/127\.0\.0\.1:\d+ speaks TLS, not plain HTTP .*: use https:\/\/127\.0\.0\.1:\d+ as server of cluster "kubecache-testing"/,
      },
      {
        name: 'https:// to plain HTTP',
        kc: kc(plain.kubeConfigYaml().replace(plain.url, httpsToPlain)),
        hint: /the server https:\/\/127\.0\.0\.1:\d+ speaks plain HTTP, not TLS .*: use http:\/\/127\.0\.0\.1:\d+ as server of cluster "kubecache-testing"/,
      },
    ];
  }

  it('is reported at error level as "will not fix itself", naming the server and what to change', async () => {
    for (const { name, kc, hint } of await misconfigured()) {
      const lines: string[] = [];
      const f = factoryOn(kc, { logger: createDefaultLogger({ write: (l) => lines.push(l) }) });
      f.pods();
      f.start();
      await until(() => lines.length > 0);
      expect(lines[0], name).toMatch(
        /^kubecache error reflector pods\.v1: list failed \(will not fix itself\): /,
      );
      expect(lines[0], name).toMatch(hint);
      await f.shutdown();
    }
  });

  it("with onPermanentError: 'stop' the informer gives up at once instead of retrying", async () => {
    for (const { name, kc, hint } of await misconfigured()) {
      const f = factoryOn(kc, {
        onPermanentError: 'stop',
        logger: createDefaultLogger({ write: () => undefined }),
      });
      const pods = f.pods();
      f.start();
      const err = await waitForCacheSyncOrThrow([pods], { timeoutMs: 10_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPermanentFailureError(err), `${name}: ${String(err)}`).toBe(true);
      expect((err as Error).message, name).toMatch(hint);
      expect(pods.isStopped(), name).toBe(true);
    }
  });
});

describe('informerHealthCheck (core HealthCheck shape)', () => {
  it('passes for synced, watching informers and names each unhealthy one', async () => {
    const s = await api();
    const f = factoryOn(s.kubeConfig, { logger: createDefaultLogger({ write: () => undefined }) });
    const pods = f.pods();
    f.start();
    await until(() => pods.isWatching());
    expect(informerHealthCheck(f).check()).toEqual({ ok: true });
    expect(informerHealthCheck(pods, { maxEventAgeMs: 60_000 }).check()).toEqual({ ok: true });
    await new Promise((r) => setTimeout(r, 30));
    expect(informerHealthCheck(pods, { maxEventAgeMs: 10 }).check()).toEqual({
      ok: false,
      reason: expect.stringMatching(
        /^pods\.v1 heard nothing from the server for \d+ ms \(max 10 ms\)$/,
      ) as string,
    });

    f.forResource({ group: '', version: 'v1', resource: 'podz' });
    f.start();
    const check = informerHealthCheck(f);
    await until(() => f.informers()[1]!.lastError() !== undefined);
    expect(runHealthChecks([check]).lines).toEqual([
      expect.stringMatching(
        /^\[-\]informers failed: podz\.v1 not synced: failing for \d+ ms: the server could not find the requested resource \(podz\) \(404 NotFound\)$/,
      ),
    ]);
  });
});

describe('metrics', () => {
  it('reports handler durations and failures, pending notifications, time since last event, and the reflector', async () => {
    const s = await api();
    const metrics = new MemoryMetricsProvider();
    const f = factoryOn(s.kubeConfig, {
      metricsProvider: metrics,
      logger: createDefaultLogger({ write: () => undefined }),
    });
    const pods = f.pods();
    pods.addEventHandler(
      {
        onAdd: (pod) => {
          if (pod.metadata?.name === 'bad') throw new Error('boom');
        },
      },
      { name: 'printer' },
    );
    f.start();
    await until(() => pods.isWatching());
    s.create('pods', makePod({ namespace: 'a', name: 'good' }));
    s.create('pods', makePod({ namespace: 'a', name: 'bad' }));
    await until(
      () =>
        metrics.value('informer_handler_errors_total', { name: 'pods.v1', handler: 'printer' }) ===
        1,
    );
    expect(
      metrics.histogramValue('informer_handler_duration_seconds', {
        name: 'pods.v1',
        handler: 'printer',
      }).count,
    ).toBe(2);
    expect(metrics.samples('informer_pending_notifications')).toEqual([
      { labels: { name: 'pods.v1', handler: 'printer' }, value: 0 },
    ]);
    expect(metrics.samples('informer_time_since_last_event_seconds')).toHaveLength(1);
    expect(metrics.value('reflector_lists_total', { name: 'pods.v1' })).toBe(1);
  });
});
