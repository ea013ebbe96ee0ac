import { describe, expect, it } from 'vitest';
import { FieldSet } from './field-set.js';
import { pathString, type FieldPath } from './path-element.js';

const f = (field: string) => ({ field });
const p = (...fields: string[]): FieldPath => fields.map(f);

describe('FieldSet', () => {
  it('encodes fieldsV1 as structured-merge-diff does: "." first, fields before keys before values, each sorted', () => {
    const s = FieldSet.of(
      p('spec', 'replicas'),
      [f('spec'), f('containers'), { key: [['name', 'b']] }],
      [f('spec'), f('containers'), { key: [['name', 'b']] }, f('image')],
      [f('spec'), f('containers'), { key: [['name', 'a']] }, f('name')],
      p('spec', 'containers'),
      p('metadata', 'labels'),
      p('metadata', 'labels', 'z'),
      p('metadata', 'labels', 'a'),
      [f('metadata'), f('finalizers'), { value: 'x' }],
      [
        f('spec'),
        f('ports'),
        {
          key: [
            ['containerPort', 80],
            ['protocol', 'TCP'],
          ],
        },
      ],
    );
    expect(JSON.stringify(s.toFieldsV1())).toBe(
      JSON.stringify({
        'f:metadata': {
          'f:finalizers': { 'v:"x"': {} },
          'f:labels': { '.': {}, 'f:a': {}, 'f:z': {} },
        },
        'f:spec': {
          'f:containers': {
            '.': {},
            'k:{"name":"a"}': { 'f:name': {} },
            'k:{"name":"b"}': { '.': {}, 'f:image': {} },
          },
          'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': {} },
          'f:replicas': {},
        },
      }),
    );
  });

  it('parses its own encoding back (round trip) and escapes HTML characters in keys as Go does', () => {
    const s = FieldSet.of([f('data'), f('a<b')], [f('x'), { key: [['name', 'a&b']] }], p('x'));
    const v1 = s.toFieldsV1();
    expect(Object.keys(v1['f:x'] as object)).toEqual(['.', 'k:{"name":"a\\u0026b"}']);
    const back = FieldSet.fromFieldsV1(JSON.parse(JSON.stringify(v1)));
    expect(JSON.stringify(back.toFieldsV1())).toBe(JSON.stringify(v1));
    expect(back.has(p('x'))).toBe(true);
    expect(back.has([f('x'), { key: [['name', 'a&b']] }])).toBe(true);
  });

  it('has union, difference (members only), recursive difference (whole subtrees) and intersection', () => {
    const a = FieldSet.of(p('spec'), p('spec', 'a'), p('spec', 'b'), p('status', 'x'));
    const b = FieldSet.of(p('spec'), p('spec', 'a'), p('meta'));
    expect(a.union(b).paths().map(pathString)).toEqual([
      '.meta',
      '.spec',
      '.spec.a',
      '.spec.b',
      '.status.x',
    ]);
    expect(a.difference(b).paths().map(pathString)).toEqual(['.spec.b', '.status.x']);
    expect(
      a
        .recursiveDifference(FieldSet.of(p('spec')))
        .paths()
        .map(pathString),
    ).toEqual(['.status.x']);
    expect(a.intersection(b).paths().map(pathString)).toEqual(['.spec', '.spec.a']);
  });

  it('prints paths as conflict messages do', () => {
    expect(pathString([f('spec'), f('containers'), { key: [['name', 'app']] }, f('image')])).toBe(
      '.spec.containers[name="app"].image',
    );
    expect(
      pathString([
        f('spec'),
        f('ports'),
        {
          key: [
            ['port', 80],
            ['protocol', 'TCP'],
          ],
        },
      ]),
    ).toBe('.spec.ports[port=80,protocol="TCP"]');
    expect(pathString([f('metadata'), f('finalizers'), { value: 'x' }])).toBe(
      '.metadata.finalizers[="x"]',
    );
  });
});
