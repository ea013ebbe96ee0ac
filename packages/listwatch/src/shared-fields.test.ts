import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFieldsV1Sharing } from './shared-fields.js';

/** A pod of replica `i` of template `t`, with two managers' field sets, as the API server sends. */
function pod(i: number, t = 0): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `web-${t}-${i}`,
      namespace: 'default',
      annotations: { note: 'a "managedFields":[{"fieldsV1":{}}] lookalike in a string \\' },
      managedFields: [
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          apiVersion: 'v1',
          time: `2026-12-06T08:00:0${i % 10}Z`,
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} }, 'f:generateName': {} },
            'f:spec': { 'f:containers': { [`k:{"name":"app-${t}"}`]: { '.': {}, 'f:image': {} } } },
          },
        },
        {
          manager: 'kubelet',
          operation: 'Update',
          apiVersion: 'v1',
          subresource: 'status',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:status': {
              'f:conditions': {
                'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} },
                'k:{"type":"Initialized"}': { '.': {}, 'f:status': {}, 'f:type': {} },
              },
              'f:podIPs': { [`k:{"ip":"10.0.0.${i}"}`]: { '.': {}, 'f:ip': {} } },
            },
          },
        },
      ],
    },
    spec: { containers: [{ name: `app-${t}`, image: 'nginx' }] },
  };
}

type Managed = { metadata: { managedFields: { fieldsV1: Record<string, unknown> }[] } };

