import { leasesResourceDef } from '@kubecache/core';
import { startApiServer } from '@kubecache/testing';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createLeaderElector } from './leader-elector.js';
import { createLeaseLock } from './lease-lock.js';
import { leasesResource, type Lease } from './lease-resource.js';
import type { LeaseSpec } from './record.js';
import { captureLogger } from './test-support/sim.js';

describe('leasesResource', () => {
  it('is the coordination.k8s.io/v1 leases resource, typed as Lease', () => {
    expect(leasesResource).toMatchObject({
      group: 'coordination.k8s.io',
      version: 'v1',
      resource: 'leases',
      kind: 'Lease',
      namespaced: true,
      apiVersion: 'coordination.k8s.io/v1',
    });
    expectTypeOf<Lease['spec']>().toEqualTypeOf<LeaseSpec | undefined>();
  });

  it("is core's one Lease definition, the same object as @kubecache/informer's leasesResource", () => {
    expect(leasesResource).toBe(leasesResourceDef);
  });

  it('reads the Lease an elector wrote from the in-process server, typed (no kubernetes-types needed)', async () => {
    const server = await startApiServer();
    try {
      const stop = new AbortController();
      let seen: Lease | undefined;
      const lock = createLeaseLock({
        kubeConfig: server.kubeConfig,
        namespace: 'default',
        name: 'typed',
        identity: 'replica-a',
      });
      server.create(leasesResource, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'typed', namespace: 'default' },
        spec: { leaseDurationSeconds: 1 }, // released: taken at once
      });
      const elector = createLeaderElector({
        lock,
        logger: captureLogger(),
        onStartedLeading: () => {
          seen = server.get(leasesResource, 'default', 'typed');
          stop.abort();
        },
        onStoppedLeading: () => undefined,
      });
      await elector.run(stop.signal);
      lock.close();
      expect(seen?.spec?.holderIdentity).toBe('replica-a');
      expect(seen?.spec?.leaseDurationSeconds).toBe(15);
    } finally {
      await server.close();
    }
  });
});
