// Nothing secret in what is printed: every failure path of the informer stack runs with a
// token-bearing kubeconfig, and everything a user can see — log lines on stderr, error messages
// (reported, thrown, in sync and health reports) and metric labels — is searched for the tokens.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { MemoryMetricsProvider, runHealthChecks } from '@kubecache/core';
import { createListWatch } from '@kubecache/listwatch';
import { makePod, startApiServer, type ApiServer } from '@kubecache/testing';
import { waitForCacheSyncOrThrow } from './cache-sync.js';
import { createSharedInformerFactory, type SharedInformerFactory } from './factory.js';
import { informerHealthCheck } from './health.js';
import { createSharedIndexInformer } from './shared-informer.js';

const TOKEN = 'kc7Hq9xZ2kLmN4pQ8wRt5Vy3';
const WRONG_TOKEN = 'wr0ngTok3nAb12Cd34Ef56Gh';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  vi.restoreAllMocks();
});

async function until(cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const fast = { initialMs: 10, capMs: 40, jitter: 0, resetMs: 120_000 };

describe('nothing secret is printed', () => {
  it('no failure path shows the kubeconfig token in logs, errors, reports or metric labels', async () => {
    // Everything written to stderr (the default logger of every layer).
    const printed: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      printed.push(String(chunk));
      return true;
    });
    const seen: string[] = []; // error messages and reports
    const metrics = new MemoryMetricsProvider();

    const s: ApiServer = await startApiServer({
      token: TOKEN,
      resources: [
        {
          group: 'example.com',
          version: 'v1',
          resource: 'widgets',
          kind: 'Widget',
          namespaced: true,
        },
      ],
    });
    cleanups.push(() => s.close());
    expect(s.kubeConfigYaml()).toContain(TOKEN); // the kubeconfig does carry it
    s.create('pods', makePod({ namespace: 'a', name: 'p0' }));
    s.create('widgets.example.com', { metadata: { namespace: 'a', name: 'w1' } });

    const factory = (kc: KubeConfig, labelSelector?: string): SharedInformerFactory => {
      const f = createSharedInformerFactory(kc, {
        metricsProvider: metrics,
        informer: { reflector: { backoff: fast } },
        ...(labelSelector !== undefined ? { labelSelector } : {}),
      });
      cleanups.push(() => f.shutdown());
      return f;
    };
    const f = factory(s.kubeConfig);
    const podz = f.forResource({ group: '', version: 'v1', resource: 'podz' }); // 404
    const widgets = f.forResource(
      { group: 'example.com', version: 'v1', resource: 'widgets' },
      { kind: 'Widgets' }, // wrong kind
    );
    const pods = f.pods();
    pods.addEventHandler({
      onAdd: (pod) => {
        void (pod.metadata as { nope?: { name: string } }).nope!.name; // TypeError
      },
    });
    s.create('configmaps', { metadata: { namespace: 'a', name: 'c0' } });
    f.forResource({ group: '', version: 'v1', resource: 'configmaps' }).addEventHandler({
      // A careless handler whose error carries the credential.
      onAdd: () => {
        throw new Error(`request failed: Authorization: Bearer ${TOKEN}`);
      },
    });
    s.faults.nextResponses(1, { status: 429, retryAfterSeconds: 0 }); // a Retry-After retry
    f.start();

    // 401 with another token.
    const wrong = new KubeConfig();
    wrong.loadFromString(s.kubeConfigYaml().replace(TOKEN, WRONG_TOKEN));
    const fWrong = factory(wrong);
    const unauthorized = fWrong.forResource({ group: '', version: 'v1', resource: 'secrets' });
    fWrong.start();

    // 400: an invalid selector.
    const fBad = factory(s.kubeConfig, 'app in (');
    const badSelector = fBad.pods();
    fBad.start();

    // ECONNREFUSED: the token-bearing kubeconfig of a server that is gone.
    const dead = await startApiServer({ token: TOKEN });
    const deadKc = dead.kubeConfig;
    await dead.close();
    const fDead = factory(deadKc);
    const unreachable = fDead.forResource({ group: '', version: 'v1', resource: 'nodes' });
    fDead.start();

    // A run that gives up (PermanentFailureError).
    const stopped = createSharedIndexInformer(
      createListWatch(s.kubeConfig, { group: '', version: 'v1', resource: 'podz' }),
      { onPermanentError: 'stop', metricsProvider: metrics, name: 'stopped' },
    );
    await stopped.run(new AbortController().signal).catch((e: unknown) => {
      seen.push(String(e), (e as Error).stack ?? '');
    });

    const failing = [podz, widgets, unauthorized, badSelector, unreachable];
    await until(() => failing.every((i) => i.lastError() !== undefined));
    await until(() => printed.filter((l) => l.includes('event handler failed')).length === 2);
    for (const i of [...failing, stopped]) {
      const e = i.lastError()!;
      seen.push(e.message, e.cause instanceof Error ? e.cause.message : '', e.stack ?? '');
    }
    await waitForCacheSyncOrThrow([pods, ...failing], { timeoutMs: 200 }).catch((e: unknown) => {
      seen.push((e as Error).message);
    });
    for (const x of [f, fWrong, fBad, fDead]) {
      seen.push(...runHealthChecks([informerHealthCheck(x, { maxEventAgeMs: 1 })]).lines);
    }
    const labels = metrics
      .names()
      .flatMap((n) => metrics.samples(n).flatMap((sample) => Object.values(sample.labels)));

    // The failures were all seen…
    const all = [...printed, ...seen, ...labels].join('\n');
    for (const expected of [
      '404 NotFound',
      '401 Unauthorized',
      '400 BadRequest',
      'ECONNREFUSED',
      'expected kind Widgets',
      'event handler failed',
      'Retry-After',
      'caches not synced',
      'will not fix itself',
      'request failed: Authorization: [REDACTED]',
    ]) {
      expect(all).toContain(expected);
    }
    // …and no token anywhere.
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain(WRONG_TOKEN);
  });
});
