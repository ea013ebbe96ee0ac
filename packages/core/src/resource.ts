// One definition of a resource: group, version, plural, kind, scope and the TypeScript type of its
// objects, tied together (kube-rs's `#[derive(CustomResource)]` / `Resource` trait). client-go gets
// the same from generated typed clients; here it is a value passed to the factory, the
// ListWatch and the test server, so the three cannot disagree.
import { apiVersionOf, type GroupVersionResource, type KubeObject } from './object.js';

/** Phantom key carrying the object type of a {@link ResourceDef}; never present at run time. */
declare const objectType: unique symbol;

/** What {@link defineResource} takes. */
export interface ResourceDefInput {
  /** API group; `''` for the core group (`/api/v1`). */
  group: string;
  /** API version, e.g. `v1`. */
  version: string;
  /** Kind, e.g. `Foo`: the `kind` of every object (checked by the Reflector). */
  kind: string;
  /** Plural resource name, lower case, e.g. `foos`: the URL path segment. */
  plural: string;
  /** Whether objects live in namespaces (`Namespaced` scope) or not (`Cluster`). */
  namespaced: boolean;
  /** Singular name, for discovery. Default: the kind, lower-cased. */
  singular?: string;
  /** Short names, for discovery (kubectl). Default: none. */
  shortNames?: string[];
  /** Whether the resource has a `/status` subresource. Default: false. */
  statusSubresource?: boolean;
}

/**
 * A resource's definition with the TypeScript type `T` of its objects. It is a
 * {@link GroupVersionResource} (`resource` is the plural), so it goes wherever a GVR does; the
 * informer factory, `createListWatch` and the test server's `registerResource` also read its
 * kind and scope, and infer `T` from it. Build one with {@link defineResource}.
 */
export interface ResourceDef<T extends KubeObject = KubeObject> extends GroupVersionResource {
  readonly group: string;
  readonly version: string;
  /** The plural, lower case (the GVR's resource). */
  readonly resource: string;
  /** The plural, lower case (same as `resource`). */
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** `v1` for the core group, `group/version` otherwise. */
  readonly apiVersion: string;
  readonly singular: string;
  readonly shortNames?: string[];
  readonly statusSubresource?: boolean;
  /** Type only: the objects' TypeScript type. Absent at run time. */
  readonly [objectType]?: T;
}

/** The object type of a {@link ResourceDef}: `ObjectOf<typeof Foo>`. */
export type ObjectOf<D> = D extends ResourceDef<infer T> ? T : never;

/**
 * Defines a resource once: its group, version, kind, plural, scope and the TypeScript type of its
 * objects. The type argument is the one place the object type is asserted; everything built from
 * the definition is typed by it.
 *
 * @example
 * ```ts
 * interface Foo extends KubeObject { spec?: { replicas?: number } }
 * const Foo = defineResource<Foo>({
 *   group: 'samplecontroller.k8s.io', version: 'v1alpha1',
 *   kind: 'Foo', plural: 'foos', namespaced: true,
 * });
 * const foos = factory.forResource(Foo); // SharedIndexInformer<Foo>
 * ```
 * @throws TypeError when version, kind or plural is empty, or plural is not lower case.
 */
export function defineResource<T extends KubeObject = KubeObject>(
  input: ResourceDefInput,
): ResourceDef<T> {
  const { group, version, kind, plural, namespaced } = input;
  if (version === '' || kind === '' || plural === '') {
    throw new TypeError('defineResource: version, kind and plural must not be empty');
  }
  if (plural !== plural.toLowerCase()) {
    throw new TypeError(`defineResource: plural ${JSON.stringify(plural)} must be lower case`);
  }
  return Object.freeze({
    group,
    version,
    resource: plural,
    plural,
    kind,
    namespaced,
    apiVersion: apiVersionOf(group, version),
    singular: input.singular ?? kind.toLowerCase(),
    ...(input.shortNames !== undefined ? { shortNames: [...input.shortNames] } : {}),
    ...(input.statusSubresource !== undefined
      ? { statusSubresource: input.statusSubresource }
      : {}),
  });
}

/** Whether `value` is a {@link ResourceDef} (a GVR that also carries kind and scope). */
export function isResourceDef(value: unknown): value is ResourceDef {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<Record<keyof ResourceDef, unknown>>;
  return (
    typeof v.group === 'string' &&
    typeof v.version === 'string' &&
    typeof v.resource === 'string' &&
    typeof v.kind === 'string' &&
    typeof v.namespaced === 'boolean'
  );
}
