// The classic "reflector toy": watch all pods into a store and print the keys
// periodically — creates and deletes appear and disappear. Only @kubecache/reflector (+ the
// client-node KubeConfig) is needed.
//
//   node examples/toy.mjs                      # uses KUBECONFIG / ~/.kube/config
//   node node_modules/@kubecache/reflector/examples/toy.mjs     # from a project that installed it
import { KubeConfig } from '@kubernetes/client-node';
import {
  Reflector,
  createListWatch,
  createStore,
  metaNamespaceKeyFunc,
} from '@kubecache/reflector';

/** Runs the toy until `signal` aborts; `print` receives each periodic line. */
export async function runToy({ kubeConfig, signal, intervalMs = 30_000, print = console.log }) {
  const store = createStore(metaNamespaceKeyFunc);
  const pods = createListWatch(kubeConfig, { group: '', version: 'v1', resource: 'pods' });
  const reflector = new Reflector(pods, store);
  const running = reflector.run(signal);
  const timer = setInterval(() => print(`pods: ${store.listKeys().sort().join(' ')}`), intervalMs);
  await running;
  clearInterval(timer);
  return store;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  await runToy({ kubeConfig, signal: ac.signal, intervalMs: 5_000 });
}
