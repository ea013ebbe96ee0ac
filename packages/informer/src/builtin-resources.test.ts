// The built-in definitions type an informer by themselves; here the Lease one (what leader
// election writes), over real HTTP against the in-process API server.
import { createSharedInformerFactory } from './factory.js';
import { leasesResource, type Lease } from './builtin-resources.js';
import { leasesResourceDef } from '@kubecache/core';
import { startApiServer } from '@kubecache/testing';
import { describe, expect, expectTypeOf, it } from 'vitest';

describe('leasesResource', () => {
  it("is core's one Lease definition, the same object as @kubecache/leaderelection's leasesResource", () => {
    expect(leasesResource).toBe(leasesResourceDef);
  });

  it('is coordination.k8s.io/v1 leases, namespaced, and types the informer as Lease', async () => {
    expect(leasesResource).toMatchObject({
      group: 'coordination.k8s.io',
      version: 'v1',
      kind: 'Lease',
      resource: 'leases',
      namespaced: true,
    });
    const server = await startApiServer();
    const ac = new AbortController();
    const factory = createSharedInformerFactory(server.kubeConfig, { namespace: 'kube-system' });
    try {
      server.create(leasesResource, {
        metadata: { namespace: 'kube-system', name: 'my-controller' },
        spec: { holderIdentity: 'replica-a', leaseDurationSeconds: 15 },
      });
      const leases = factory.forResource(leasesResource);
      expectTypeOf(leases.getIndexer().list()).toEqualTypeOf<Lease[]>();
      factory.start(ac.signal);
      await factory.waitForCacheSync(ac.signal);
      const lease = leases.getIndexer().getByKey('kube-system/my-controller');
      expect(lease?.spec?.holderIdentity).toBe('replica-a');
      expect(lease?.kind).toBe('Lease');
    } finally {
      ac.abort();
      await factory.shutdown();
      await server.close();
    }
  });
});
