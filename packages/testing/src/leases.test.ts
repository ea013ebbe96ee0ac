import { afterEach, describe, expect, it } from 'vitest';
import { CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import type { KubeObject, Status } from '@kubecache/core';
import { startApiServer, type ApiServer } from './server.js';
import { requestJson } from './test-support/http.js';

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const LEASES = 'leases.coordination.k8s.io';
const leaseBody = (holder: string): V1Lease => ({
  metadata: { name: 'controller-leader', namespace: 'kube-system' },
  spec: { holderIdentity: holder, leaseDurationSeconds: 15, leaseTransitions: 0 },
});
/** The HTTP status of a rejected client-node call. */
const codeOf = async (p: Promise<unknown>): Promise<number | undefined> => {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as { code?: number }).code;
  }
};

describe('coordination.k8s.io/v1 leases (built in)', () => {
  it('are served with discovery and work through client-node CoordinationV1Api, with resourceVersion preconditions', async () => {
    const s = (server = await startApiServer());
    const groups = await requestJson<{
      groups: { name: string; preferredVersion: { version: string } }[];
    }>(`${s.url}/apis`);
    expect(groups.body.groups).toContainEqual(
      expect.objectContaining({
        name: 'coordination.k8s.io',
        preferredVersion: expect.objectContaining({ version: 'v1' }),
      }),
    );
    const resources = await requestJson<{
      resources: { name: string; kind: string; namespaced: boolean }[];
    }>(`${s.url}/apis/coordination.k8s.io/v1`);
    expect(resources.body.resources).toContainEqual(
      expect.objectContaining({ name: 'leases', kind: 'Lease', namespaced: true }),
    );

    const api = s.kubeConfig.makeApiClient(CoordinationV1Api);
    const created = await api.createNamespacedLease({
      namespace: 'kube-system',
      body: leaseBody('a'),
    });
    expect(created.kind).toBe('Lease');
    expect(created.apiVersion).toBe('coordination.k8s.io/v1');
    const read = await api.readNamespacedLease({
      name: 'controller-leader',
      namespace: 'kube-system',
    });
    expect(read.spec?.holderIdentity).toBe('a');
    const renewed = await api.replaceNamespacedLease({
      name: 'controller-leader',
      namespace: 'kube-system',
      body: { ...read, spec: { ...read.spec, holderIdentity: 'b', leaseTransitions: 1 } },
    });
    expect(renewed.spec?.holderIdentity).toBe('b');
    // A second candidate that read the old version loses the race: 409 Conflict.
    expect(
      await codeOf(
        api.replaceNamespacedLease({
          name: 'controller-leader',
          namespace: 'kube-system',
          body: { ...read, spec: { ...read.spec, holderIdentity: 'c' } },
        }),
      ),
    ).toBe(409);
    expect(s.get(LEASES, 'kube-system', 'controller-leader')?.metadata?.resourceVersion).toBe(
      renewed.metadata?.resourceVersion,
    );
    const listed = await api.listNamespacedLease({ namespace: 'kube-system' });
    expect(listed.items.map((l) => l.spec?.holderIdentity)).toEqual(['b']);
  });

  it('are subject to every fault: canned 409/500, down/up, latency and stalled requests', async () => {
    const s = (server = await startApiServer());
    s.create(LEASES, leaseBody('a'));
    const api = s.kubeConfig.makeApiClient(CoordinationV1Api);
    const read = () =>
      api.readNamespacedLease({ name: 'controller-leader', namespace: 'kube-system' });
    const current = await read();
    const renew = () =>
      api.replaceNamespacedLease({
        name: 'controller-leader',
        namespace: 'kube-system',
        body: current,
      });

    s.faults.nextResponses(1, { status: 409, verb: 'update', resource: LEASES });
    expect(await codeOf(renew())).toBe(409);
    s.faults.nextResponses(1, { status: 500, verb: 'get', resource: LEASES });
    expect(await codeOf(read())).toBe(500);
    expect((await read()).spec?.holderIdentity).toBe('a');

    s.faults.latency(150, { resource: LEASES });
    let t0 = Date.now();
    await read();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    t0 = Date.now();
    await requestJson<KubeObject>(`${s.url}/api/v1/namespaces`); // other resources are not delayed
    expect(Date.now() - t0).toBeLessThan(140);
    s.faults.latency(0);

    s.faults.stallNextRequests(1, { verb: 'update' });
    const ac = new AbortController();
    const stalled = fetch(
      `${s.url}/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/controller-leader`,
      { method: 'PUT', body: JSON.stringify(current), signal: ac.signal },
    );
    const outcome = await Promise.race([
      stalled.then(() => 'answered'),
      new Promise((r) => setTimeout(() => r('still waiting'), 200)),
    ]);
    expect(outcome).toBe('still waiting');
    ac.abort();
    await expect(stalled).rejects.toThrow();
    expect(s.requests.entries.at(-1)).toMatchObject({
      verb: 'update',
      resource: LEASES,
      status: 0,
    });
    // The next update is answered again.
    expect((await renew()).spec?.holderIdentity).toBe('a');

    await s.faults.down();
    expect(await codeOf(read())).toBeUndefined(); // a connection error, not an HTTP status
    await expect(read()).rejects.toThrow();
    await s.faults.up();
    expect((await read()).spec?.holderIdentity).toBe('a');
  });

  it('answers 404 for a lease that does not exist and 409 AlreadyExists for a duplicate', async () => {
    const s = (server = await startApiServer());
    const base = `${s.url}/apis/coordination.k8s.io/v1/namespaces/kube-system/leases`;
    expect((await requestJson<Status>(`${base}/missing`)).body).toMatchObject({
      code: 404,
      reason: 'NotFound',
    });
    const body = JSON.stringify(leaseBody('a'));
    expect((await requestJson<KubeObject>(base, { method: 'POST', body })).status).toBe(201);
    expect((await requestJson<Status>(base, { method: 'POST', body })).body.reason).toBe(
      'AlreadyExists',
    );
  });
});
