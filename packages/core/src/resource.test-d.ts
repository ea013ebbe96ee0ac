// Type tests (checked by `tsc` in the typecheck target): a definition carries its object type.
import { expectTypeOf } from 'vitest';
import type { GroupVersionResource, KubeObject } from './object.js';
import { defineResource, type ObjectOf, type ResourceDef } from './resource.js';

interface Foo extends KubeObject {
  spec?: { replicas?: number };
}
const Foo = defineResource<Foo>({
  group: 'example.com',
  version: 'v1',
  kind: 'Foo',
  plural: 'foos',
  namespaced: true,
});

expectTypeOf(Foo).toEqualTypeOf<ResourceDef<Foo>>();
expectTypeOf<ObjectOf<typeof Foo>>().toEqualTypeOf<Foo>();
// A definition goes wherever a GVR does.
expectTypeOf(Foo).toExtend<GroupVersionResource>();
// The plain form is a definition of KubeObject.
expectTypeOf(
  defineResource({ group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true }),
).toEqualTypeOf<ResourceDef>();

// @ts-expect-error the scope is required
defineResource<Foo>({ group: 'example.com', version: 'v1', kind: 'Foo', plural: 'foos' });
// @ts-expect-error the object type must be a Kubernetes object
defineResource<{ metadata: number }>({
  group: 'example.com',
  version: 'v1',
  kind: 'Foo',
  plural: 'foos',
  namespaced: true,
});
// @ts-expect-error a definition of Foo is not one of a different type
export const bar: ResourceDef<KubeObject & { spec: { other: string } }> = Foo;
