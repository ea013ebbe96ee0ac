// Type-checks a consumer of @kubecache/informer and @kubecache/testing as ESM (.mts) and CommonJS
// (.cts), including `module: node16` with skipLibCheck off: kubecache's .d.cts must not import
// the ESM-only @kubernetes/client-node in a way that is TS1479 there. This file does not import
// client-node itself (under node16 a CommonJS file cannot; under nodenext it can).
import {
  createSharedInformerFactory,
  defineResource,
  metaNamespaceKeyFunc,
  podsResource,
  type KubeObject,
  type Pod,
  type SharedIndexInformer,
} from '@kubecache/informer';
import { startApiServer } from '@kubecache/testing';

interface Foo extends KubeObject {
  spec?: { size?: number };
}
const Foo = defineResource<Foo>({
  group: 'example.com',
  version: 'v1',
  kind: 'Foo',
  plural: 'foos',
  namespaced: true,
});

export async function main(): Promise<void> {
  const server = await startApiServer();
  server.registerResource(Foo);
  const created: Foo = server.create(Foo, { metadata: { namespace: 'a', name: 'f' } });
  const factory = createSharedInformerFactory(server.kubeConfig);
  const pods: SharedIndexInformer<Pod> = factory.pods();
  factory.forResource(podsResource, { indexers: { byNode: (p) => [p.spec?.nodeName ?? ''] } });
  const foos: SharedIndexInformer<Foo> = factory.forResource(Foo);
  const created2: string | undefined = pods.getIndexer().list()[0]?.metadata?.creationTimestamp;
  console.log(metaNamespaceKeyFunc(created), created2, foos.getIndexer().list().length);
  await factory.shutdown();
  await server.close();
}
