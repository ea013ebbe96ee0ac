// YAML bodies keep every field under its own name (a new user's CRD sent as YAML lost its
// x-kubernetes-list-type: client-node's loadYaml renamed it for the typed model).
import { describe, expect, it } from 'vitest';
import { parseYamlBody } from './yaml-body.js';

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
  creationTimestamp: "2026-12-06T10:00:00Z"
spec:
  group: example.com
  versions:
    - name: v1
      schema:
        openAPIV3Schema:
          type: object
          properties:
            ports:
              type: array
              x-kubernetes-list-type: map
              x-kubernetes-list-map-keys: [name]
`;

describe('parseYamlBody', () => {
  it('keeps x-kubernetes-* names, unknown fields and timestamp strings of a built-in kind', () => {
    const v = parseYamlBody(crd) as {
      metadata: { creationTimestamp: unknown };
      spec: { versions: { schema: { openAPIV3Schema: { properties: { ports: object } } } }[] };
    };
    expect(v.spec.versions[0]!.schema.openAPIV3Schema.properties.ports).toEqual({
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
    expect(v.metadata.creationTimestamp).toBe('2026-12-06T10:00:00Z');
    const pod = parseYamlBody(
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  unknownThing: 1\n',
    );
    expect(pod).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { unknownThing: 1 },
    });
  });

  it('reads JSON, block scalars, a leading directive and ---, and only the first document', () => {
    expect(parseYamlBody('{"a": {"x-y": [1, 2]}}')).toEqual({ a: { 'x-y': [1, 2] } });
    expect(parseYamlBody('{a: 1, b: [x]}')).toEqual({ a: 1, b: ['x'] });
    expect(parseYamlBody('%YAML 1.2\n---\ndata:\n  script: |\n    line 1\n      line 2\n')).toEqual(
      { data: { script: 'line 1\n  line 2\n' } },
    );
    expect(parseYamlBody('--- \na: 1\n---\nb: 2\n')).toEqual({ a: 1 });
    expect(parseYamlBody('\uFEFFa: 1\r\nb: 2\r\n')).toEqual({ a: 1, b: 2 });
    expect(parseYamlBody('')).toBeNull();
  });

  it('throws js-yaml error for text that is not YAML', () => {
    expect(() => parseYamlBody('a: [1, 2\nb: }')).toThrow();
  });
});
