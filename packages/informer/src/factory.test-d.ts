// Type tests of the factory (checked by `tsc` in the typecheck target; vitest does not run them).
import type { V1Pod } from '@kubernetes/client-node';
import { expectTypeOf } from 'vitest';
import {
  createSharedInformerFactory,
  defineResource,
  deletionHandlingMetaNamespaceKeyFunc,
  isDeletedFinalStateUnknown,
  metaNamespaceIndexFunc,
  metaNamespaceKeyFunc,
  namespaceIndex,
  podsResource,
  splitMetaNamespaceKey,
  type GroupVersionResource,
  type KubeConfigLike,
  type KubeObject,
  type Pod,
  type SharedIndexInformer,
} from './index.js';

declare const kc: KubeConfigLike;
const factory = createSharedInformerFactory(kc);

// Built-ins are the JSON wire types, with no type argument.
expectTypeOf(factory.pods()).toEqualTypeOf<SharedIndexInformer<Pod>>();
expectTypeOf(factory.pods().getIndexer().list()[0]!.metadata!.creationTimestamp).toEqualTypeOf<
  string | undefined
>();
// @ts-expect-error no unchecked cast to client-node's model (its timestamps say Date)
factory.pods<V1Pod>();
// A typed informer still goes where any informer does (e.g. a controller's `owns`).
export const anyInformer: SharedIndexInformer = factory.pods();

// A custom resource: one definition types the informer, its handlers and its indexers.
interface Foo extends KubeObject {
  spec?: { owner?: string };
}
const Foo = defineResource<Foo>({
  group: 'example.com',
  version: 'v1',
  kind: 'Foo',
  plural: 'foos',
  namespaced: true,
});
expectTypeOf(factory.forResource(Foo)).toEqualTypeOf<SharedIndexInformer<Foo>>();
factory.forResource(Foo, { indexers: { byOwner: (f) => [f.spec?.owner ?? ''] } });
factory.forResource(Foo).addEventHandler({ onAdd: (f) => console.log(f.spec?.owner) });
// @ts-expect-error an indexer of pods is not one of Foos
factory.forResource(Foo, { indexers: { byNode: (p: Pod) => [p.spec?.nodeName ?? ''] } });
// @ts-expect-error kind and scope come from the definition
factory.forResource(Foo, { kind: 'Bar' });

// A plain GVR with typed indexers: `(p: Pod) => …` compiles (it did not with Indexers<unknown>).
const podsGVR: GroupVersionResource = { group: '', version: 'v1', resource: 'pods' };
expectTypeOf(
  factory.forResource(podsGVR, { indexers: { byNode: (p: Pod) => [p.spec?.nodeName ?? ''] } }),
).toEqualTypeOf<SharedIndexInformer<Pod>>();

// What the README uses is exported by this package (not only reachable through hoisting).
expectTypeOf(metaNamespaceKeyFunc).toBeFunction();
expectTypeOf(deletionHandlingMetaNamespaceKeyFunc).toBeFunction();
expectTypeOf(splitMetaNamespaceKey).toBeFunction();
expectTypeOf(isDeletedFinalStateUnknown).guards.toBeObject();

// Indexers never decide the informer's type: a built-in definition with the KubeObject-typed
// namespace index (already there: the factory adds it) still gives a Pod informer.
const podsWithIndexers = factory.forResource(podsResource, {
  indexers: { [namespaceIndex]: metaNamespaceIndexFunc },
});
expectTypeOf(podsWithIndexers).toEqualTypeOf<SharedIndexInformer<Pod>>();
expectTypeOf(podsWithIndexers.getIndexer().list()[0]!.spec).toEqualTypeOf<Pod['spec']>();
