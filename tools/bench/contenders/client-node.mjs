// @kubernetes/client-node's informer (makeInformer over CoreV1Api.listPodForAllNamespaces), the
// incumbent. BENCH_CLIENT_NODE=1 selects 1.4.x (the last version that runs on Node 20) through the
// `@kubernetes/client-node-1` alias; otherwise 2.x. As its users must, the adapter restarts the
// informer after an `error` event (client-node does not restart on its own).
//
// Its list is `listPodForAllNamespaces()` with no query at all (checked against the server's
// request log): a consistent read (no resourceVersion) without `limit`, so one whole body on
// either server mode — read as one string, which fails past V8's string limit (~90k pods here).
// Its relist after a 410 is the same request; its watch has no bookmarks and no WatchList.
import { runContender } from './harness.mjs';

const k8s = await import(
  process.env.BENCH_CLIENT_NODE === '1' ? '@kubernetes/client-node-1' : '@kubernetes/client-node'
);
let informer;
let stopped = false;

await runContender({
  async start({ kubeconfigPath, handlers }) {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const api = kc.makeApiClient(k8s.CoreV1Api);
    informer = k8s.makeInformer(kc, '/api/v1/pods', () => api.listPodForAllNamespaces());
    informer.on('add', (o) => handlers.onAdd(o));
    informer.on('update', (o) => handlers.onUpdate(undefined, o));
    informer.on('delete', (o) => handlers.onDelete(o));
    informer.on('error', (err) => {
      if (stopped) return;
      // Reported to the harness: an error before the initial sync completes fails the run.
      process.send({ type: 'error', message: `client-node: ${err?.message ?? String(err)}` });
      setTimeout(() => void informer.start(), 100);
    });
    await informer.start();
  },
  isSynced: () => informer.latestResourceVersion() !== '',
  path: () => 'list consistent unpaged',
  async stop() {
    stopped = true;
    await informer.stop();
  },
});
