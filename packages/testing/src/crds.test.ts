// CustomResourceDefinitions over real HTTP: create one, find its resource in discovery, wait for
// Established, write its objects (generation and status as the definition's subresources say,
// server-side apply as its openAPIV3Schema says), delete it.
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { eventually } from './eventually.js';
import { startApiServer, type ApiServer } from './server.js';

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const WIDGETS = '/apis/example.com/v1/namespaces/default/widgets';

/** A Widget CRD: `spec.ports` a map-list keyed by name, `spec.tags` a list without a type. */
const widgetCrd = (opts: { status?: boolean; name?: string } = {}): KubeObject =>
  ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: opts.name ?? 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget', shortNames: ['wd'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          ...(opts.status === false ? {} : { subresources: { status: {} } }),
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    size: { type: 'integer' },
                    ports: {
                      type: 'array',
                      'x-kubernetes-list-type': 'map',
                      'x-kubernetes-list-map-keys': ['name'],
                      items: {
                        type: 'object',
                        required: ['name'],
                        properties: { name: { type: 'string' }, port: { type: 'integer' } },
                      },
                    },
                    tags: { type: 'array', items: { type: 'string' } },
                  },
                },
                status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              },
            },
          },
        },
      ],
    },
  }) as unknown as KubeObject;

async function call(
  s: ApiServer,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ code: number; body: Record<string, unknown> }> {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { 'Content-Type': contentType, Accept: 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { code: res.status, body: (await res.json()) as Record<string, unknown> };
}

const established = (crd: Record<string, unknown>): boolean =>
  (
    ((crd.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ??
      []) as { type: string; status: string }[]
  ).some((c) => c.type === 'Established' && c.status === 'True');

async function createCrd(s: ApiServer, crd = widgetCrd()): Promise<void> {
  const created = await call(s, 'POST', CRDS, crd);
  expect(created.code).toBe(201);
  await eventually(async () =>
    expect(established((await call(s, 'GET', `${CRDS}/${crd.metadata!.name!}`)).body)).toBe(true),
  );
}

const widget = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w' },
  spec,
  ...extra,
});

const applyAs = (s: ApiServer, manager: string, obj: unknown, force = false) =>
  call(
    s,
    'PATCH',
    `${WIDGETS}/w?fieldManager=${manager}${force ? '&force=true' : ''}`,
    obj,
    'application/apply-patch+yaml',
  );

