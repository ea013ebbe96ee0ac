import { describe, expect, it } from 'vitest';
import { schemaFromOpenApiV3, type OpenApiV3Schema } from './crd-schema.js';
import { objectMeta, schemaFor } from './schema.js';
import { pathString } from './path-element.js';
import { merge, toFieldSet } from './typed.js';

const schema: OpenApiV3Schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name', 'protocol'],
          items: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              protocol: { type: 'string', default: 'TCP' },
            },
          },
        },
        hosts: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        args: { type: 'array', items: { type: 'string' } },
        selector: {
          type: 'object',
          'x-kubernetes-map-type': 'atomic',
          additionalProperties: { type: 'string' },
        },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  },
};

describe('schemaFromOpenApiV3', () => {
  const root = schemaFromOpenApiV3(schema, objectMeta);
  const spec = root.kind === 'map' ? root.fields?.spec : undefined;
  const fields = spec?.kind === 'map' ? (spec.fields ?? {}) : {};

  it('reads list types (map with keys and key defaults, set, atomic by default) and map types', () => {
    expect(fields.ports).toMatchObject({
      kind: 'keyedList',
      keys: ['name', 'protocol'],
      keyDefaults: { protocol: 'TCP' },
    });
    expect(fields.hosts).toEqual({ kind: 'set' });
    expect(fields.args).toEqual({ kind: 'atomic' });
    expect(fields.selector).toEqual({ kind: 'atomic' });
    expect(fields.labels).toEqual({
      kind: 'map',
      fields: {},
      elem: { kind: 'atomic' },
      declared: false,
    });
    expect(fields.extra).toMatchObject({ kind: 'map', elem: 'deduced' });
  });

  it('gives the root and embedded resources ObjectMeta metadata and scalar apiVersion and kind', () => {
    expect(root).toMatchObject({ kind: 'map', elem: 'deduced', declared: false });
    expect(root.kind === 'map' && root.fields?.metadata).toBe(objectMeta);
    expect(fields.template).toMatchObject({
      kind: 'map',
      fields: { apiVersion: { kind: 'atomic' }, kind: { kind: 'atomic' }, metadata: objectMeta },
    });
  });

  it('is what schemaFor uses for a definition with a schema; the field sets follow it', () => {
    const def = { group: 'example.com', resource: 'things', schema };
    const s = schemaFor(def, false);
    expect(s).toBe(root);
    const obj = { spec: { ports: [{ name: 'a' }], args: ['x'], hosts: ['h'] } };
    // Known struct fields are not owned themselves (a deduced `.spec` would be).
    expect(toFieldSet(obj, s).paths().map(pathString)).toEqual([
      '.spec.args',
      '.spec.hosts[="h"]',
      '.spec.ports[name="a",protocol="TCP"]',
      '.spec.ports[name="a",protocol="TCP"].name',
    ]);
    expect(merge(obj, { spec: { ports: [{ name: 'b' }], args: ['y'], hosts: ['i'] } }, s)).toEqual({
      spec: { ports: [{ name: 'a' }, { name: 'b' }], args: ['y'], hosts: ['h', 'i'] },
    });
  });
});
