// Type-checks a TypeScript consumer (ESM under node16/nodenext, CJS under nodenext, or bundler) of @kubecache/reflector.
import { KubeConfig, type V1Pod } from '@kubernetes/client-node';
import {
  Reflector,
  createListWatch,
  createStore,
  metaNamespaceKeyFunc,
  type Store,
} from '@kubecache/reflector';

const kc = new KubeConfig();
kc.loadFromDefault();
const store: Store<V1Pod> = createStore<V1Pod>(metaNamespaceKeyFunc);
const lw = createListWatch<V1Pod>(kc, { group: '', version: 'v1', resource: 'pods' });
const reflector = new Reflector<V1Pod>(lw, store, { resyncPeriodMs: 0 });
const ac = new AbortController();
const running: Promise<void> = reflector.run(ac.signal);
const rv: string = reflector.lastSyncResourceVersion();
const names: string[] = store.list().map((p) => p.metadata?.name ?? '');
console.log(rv, names);
ac.abort();
void running;
