// The sample controller end to end over real HTTP: the in-process API server (Foo CRD with a
// /status subresource, apps/v1 Deployments, garbage collection), the controller client's writes, the
// controller runtime.
import { MemoryMetricsProvider, silentLogger, type KubeObject } from '@kubecache/core';
import { controllerMetricNames } from '@kubecache/controller';
import { startApiServer, type ApiServer } from '@kubecache/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSampleController, type SampleController } from './app.js';
import { DEPLOYMENTS, FOOS, makeFoo, registerSampleResources } from './demo.js';
import type { Deployment, Foo } from './types.js';

let server: ApiServer;
let stopApp: (() => Promise<void>) | undefined;
let metrics: MemoryMetricsProvider;

beforeEach(async () => {
  server = await startApiServer();
  registerSampleResources(server);
  metrics = new MemoryMetricsProvider();
});
afterEach(async () => {
  await stopApp?.();
  stopApp = undefined;
  await server.close();
});

function start(
  options: Partial<Parameters<typeof createSampleController>[1]> = {},
): SampleController {
  const a = createSampleController(server.kubeConfig, {
    logger: silentLogger,
    workers: 4,
    metricsProvider: metrics,
    ...options,
  });
  const ac = new AbortController();
  const run = a.controller.run(ac.signal);
  const recording = a.eventRecorder.run(new AbortController().signal);
  stopApp = async () => {
    ac.abort();
    await run;
    await a.eventRecorder.shutdown();
    await recording;
    await a.factory.shutdown();
  };
  return a;
}

const eventually = (fn: () => void, timeout = 15_000): Promise<void> =>
  vi.waitFor(fn, { timeout, interval: 20 });
const deployment = (name: string, ns = 'default'): Deployment | undefined =>
  server.get(DEPLOYMENTS, ns, name);
