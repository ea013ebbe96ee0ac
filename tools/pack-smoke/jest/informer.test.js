// Jest in ESM mode (NODE_OPTIONS=--experimental-vm-modules, "type": "module"): the consumer of the
// informer README's "Module formats" section. Run by tools/pack-smoke/run.mjs.
import { createSharedInformerFactory, waitForCacheSync } from '@kubecache/informer';
import { makePod, startApiServer } from '@kubecache/testing';

test('factory.pods() syncs against the @kubecache/testing server', async () => {
  const server = await startApiServer();
  server.create('pods', makePod({ namespace: 'default', name: 'jest-pod' }));
  const factory = createSharedInformerFactory(server.kubeConfig);
  const pods = factory.pods();
  const ac = new AbortController();
  try {
    factory.start(ac.signal);
    expect(await waitForCacheSync(ac.signal, pods)).toBe(true);
    expect(pods.getIndexer().listKeys()).toEqual(['default/jest-pod']);
  } finally {
    ac.abort();
    await factory.shutdown();
    await server.close();
  }
});
