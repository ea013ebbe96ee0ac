// kubecache's SharedIndexInformer with a namespace index and one no-op handler, over
// @kubecache/listwatch. BENCH_VARIANT: `default`, `strip` (managedFields-stripping transform),
// `compact` (managedFields stripped + equal strings shared: createStringInterner), `meta` (metadata-only: PartialObjectMetadata), `deltafifo` (the DeltaFIFO queue instead of RealFIFO).
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

await runContender({
  async start({ kubeconfigPath, handlers }) {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const lw = createListWatch(kc, {
      group: '',
      version: 'v1',
      resource: 'pods',
      ...(variant === 'meta' ? { metadataOnly: true } : {}),
    });
    informer = createSharedIndexInformer(lw, {
      indexers: { [namespaceIndex]: metaNamespaceIndexFunc },
      ...(variant === 'strip' || variant === 'meta' ? { transform: stripManagedFields } : {}),
      ...(variant === 'compact'
        ? { transform: composeTransforms(stripManagedFields, createStringInterner()) }
        : {}),
      ...(variant === 'deltafifo' ? { queue: 'deltafifo' } : {}),
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
  async stop() {
    ac.abort();
    await running;
  },
});