describe('createFieldsV1Sharing', () => {
  it('decodes objects and events deep-equal to JSON.parse, one frozen fieldsV1 per distinct text', () => {
    const sharing = createFieldsV1Sharing();
    const texts = [0, 1, 2, 3].map((i) => JSON.stringify(pod(i)));
    const objs = texts.map((t) => sharing.parse(t, 'object') as Managed);
    objs.forEach((o, k) => expect(o).toStrictEqual(JSON.parse(texts[k]!)));
    const ev = JSON.stringify({ type: 'MODIFIED', object: pod(4) });
    const fromEvent = sharing.parse(ev, 'event') as { object: Managed };
    expect(fromEvent).toStrictEqual(JSON.parse(ev));

    // The controller's field set is the same text in every replica: from its second sighting on
    // (when it enters the table) one object, frozen; the first pod keeps its own frozen copy.
    const first = objs[1]!.metadata.managedFields[0]!.fieldsV1;
    for (const o of [...objs.slice(2), fromEvent.object]) {
      expect(o.metadata.managedFields[0]!.fieldsV1).toBe(first);
    }
    expect(objs[0]!.metadata.managedFields[0]!.fieldsV1).not.toBe(first);
    expect(Object.isFrozen(objs[0]!.metadata.managedFields[0]!.fieldsV1)).toBe(true);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first['f:metadata'])).toBe(true);
    // The kubelet's (a pod IP in it) differs per pod: its own object each, frozen, but the
    // parts that are equal text (f:conditions) are one object.
    const status = (o: Managed): Record<string, unknown> =>
      o.metadata.managedFields[1]!.fieldsV1['f:status'] as Record<string, unknown>;
    expect(objs[0]!.metadata.managedFields[1]!.fieldsV1).not.toBe(
      objs[1]!.metadata.managedFields[1]!.fieldsV1,
    );
    expect(Object.isFrozen(objs[1]!.metadata.managedFields[1]!.fieldsV1)).toBe(true);
    expect(status(objs[2]!)['f:conditions']).toBe(status(objs[1]!)['f:conditions']);
    expect(status(fromEvent.object)['f:conditions']).toBe(status(objs[1]!)['f:conditions']);
    expect(status(objs[2]!)['f:podIPs']).not.toBe(status(objs[1]!)['f:podIPs']);
    // Texts seen once (each pod's kubelet set and its f:status) never entered the table: it
    // holds the controller's set, its f:spec member and the kubelet's f:conditions.
    expect(sharing.stats.entries).toBe(3);
  });

  it('a text seen again in the same object (a relist) stays out of the table; in another object it enters', () => {
    const sharing = createFieldsV1Sharing();
    const t0 = JSON.stringify(pod(0));
    const first = sharing.parse(t0, 'object') as Managed;
    // A relist (or an update that left the field sets alone) sends the same pod again: its
    // field sets are not shared with any other object, so none enters the table.
    const again = sharing.parse(JSON.stringify({ type: 'ADDED', object: pod(0) }), 'event') as {
      object: Managed;
    };
    expect(again.object).toStrictEqual(JSON.parse(t0));
    expect(sharing.stats).toMatchObject({ entries: 0, added: 0, shared: 0 });
    expect(again.object.metadata.managedFields[0]!.fieldsV1).not.toBe(
      first.metadata.managedFields[0]!.fieldsV1,
    );
    expect(Object.isFrozen(again.object.metadata.managedFields[1]!.fieldsV1)).toBe(true);
    // Another replica: the controller's set, its f:spec and the kubelet's f:conditions enter.
    const other = sharing.parse(JSON.stringify(pod(1)), 'object') as Managed;
    expect(sharing.stats).toMatchObject({ entries: 3, added: 3 });
    const next = sharing.parse(JSON.stringify(pod(2)), 'object') as Managed;
    expect(next.metadata.managedFields[0]!.fieldsV1).toBe(
      other.metadata.managedFields[0]!.fieldsV1,
    );
    // The same name in another namespace is another object.
    const elsewhere = pod(0);
    (elsewhere.metadata as { namespace: string }).namespace = 'other';
    sharing.parse(JSON.stringify(elsewhere), 'object');
    expect(sharing.stats.entries).toBeGreaterThan(3);
  });

  it('a write into a shared fieldsV1 throws a TypeError; the rest of the object stays writable', () => {
    const sharing = createFieldsV1Sharing();
    const [a, b] = [0, 1].map((i) => sharing.parse(JSON.stringify(pod(i)), 'object') as Managed);
    const shared = a!.metadata.managedFields[0]!.fieldsV1;
    expect(() => {
      shared['f:spec'] = {};
    }).toThrow(TypeError);
    expect(() => {
      delete (shared['f:metadata'] as Record<string, unknown>)['f:generateName'];
    }).toThrow(TypeError);
    expect(b).toStrictEqual(pod(1));
  });

  it('an entry or the whole managedFields can be replaced on one object without touching others', () => {
    const sharing = createFieldsV1Sharing();
    const [a, b] = [0, 1].map((i) => sharing.parse(JSON.stringify(pod(i)), 'object') as Managed);
    a!.metadata.managedFields[0]!.fieldsV1 = { 'f:spec': {} };
    a!.metadata.managedFields.push({ fieldsV1: {} });
    expect(b).toStrictEqual(pod(1));
    (a!.metadata as { managedFields?: unknown }).managedFields = undefined;
    expect(b).toStrictEqual(pod(1));
  });

  it('falls back to a whole parse where the scan would be misled (equal to JSON.parse)', () => {
    const sharing = createFieldsV1Sharing({ minChars: 2 });
    const fields = { 'f:spec': { 'f:x': {} } };
    const texts = [
      // managedFields under spec, before metadata: not metadata's.
      `{"spec":{"metadata":{"managedFields":[{"fieldsV1":${JSON.stringify(fields)}}]}},"metadata":{"managedFields":[{"fieldsV1":{"f:a":{}}}]}}`,
      // A key spelled with an escape: JSON.parse reads "metadata".
      `{"meta\\u0064ata":{"managedFields":[{"fieldsV1":{"f:b":{}}}]}}`,
      // A duplicate metadata: the last one wins in JSON.parse.
      `{"metadata":{"managedFields":[{"fieldsV1":{"f:c":{}}}]},"metadata":{"managedFields":[{"fieldsV1":{"f:d":{}}}]}}`,
      // A duplicate fieldsV1 in one entry.
      `{"metadata":{"managedFields":[{"fieldsV1":{"f:e":{}},"fieldsV1":{"f:f":{}}}]}}`,
      // Whitespace everywhere.
      JSON.stringify(pod(7), null, 2),
      ` { "metadata" : { "managedFields" : [ { "fieldsV1" : { "f:g" : { } } } , { } ] } } `,
      // fieldsV1 that is not an object, managedFields that is not an array.
      `{"metadata":{"managedFields":[{"fieldsV1":"{}"},{"fieldsV1":null}]}}`,
      `{"metadata":{"managedFields":{"fieldsV1":{"f:h":{}}}}}`,
      // Inside a field set: a duplicate member name (the last wins), __proto__, an escaped key.
      `{"metadata":{"managedFields":[{"fieldsV1":{"f:s":{"f:a":{},"f:b":{}},"f:s":{"f:c":{}}}}]}}`,
      `{"metadata":{"managedFields":[{"fieldsV1":{"f:s":{"f:a":{},"f:b":{}},"f:t":{"f:s":{}}}}]}}`,
      `{"metadata":{"managedFields":[{"fieldsV1":{"__proto__":{"f:a":{},"f:b":{}},"k:{\\"x\\":1}":{"f:a":{},"f:b":{}}}}]}}`,
      // Escaped quotes and backslashes before the keys the scan looks for.
      `{"a\\\\":"\\"metadata\\":{","metadata":{"n":"x\\\\","managedFields":[{"m":"\\\\\\"","fieldsV1":{"f:\\"q":{}}}]}}`,
    ];
    for (let round = 0; round < 2; round++) {
      for (const t of texts) expect(sharing.parse(t, 'object')).toStrictEqual(JSON.parse(t));
    }
  });

  it('scans past escaped quotes and backslashes before the keys it looks for (shares, no fallback)', () => {
    const sharing = createFieldsV1Sharing({ minChars: 2 });
    const t = `{"a\\\\":"\\"metadata\\":{","metadata":{"n":"x\\\\","managedFields":[{"m":"\\\\\\"","fieldsV1":{"f:\\"q":{}}}]}}`;
    const [, a, b] = [1, 2, 3].map(() => sharing.parse(t, 'object')) as Managed[];
    expect(a).toStrictEqual(JSON.parse(t));
    expect(b!.metadata.managedFields[0]!.fieldsV1).toBe(a!.metadata.managedFields[0]!.fieldsV1);
    expect(sharing.stats).toMatchObject({ shared: 1 });
  });

  it('throws the SyntaxError of JSON.parse for invalid JSON', () => {
    const sharing = createFieldsV1Sharing({ minChars: 2 });
    const good = JSON.stringify(pod(0));
    sharing.parse(good, 'object');
    for (const bad of [
      good.slice(0, -1),
      good.replace('"f:image":{}', '"f:image":{]'),
      good.replace('"kubelet"', '"kubelet'),
      good + 'x',
      '',
    ]) {
      let expected: unknown;
      try {
        JSON.parse(bad);
      } catch (err) {
        expected = err;
      }
      expect(expected).toBeInstanceOf(SyntaxError);
      expect(() => sharing.parse(bad, 'object')).toThrow(SyntaxError);
    }
  });

  it('keeps the table within maxTableChars and stays correct when texts are forgotten', () => {
    const sharing = createFieldsV1Sharing({ maxTableChars: 1000 });
    for (let i = 0; i < 200; i++) {
      const t = JSON.stringify(pod(i, i % 3));
      expect(sharing.parse(t, 'object')).toStrictEqual(JSON.parse(t));
    }
    expect(sharing.stats.tableChars).toBeLessThanOrEqual(1000);
    expect(sharing.stats.shared).toBeGreaterThan(0);
  });

  it('property: any object with managedFields, compact or indented, decodes deep-equal to JSON.parse', () => {
    const sharing = createFieldsV1Sharing({ minChars: 1, maxTableChars: 2000 });
    const fieldSet = fc.oneof(
      fc.constantFrom({ 'f:a': {} }, { 'f:b': { '.': {}, 'k:{"x":"1"}': {} } }),
      fc.dictionary(fc.string(), fc.jsonValue()),
    );
    const entry = fc.record(
      { manager: fc.string(), fieldsV1: fc.oneof(fieldSet, fc.jsonValue()), x: fc.jsonValue() },
      { requiredKeys: [] },
    );
    const object = fc.record(
      {
        before: fc.jsonValue(),
        metadata: fc.record(
          {
            name: fc.string(),
            managedFields: fc.array(entry, { maxLength: 4 }),
            z: fc.jsonValue(),
          },
          { requiredKeys: [] },
        ),
        after: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(object, fc.constantFrom(undefined, 1, '\t'), fc.boolean(), (o, indent, ev) => {
        const t = JSON.stringify(ev ? { type: 'ADDED', object: o } : o, null, indent);
        expect(sharing.parse(t, ev ? 'event' : 'object')).toStrictEqual(JSON.parse(t));
      }),
      { numRuns: 500 },
    );
    expect(sharing.stats.shared).toBeGreaterThan(0);
  });
});
