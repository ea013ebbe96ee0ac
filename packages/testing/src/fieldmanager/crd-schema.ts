// A CustomResourceDefinition version's `openAPIV3Schema` as the field manager reads it, following
// how kube-apiserver turns a structural schema into the structured-merge-diff type its field
// manager uses for custom resources (apiextensions-apiserver pkg/controller/openapi/builder, then
// kube-openapi pkg/schemaconv): `x-kubernetes-list-type` (`atomic` — the default for a list —,
// `set`, `map` with `x-kubernetes-list-map-keys`), `x-kubernetes-map-type` (`granular` — the
// default for an object —, `atomic`), `properties` as struct fields, `additionalProperties` as a
// map's values, `x-kubernetes-preserve-unknown-fields` as fields deduced from their values, and
// `x-kubernetes-embedded-resource` objects carrying `apiVersion`, `kind` and `metadata`. The root
// always has ObjectMeta `metadata` and scalar `apiVersion` and `kind`, as the builder adds them.
import type { SchemaNode } from './schema.js';

/**
 * The parts of a CRD's `openAPIV3Schema` (apiextensions.k8s.io/v1 JSONSchemaProps) the in-process
 * server reads: types, nesting and the `x-kubernetes-*` extensions that decide how server-side
 * apply merges. Other JSON Schema keywords may be present; they are ignored (the server does not
 * validate, prune or default custom resources).
 */
export interface OpenApiV3Schema {
  type?: string;
  properties?: Record<string, OpenApiV3Schema>;
  /** The schema of a map's values (`true`: any value). */
  additionalProperties?: OpenApiV3Schema | boolean;
  items?: OpenApiV3Schema;
  default?: unknown;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  [keyword: string]: unknown;
}

const atomic: SchemaNode = { kind: 'atomic' };
const scalar = { kind: 'atomic' } as const;

const cache = new WeakMap<OpenApiV3Schema, SchemaNode>();

/**
 * The field manager's schema of a custom resource whose definition has `schema` as its
 * `openAPIV3Schema`; `objectMeta` is the schema of `metadata`. Cached per schema object.
 */
export function schemaFromOpenApiV3(schema: OpenApiV3Schema, objectMeta: SchemaNode): SchemaNode {
  let node = cache.get(schema);
  if (node !== undefined) return node;
  const converted = convert(schema, objectMeta);
  const fields = converted.kind === 'map' ? converted.fields : undefined;
  node = {
    kind: 'map',
    fields: { ...fields, apiVersion: scalar, kind: scalar, metadata: objectMeta },
    elem: converted.kind === 'map' ? (converted.elem ?? 'deduced') : 'deduced',
    declared: false,
  };
  cache.set(schema, node);
  return node;
}

const isSchema = (v: unknown): v is OpenApiV3Schema =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function convert(s: OpenApiV3Schema, objectMeta: SchemaNode): SchemaNode {
  if (s['x-kubernetes-int-or-string'] === true) return atomic;
  const type = s.type ?? (s.properties !== undefined || s.additionalProperties ? 'object' : '');
  if (type === 'array') {
    const listType = s['x-kubernetes-list-type'] ?? 'atomic';
    if (listType === 'set') return { kind: 'set' };
    if (listType !== 'map') return atomic;
    const items = isSchema(s.items) ? s.items : {};
    const keyDefaults: Record<string, unknown> = {};
    for (const k of s['x-kubernetes-list-map-keys'] ?? []) {
      const d = items.properties?.[k]?.default;
      if (d !== undefined) keyDefaults[k] = d;
    }
    return {
      kind: 'keyedList',
      keys: s['x-kubernetes-list-map-keys'] ?? [],
      elem: convert(items, objectMeta),
      ...(Object.keys(keyDefaults).length > 0 ? { keyDefaults } : {}),
    };
  }
  if (type !== 'object' && s['x-kubernetes-preserve-unknown-fields'] !== true) return atomic;
  if (s['x-kubernetes-map-type'] === 'atomic') return atomic;
  const fields: Record<string, SchemaNode> = {};
  for (const [k, v] of Object.entries(s.properties ?? {}))
    if (isSchema(v)) fields[k] = convert(v, objectMeta);
  if (s['x-kubernetes-embedded-resource'] === true)
    Object.assign(fields, { apiVersion: scalar, kind: scalar, metadata: objectMeta });
  const ap = s.additionalProperties;
  // Unknown fields: a map's values as `additionalProperties` says; deduced from their values
  // otherwise (kept with x-kubernetes-preserve-unknown-fields; a real server prunes the others).
  const elem: SchemaNode | 'deduced' = isSchema(ap) ? convert(ap, objectMeta) : 'deduced';
  return { kind: 'map', fields, elem, declared: false };
}