const foo = (name: string, ns = 'default'): Foo | undefined => server.get(FOOS, ns, name);
/** events.k8s.io/v1 Events on the testing server. */
const EVENTS_V1 = 'events.events.k8s.io';
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('sample-controller', () => {
  it('creates the Deployment of a new Foo, owned by it', async () => {
    start();
    const created = server.create(FOOS, makeFoo('f1', { deploymentName: 'd1', replicas: 2 }));
    await eventually(() => expect(deployment('d1')).toBeDefined());
    const d = deployment('d1');
    expect(d?.spec?.replicas).toBe(2);
    expect(d?.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'samplecontroller.k8s.io/v1alpha1',
        kind: 'Foo',
        name: 'f1',
        uid: created.metadata?.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('updates the Deployment when the replicas change, and records availableReplicas on the Foo', async () => {
    start();
    server.create(FOOS, makeFoo('f2', { deploymentName: 'd2', replicas: 1 }));
    await eventually(() => expect(deployment('d2')?.spec?.replicas).toBe(1));
    server.patch(FOOS, 'default', 'f2', { spec: { replicas: 3 } });
    await eventually(() => expect(deployment('d2')?.spec?.replicas).toBe(3));
    // the deployment controller (played here by hand) reports the pods available
    server.patch(
      DEPLOYMENTS,
      'default',
      'd2',
      { status: { availableReplicas: 3 } },
      { subresource: 'status' },
    );
    await eventually(() => expect(foo('f2')?.status?.availableReplicas).toBe(3));
    // the status went through /status: the Foo's generation counts only spec changes
    expect(foo('f2')?.metadata?.generation).toBe(2);
  });

  it('recreates a Deployment deleted by hand', async () => {
    start();
    server.create(FOOS, makeFoo('f3', { deploymentName: 'd3' }));
    await eventually(() => expect(deployment('d3')).toBeDefined());
    const firstUid = deployment('d3')?.metadata?.uid;
    server.delete(DEPLOYMENTS, 'default', 'd3');
    await eventually(() => {
      expect(deployment('d3')).toBeDefined();
      expect(deployment('d3')?.metadata?.uid).not.toBe(firstUid);
    });
  });

  it('lets the garbage collector delete the Deployment with its Foo', async () => {
    start();
    server.create(FOOS, makeFoo('f4', { deploymentName: 'd4' }));
    await eventually(() => expect(deployment('d4')).toBeDefined());
    server.delete(FOOS, 'default', 'f4');
    await eventually(() => expect(deployment('d4')).toBeUndefined());
    await delay(200);
    expect(deployment('d4')).toBeUndefined(); // not recreated: the Foo is gone
  });

  it('refuses to adopt a Deployment it does not control, with a Warning event', async () => {
    const stray: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'theirs', namespace: 'default' },
      spec: { replicas: 7 },
    };
    server.create(DEPLOYMENTS, stray);
    const a = start();
    server.create(FOOS, makeFoo('f5', { deploymentName: 'theirs', replicas: 1 }));
    await eventually(() =>
      expect(a.events).toContainEqual({
        type: 'Warning',
        reason: 'ErrResourceExists',
        message: 'Resource "theirs" already exists and is not managed by Foo',
        object: 'Foo default/f5',
      }),
    );
    expect(deployment('theirs')?.spec?.replicas).toBe(7);
    expect(deployment('theirs')?.metadata?.ownerReferences).toBeUndefined();
    expect(
      metrics.value(controllerMetricNames.reconcileErrors, { controller: 'foo-controller' }),
    ).toBeGreaterThan(0);
  });

  it('records events.k8s.io/v1 Events on the Foo: Synced, and ErrResourceExists for a Deployment it does not control', async () => {
    const stray: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'stray', namespace: 'default' },
      spec: { replicas: 1 },
    };
    server.create(DEPLOYMENTS, stray);
    start();
    const ok = server.create(FOOS, makeFoo('e1', { deploymentName: 'de1', replicas: 1 }));
    const refused = server.create(FOOS, makeFoo('e2', { deploymentName: 'stray' }));
    type Ev = KubeObject & Record<string, unknown>;
    const events = (): Ev[] => server.list(EVENTS_V1, { namespace: 'default' }).items as Ev[];
    const about = (name: string, reason: string): Ev | undefined =>
      events().find((e) => (e.regarding as { name?: string }).name === name && e.reason === reason);
    await eventually(() => {
      expect(about('e1', 'Synced')).toBeDefined();
      expect(about('e2', 'ErrResourceExists')).toBeDefined();
    });
    expect(about('e1', 'Synced')).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      type: 'Normal',
      action: 'Reconcile',
      note: 'Foo synced successfully',
      reportingController: 'sample-controller',
      regarding: {
        apiVersion: 'samplecontroller.k8s.io/v1alpha1',
        kind: 'Foo',
        namespace: 'default',
        name: 'e1',
        uid: ok.metadata?.uid,
      },
    });
    expect(about('e2', 'ErrResourceExists')).toMatchObject({
      type: 'Warning',
      note: 'Resource "stray" already exists and is not managed by Foo',
      regarding: { kind: 'Foo', name: 'e2', uid: refused.metadata?.uid },
    });
    expect(about('e1', 'SuccessSynced')).toBeUndefined();
  });

  it('retries a status write that conflicts, within the same reconcile', async () => {
    start();
    server.create(FOOS, makeFoo('f6', { deploymentName: 'd6', replicas: 1 }));
    await eventually(() => expect(deployment('d6')).toBeDefined());
    await eventually(() => expect(foo('f6')?.status?.availableReplicas).toBe(0));
    const errorsBefore = metrics.value(controllerMetricNames.reconcileErrors, {
      controller: 'foo-controller',
    });
    const statusWritesBefore = server.requests.count({ verb: 'update', resource: FOOS });
    server.faults.nextResponses(1, { status: 409, verb: 'update', resource: FOOS });
    server.patch(
      DEPLOYMENTS,
      'default',
      'd6',
      { status: { availableReplicas: 1 } },
      { subresource: 'status' },
    );
    await eventually(() => expect(foo('f6')?.status?.availableReplicas).toBe(1));
    expect(server.requests.count({ verb: 'update', resource: FOOS }) - statusWritesBefore).toBe(2);
    expect(
      metrics.value(controllerMetricNames.reconcileErrors, { controller: 'foo-controller' }),
    ).toBe(errorsBefore);
  });

  it('converges 1,000 Foos under resets, 500s, 409s and stalls, never reconciling one key twice at once', async () => {
    const running = new Set<string>();
    let overlaps = 0;
    let reconciles = 0;
    start({
      workers: 8,
      onReconcile: (key, phase) => {
        if (phase === 'start') {
          if (running.has(key)) overlaps++;
          running.add(key);
          reconciles++;
        } else running.delete(key);
      },
    });
    const N = 1000;
    for (let i = 0; i < N; i++) {
      server.create(
        FOOS,
        makeFoo(`foo-${i}`, { deploymentName: `dep-${i}`, replicas: (i % 3) + 1 }),
        {
          namespace: `ns-${i % 10}`,
        },
      );
    }
    // faults while the controller works
    const faults = setInterval(() => {
      server.faults.nextResponses(3, { status: 500, verb: 'create', resource: DEPLOYMENTS });
      server.faults.nextResponses(2, { status: 409, verb: 'update', resource: FOOS });
      server.faults.nextResponses(1, { status: 503, verb: 'update', resource: DEPLOYMENTS });
    }, 50);
    const resets = setInterval(() => server.faults.resetWatches(), 700);
    const stalls = setTimeout(() => server.faults.stallWatches(), 1500);
    try {
      await delay(2500);
    } finally {
      clearInterval(faults);
      clearInterval(resets);
      clearTimeout(stalls);
    }
    server.faults.resetWatches(); // stalled watches are noticed by the idle timeout; do not wait for it
    // report the pods as available, so every Foo ends with a status too
    const ready = setInterval(() => {
      for (const d of server.list(DEPLOYMENTS).items as Deployment[]) {
        if (d.status?.availableReplicas === d.spec?.replicas) continue;
        server.patch(
          DEPLOYMENTS,
          d.metadata?.namespace,
          d.metadata?.name ?? '',
          { status: { availableReplicas: d.spec?.replicas } },
          { subresource: 'status' },
        );
      }
    }, 200);
    try {
      await eventually(() => {
        const foos = server.list(FOOS).items as Foo[];
        const deps = new Map(
          (server.list(DEPLOYMENTS).items as Deployment[]).map((d) => [
            `${d.metadata?.namespace}/${d.metadata?.name}`,
            d,
          ]),
        );
        let done = 0;
        for (const f of foos) {
          const d = deps.get(`${f.metadata?.namespace}/${f.spec?.deploymentName}`);
          if (
            d?.spec?.replicas === f.spec?.replicas &&
            f.status?.availableReplicas === f.spec?.replicas
          )
            done++;
        }
        expect(done).toBe(N);
      }, 90_000);
    } finally {
      clearInterval(ready);
    }
    expect(overlaps).toBe(0);
    expect(reconciles).toBeGreaterThanOrEqual(N);
    expect(
      metrics.value(controllerMetricNames.reconcileErrors, { controller: 'foo-controller' }),
    ).toBeGreaterThan(0);
  }, 120_000);
});
