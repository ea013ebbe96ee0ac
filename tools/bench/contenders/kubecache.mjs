// kubecache's SharedIndexInformer with a namespace index and one no-op handler, over
// @kubecache/listwatch, with the library's defaults (WatchList when the server supports it,
// AtomicFIFO). BENCH_VARIANT: `default`, `list` (useWatchList: false — an RV=0 LIST, which the
// watch-cache server answers as one unpaged body), `strip` (managedFields-stripping transform),
// `compact` (managedFields stripped + equal strings shared: createStringInterner), `meta` (metadata-only: PartialObjectMetadata), `deltafifo` (the DeltaFIFO queue instead of RealFIFO),
// `noshare` / `list-noshare` (default / list with createListWatch's shareFieldsV1: false and
// internStrings: false: nothing shared), `nointern` / `list-nointern` (internStrings: false only).
import { KubeConfig } from '@kubernetes/client-node';
import {
  composeTransforms,
  createSharedIndexInformer,
  createStringInterner,
  stripManagedFields,
} from '@kubecache/informer';
import { createListWatch } from '@kubecache/listwatch';
import { metaNamespaceIndexFunc, namespaceIndex } from '@kubecache/store';
import { runContender } from './harness.mjs';

const variant = process.env.BENCH_VARIANT ?? 'default';
const ac = new AbortController();
let informer;
let running;
// How the latest (re)list got its state, from the Reflector's observational hooks.
let watchListStarted = false;
let listRv = '';
let lastPath = 'none';
const rvText = (rv) => (rv === '0' ? 'rv=0' : rv === '' ? 'consistent' : 'rv=last');
const events = {
  onListStart(info) {
    watchListStarted = false;
    listRv = info.resourceVersion;
  },
  onWatchStart(info) {
    if (info.sendInitialEvents) watchListStarted = true;
  },
  onListEnd(info) {
    lastPath = watchListStarted
      ? `watchlist ${rvText(listRv)}`
      : `list ${rvText(listRv)} ${info.paginated ? 'paged' : 'unpaged'}`;
  },
};

await runContender({
  async start({ kubeconfigPath, handlers }) {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const lw = createListWatch(kc, {
      group: '',
      version: 'v1',
      resource: 'pods',
      ...(variant === 'meta' ? { metadataOnly: true } : {}),
      ...(variant.endsWith('noshare') ? { shareFieldsV1: false, internStrings: false } : {}),
      ...(variant.endsWith('nointern') ? { internStrings: false } : {}),
    });
    informer = createSharedIndexInformer(lw, {
      indexers: { [namespaceIndex]: metaNamespaceIndexFunc },
      ...(variant === 'strip' || variant === 'meta' ? { transform: stripManagedFields } : {}),
      ...(variant === 'compact'
        ? { transform: composeTransforms(stripManagedFields, createStringInterner()) }
        : {}),
      ...(variant === 'deltafifo' ? { queue: 'deltafifo' } : {}),
      reflector: {
        events,
        ...(variant.startsWith('list') ? { useWatchList: false } : {}),
      },
    });
    informer.setWatchErrorHandler?.((_r, err) =>
      process.send({ type: 'log', message: `kubecache: ${err?.message ?? err}` }),
    );
    informer.addEventHandler({
      onAdd: (o) => handlers.onAdd(o),
      onUpdate: (a, b) => handlers.onUpdate(a, b),
      onDelete: (o) => handlers.onDelete(o),
    });
    running = informer.run(ac.signal);
  },
  isSynced: () => informer.hasSynced(),
  path: () => lastPath,
  async stop() {
    ac.abort();
    await running;
  },
});