describe('CustomResourceDefinitions', () => {
  it('a created CRD is served: discovery, Established and NamesAccepted, its objects; deleting it removes both', async () => {
    const s = (server = await startApiServer());
    const created = await call(s, 'POST', CRDS, widgetCrd());
    expect(created.code).toBe(201);
    expect(created.body).toMatchObject({
      metadata: { name: 'widgets.example.com', generation: 1 },
      spec: {
        names: { singular: 'widget', listKind: 'WidgetList' },
        conversion: { strategy: 'None' },
      },
      status: { storedVersions: ['v1'] },
    });
    const discovery = await call(s, 'GET', '/apis/example.com/v1');
    expect(discovery.body.resources).toEqual([
      {
        name: 'widgets',
        singularName: 'widget',
        namespaced: true,
        kind: 'Widget',
        verbs: expect.any(Array) as unknown,
        shortNames: ['wd'],
      },
      expect.objectContaining({ name: 'widgets/status' }) as unknown,
    ]);
    await eventually(async () => {
      const got = await call(s, 'GET', `${CRDS}/widgets.example.com`);
      expect(
        (got.body.status as { conditions: unknown[] }).conditions.map((c) =>
          JSON.stringify([
            (c as Record<string, string>).type,
            (c as Record<string, string>).status,
            (c as Record<string, string>).reason,
          ]),
        ),
      ).toEqual([
        '["NamesAccepted","True","NoConflicts"]',
        '["Established","True","InitialNamesAccepted"]',
      ]);
      expect((got.body.status as { acceptedNames: unknown }).acceptedNames).toMatchObject({
        plural: 'widgets',
        kind: 'Widget',
      });
    });
    expect((await call(s, 'POST', WIDGETS, widget({ size: 1 }))).code).toBe(201);
    expect(s.list('widgets.example.com').items).toHaveLength(1);
    expect((await call(s, 'GET', CRDS)).body.items).toHaveLength(1);

    expect((await call(s, 'DELETE', `${CRDS}/widgets.example.com`)).code).toBe(200);
    await eventually(async () => expect((await call(s, 'GET', WIDGETS)).code).toBe(404));
    expect((await call(s, 'GET', '/apis')).body.groups).not.toContainEqual(
      expect.objectContaining({ name: 'example.com' }),
    );
  });

  it('refuses a definition whose name is not <plural>.<group> or without one storage version (422)', async () => {
    const s = (server = await startApiServer());
    const bad = await call(s, 'POST', CRDS, widgetCrd({ name: 'gadgets.example.com' }));
    expect(bad.code).toBe(422);
    expect(bad.body).toMatchObject({
      reason: 'Invalid',
      details: { causes: [{ field: 'metadata.name' }] },
    });
    const crd = widgetCrd() as unknown as { spec: { versions: { storage: boolean }[] } };
    crd.spec.versions[0]!.storage = false;
    const noStorage = await call(s, 'POST', CRDS, crd);
    expect(noStorage.code).toBe(422);
    expect(String(noStorage.body.message)).toContain(
      'must have exactly one version marked as storage version',
    );
    expect((await call(s, 'GET', CRDS)).body.items).toEqual([]);
    expect((await call(s, 'GET', WIDGETS)).code).toBe(404);
  });

  it('with subresources.status, writes to the object keep status and only spec changes move generation', async () => {
    const s = (server = await startApiServer());
    await createCrd(s);
    const w = await call(s, 'POST', WIDGETS, widget({ size: 1 }, { status: { ready: true } }));
    expect(w.body).not.toHaveProperty('status');
    const put = await call(s, 'PUT', `${WIDGETS}/w`, { ...w.body, status: { ready: true } });
    expect(put.body).not.toHaveProperty('status');
    expect((put.body.metadata as { generation: number }).generation).toBe(1);
    const st = await call(s, 'PUT', `${WIDGETS}/w/status`, { ...put.body, status: { ready: 1 } });
    expect(st.body).toMatchObject({ status: { ready: 1 }, metadata: { generation: 1 } });
    const spec = await call(s, 'PUT', `${WIDGETS}/w`, { ...st.body, spec: { size: 2 } });
    expect(spec.body).toMatchObject({ status: { ready: 1 }, metadata: { generation: 2 } });
  });

  it('without subresources.status, status is written with the object and moves generation', async () => {
    const s = (server = await startApiServer());
    await createCrd(s, widgetCrd({ status: false }));
    const w = await call(s, 'POST', WIDGETS, widget({ size: 1 }, { status: { ready: true } }));
    expect(w.body).toMatchObject({ status: { ready: true }, metadata: { generation: 1 } });
    expect((await call(s, 'GET', `${WIDGETS}/w/status`)).code).toBe(404);
    const put = await call(s, 'PUT', `${WIDGETS}/w`, { ...w.body, status: { ready: false } });
    expect(put.body).toMatchObject({ status: { ready: false }, metadata: { generation: 2 } });
    const labelled = await call(s, 'PUT', `${WIDGETS}/w`, {
      ...put.body,
      metadata: { ...(put.body.metadata as object), labels: { a: 'b' } },
    });
    expect((labelled.body.metadata as { generation: number }).generation).toBe(2);
  });

  it('server-side apply merges a list-type map list by key between managers, conflicts per key, replaces an atomic list whole', async () => {
    const s = (server = await startApiServer());
    await createCrd(s);
    const a = await applyAs(s, 'a', widget({ ports: [{ name: 'http', port: 80 }], tags: ['x'] }));
    expect(a.code).toBe(201);
    const b = await applyAs(s, 'b', widget({ ports: [{ name: 'metrics', port: 9090 }] }));
    expect(b.code).toBe(200);
    expect((b.body.spec as { ports: unknown }).ports).toEqual([
      { name: 'http', port: 80 },
      { name: 'metrics', port: 9090 },
    ]);
    const owners = Object.fromEntries(
      (
        b.body.metadata as { managedFields: { manager: string; fieldsV1: unknown }[] }
      ).managedFields.map((e) => [e.manager, e.fieldsV1]),
    );
    expect(owners).toEqual({
      a: {
        'f:spec': {
          'f:ports': { 'k:{"name":"http"}': { '.': {}, 'f:name': {}, 'f:port': {} } },
          'f:tags': {},
        },
      },
      b: {
        'f:spec': {
          'f:ports': { 'k:{"name":"metrics"}': { '.': {}, 'f:name': {}, 'f:port': {} } },
        },
      },
    });
    // b setting a's port conflicts on that key's field only.
    const clash = await applyAs(
      s,
      'b',
      widget({
        ports: [
          { name: 'metrics', port: 9090 },
          { name: 'http', port: 8080 },
        ],
      }),
    );
    expect(clash.code).toBe(409);
    expect(clash.body).toMatchObject({
      message: 'Apply failed with 1 conflict: conflict with "a": .spec.ports[name="http"].port',
      details: {
        causes: [
          {
            reason: 'FieldManagerConflict',
            message: 'conflict with "a"',
            field: '.spec.ports[name="http"].port',
          },
        ],
      },
    });
    // tags has no list type: atomic — b's tags replace a's whole (forced: one conflict on .spec.tags).
    const tags = await applyAs(
      s,
      'b',
      widget({ ports: [{ name: 'metrics', port: 9090 }], tags: ['y'] }),
    );
    expect(tags.code).toBe(409);
    expect(tags.body.message).toBe('Apply failed with 1 conflict: conflict with "a": .spec.tags');
    const forced = await applyAs(
      s,
      'b',
      widget({ ports: [{ name: 'metrics', port: 9090 }], tags: ['y'] }),
      true,
    );
    expect((forced.body.spec as { tags: unknown }).tags).toEqual(['y']);
    // a stops applying its port: only its key goes.
    const dropped = await applyAs(s, 'a', widget({}));
    expect((dropped.body.spec as { ports: unknown }).ports).toEqual([
      { name: 'metrics', port: 9090 },
    ]);
  });

  it('registerResource takes the schema programmatically', async () => {
    const s = (server = await startApiServer());
    const crd = widgetCrd() as unknown as {
      spec: { versions: { schema: { openAPIV3Schema: Record<string, unknown> } }[] };
    };
    s.registerResource(
      {
        group: 'example.com',
        version: 'v1',
        resource: 'widgets',
        kind: 'Widget',
        namespaced: true,
      },
      { schema: crd.spec.versions[0]!.schema.openAPIV3Schema },
    );
    await applyAs(s, 'a', widget({ ports: [{ name: 'http', port: 80 }] }));
    const b = await applyAs(s, 'b', widget({ ports: [{ name: 'metrics', port: 9090 }] }));
    expect((b.body.spec as { ports: unknown[] }).ports).toHaveLength(2);
  });

  it('a CRD created programmatically is served in the same turn; an update redefines its resource (scale, no status); deletion sends DELETED for its objects', async () => {
    const s = (server = await startApiServer());
    s.create('customresourcedefinitions.apiextensions.k8s.io', widgetCrd());
    s.create('widgets.example.com', widget({ size: 1 }), { namespace: 'default' });
    expect((await call(s, 'GET', `${WIDGETS}/w/status`)).code).toBe(200);
    const crd = s.get(
      'customresourcedefinitions.apiextensions.k8s.io',
      undefined,
      'widgets.example.com',
    ) as unknown as {
      metadata: { generation: number };
      spec: { versions: { subresources?: unknown }[] };
    };
    crd.spec.versions[0]!.subresources = {
      scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.size' },
    };
    const updated = await call(s, 'PUT', `${CRDS}/widgets.example.com`, crd);
    expect(updated.code).toBe(200);
    expect((updated.body.metadata as { generation: number }).generation).toBe(2);
    const resources = (
      (await call(s, 'GET', '/apis/example.com/v1')).body.resources as { name: string }[]
    ).map((r) => r.name);
    expect(resources).toEqual(['widgets', 'widgets/scale']);
    expect((await call(s, 'GET', `${WIDGETS}/w/status`)).code).toBe(404);
    expect((await call(s, 'GET', `${WIDGETS}/w/scale`)).body).toMatchObject({
      kind: 'Scale',
      spec: { replicas: 1 },
    });

    const list = await call(s, 'GET', WIDGETS);
    const rv = (list.body.metadata as { resourceVersion: string }).resourceVersion;
    const res = await fetch(`${s.url}${WIDGETS}?watch=1&resourceVersion=${rv}`);
    const reader = res.body!.getReader();
    s.delete('customresourcedefinitions.apiextensions.k8s.io', undefined, 'widgets.example.com');
    let text = '';
    while (!text.includes('\n')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(JSON.parse(text.split('\n')[0]!)).toMatchObject({
      type: 'DELETED',
      object: { metadata: { name: 'w' } },
    });
    expect(s.list('customresourcedefinitions.apiextensions.k8s.io').items).toEqual([]);
  });

  it('a CRD deleted and created again in one turn serves its resource without the old objects', async () => {
    const s = (server = await startApiServer());
    const crds = 'customresourcedefinitions.apiextensions.k8s.io';
    s.create(crds, widgetCrd());
    s.create('widgets.example.com', widget({ size: 1 }), { namespace: 'default' });
    s.delete(crds, undefined, 'widgets.example.com');
    s.create(crds, widgetCrd());
    await eventually(async () => {
      const list = await call(s, 'GET', WIDGETS);
      expect(list.code).toBe(200);
      expect(list.body.items).toEqual([]);
    });
  });
});

describe('CustomResourceDefinitions sent as YAML', () => {
  // A new user's CRD posted as application/yaml lost its x-kubernetes-list-type (client-node's
  // typed YAML loader renamed it), so two appliers of one map-list conflicted.
  const crdYaml = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, kind: Widget}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                ports:
                  type: array
                  x-kubernetes-list-type: map
                  x-kubernetes-list-map-keys: [name]
                  items:
                    type: object
                    properties:
                      name: {type: string}
                      port: {type: integer}
`;
  const rawCall = async (
    s: ApiServer,
    method: string,
    path: string,
    body: string,
    type: string,
  ) => {
    const res = await fetch(`${s.url}${path}`, {
      method,
      headers: { 'Content-Type': type, Accept: 'application/json' },
      body,
    });
    return { code: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('keeps the schema as written, and appliers sending YAML merge the map-list by key', async () => {
    const s = (server = await startApiServer());
    const created = await rawCall(s, 'POST', CRDS, crdYaml, 'application/yaml');
    expect(created.code).toBe(201);
    expect(JSON.stringify(created.body)).toContain('"x-kubernetes-list-type":"map"');
    expect(JSON.stringify(created.body)).not.toContain('x_kubernetes');
    await eventually(async () =>
      expect(established((await call(s, 'GET', `${CRDS}/widgets.example.com`)).body)).toBe(true),
    );
    const apply = (manager: string, port: string) =>
      rawCall(
        s,
        'PATCH',
        `${WIDGETS}/w?fieldManager=${manager}`,
        `apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  ports:\n${port}`,
        'application/apply-patch+yaml',
      );
    expect((await apply('alice', '    - name: http\n      port: 80\n')).code).toBe(201);
    const bob = await apply('bob', '    - name: metrics\n      port: 9090\n');
    expect(bob.code).toBe(200);
    expect((bob.body.spec as { ports: unknown }).ports).toEqual([
      { name: 'http', port: 80 },
      { name: 'metrics', port: 9090 },
    ]);
  });
});
