// Jest in its default CommonJS mode (no NODE_OPTIONS, a .cjs test that require()s): expected to fail
// with "Must use import to load ES Module" — @kubecache/testing's CommonJS build requires the
// ESM-only @kubernetes/client-node 2, and Jest's module loader does not do require of ESM here.
// tools/pack-smoke/run.mjs asserts the message, so the informer README stays true.
/* eslint-disable @typescript-eslint/no-require-imports -- this file shows what CommonJS consumers write */
const { createSharedInformerFactory, waitForCacheSync } = require('@kubecache/informer');
const { makePod, startApiServer } = require('@kubecache/testing');

test('factory.pods() syncs against the @kubecache/testing server (CommonJS mode)', async () => {
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
