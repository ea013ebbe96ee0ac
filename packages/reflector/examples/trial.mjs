// The "trial" example: a Reflector feeds a DeltaFIFO whose knownObjects is a
// store; a pop loop applies each delta to that store and prints `Type: <delta type> Name: <name>`.
//
// Besides @kubecache/reflector and @kubernetes/client-node it needs the DeltaFIFO:
//   npm i @kubecache/deltafifo
//
//   node examples/trial.mjs                    # uses KUBECONFIG / ~/.kube/config
//   node node_modules/@kubecache/reflector/examples/trial.mjs   # from a project that installed it
import { KubeConfig } from '@kubernetes/client-node';
import { DeltaFIFO, isFIFOClosedError } from '@kubecache/deltafifo';
import {
  Reflector,
  createListWatch,
  createStore,
  metaNamespaceKeyFunc,
} from '@kubecache/reflector';

/** Runs the trial until `signal` aborts; `print` receives each line. */
export async function runTrial({ kubeConfig, signal, print = console.log }) {
  const store = createStore(metaNamespaceKeyFunc);
  const fifo = new DeltaFIFO({
    keyFunction: metaNamespaceKeyFunc,
    knownObjects: store,
    emitDeltaTypeReplaced: true,
  });
  const pods = createListWatch(kubeConfig, { group: '', version: 'v1', resource: 'pods' });
  const running = new Reflector(pods, fifo).run(signal);
  signal.addEventListener('abort', () => fifo.close(), { once: true });
  for (;;) {
    try {
      await fifo.pop((deltas) => {
        for (const d of deltas) {
          const obj =
            d.type === 'Deleted' && 'key' in d.object && 'obj' in d.object
              ? d.object.obj
              : d.object;
          if (d.type === 'Deleted') store.delete(obj);
          else if (store.get(obj)) store.update(obj);
          else store.add(obj);
          print(`Type: ${d.type} Name: ${obj?.metadata?.name ?? '?'}`);
        }
      });
    } catch (err) {
      if (isFIFOClosedError(err)) break;
      throw err;
    }
  }
  await running;
  return store;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  await runTrial({ kubeConfig, signal: ac.signal });
}
