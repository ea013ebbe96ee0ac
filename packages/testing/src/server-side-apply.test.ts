// Server-side apply over real HTTP: @kubernetes/client-node patches with the apply content type
// against server.kubeConfig, and raw requests for the errors kube-apiserver answers.
import { afterEach, describe, expect, it } from 'vitest';
import {
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import type { Status } from '@kubecache/core';
import { startApiServer, type ApiServer } from './server.js';

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

const deployment = (
  spec: Record<string, unknown>,
  metadata: Record<string, unknown> = {},
): V1Deployment =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', ...metadata },
    spec,
  }) as unknown as V1Deployment;

const template = (...containers: { name: string; image: string }[]) => ({
  selector: { matchLabels: { app: 'web' } },
  template: { metadata: { labels: { app: 'web' } }, spec: { containers } },
});

/** The body of a rejected client-node call as a Status. */
async function rejection(p: Promise<unknown>): Promise<Status & { code: number }> {
  try {
    await p;
  } catch (err) {
    return JSON.parse((err as { body: string }).body) as Status & { code: number };
  }
  throw new Error('the call succeeded');
}

const owners = (d: V1Deployment): Record<string, string> =>
  Object.fromEntries(
    (d.metadata?.managedFields ?? []).map((e) => [
      `${e.manager}:${e.operation}`,
      JSON.stringify(e.fieldsV1),
    ]),
  );

describe('server-side apply', () => {
  it('create, conflict, shared ownership, an Update owner, force and removal — as kube-apiserver answers them', async () => {
    server = await startApiServer();
    const apps = server.kubeConfig.makeApiClient(AppsV1Api);
    const ns = 'default';
    const name = 'web';
    const patch = (body: V1Deployment, fieldManager: string, force?: boolean) =>
      apps.patchNamespacedDeployment(
        { name, namespace: ns, body, fieldManager, ...(force !== undefined ? { force } : {}) },
        apply,
      );

    // Apply to create.
    const created = await patch(
      deployment(
        {
          replicas: 1,
          ...template({ name: 'app', image: 'nginx:1.27' }, { name: 'log', image: 'busybox' }),
        },
        { labels: { tier: 'web' } },
      ),
      'alice',
    );
    expect(created.metadata?.generation).toBe(1);
    expect(owners(created)).toEqual({
      'alice:Apply':
        '{"f:metadata":{"f:labels":{"f:tier":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"app\\"}":{".":{},"f:image":{},"f:name":{}},"k:{\\"name\\":\\"log\\"}":{".":{},"f:image":{},"f:name":{}}}}}}}',
    });
    expect(created.metadata?.managedFields?.[0]?.apiVersion).toBe('apps/v1');

    // Another manager changing alice's field: 409 with one cause per field.
    const conflict = await rejection(patch(deployment({ replicas: 2 }), 'bob'));
    expect(conflict).toMatchObject({
      kind: 'Status',
      code: 409,
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas',
      details: {
        causes: [
          {
            reason: 'FieldManagerConflict',
            message: 'conflict with "alice"',
            field: '.spec.replicas',
          },
        ],
      },
    });

    // The same value: no conflict, both own it.
    const shared = await patch(deployment({ replicas: 1 }), 'bob');
    expect(owners(shared)['bob:Apply']).toBe('{"f:spec":{"f:replicas":{}}}');
    expect(owners(shared)['alice:Apply']).toContain('"f:replicas":{}');

    // An Update (merge patch) takes the field from both appliers without a conflict...
    const edited = await apps.patchNamespacedDeployment(
      { name, namespace: ns, body: { spec: { replicas: 3 } }, fieldManager: 'editor' },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(owners(edited)['editor:Update']).toBe('{"f:spec":{"f:replicas":{}}}');
    expect(owners(edited)['bob:Apply']).toBeUndefined();
    expect(owners(edited)['alice:Apply']).not.toContain('f:replicas');

    // ...so applying it again conflicts with the Update entry (printed with its apiVersion), on
    // two fields at once.
    const two = await rejection(
      patch(
        deployment(
          {
            replicas: 1,
            ...template({ name: 'app', image: 'nginx:1.28' }, { name: 'log', image: 'busybox' }),
          },
          { labels: { tier: 'web' } },
        ),
        'carol',
      ),
    );
    expect(two.message).toBe(
      'Apply failed with 2 conflicts: conflicts with "alice":\n- .spec.template.spec.containers[name="app"].image\nconflicts with "editor" using apps/v1:\n- .spec.replicas',
    );
    expect(two.details?.causes).toEqual([
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "alice"',
        field: '.spec.template.spec.containers[name="app"].image',
      },
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "editor" using apps/v1',
        field: '.spec.replicas',
      },
    ]);

    // force=true takes the field (alice applies her whole configuration: what she leaves out of
    // an apply, she gives up).
    const forced = await patch(
      deployment(
        {
          replicas: 1,
          ...template({ name: 'app', image: 'nginx:1.27' }, { name: 'log', image: 'busybox' }),
        },
        { labels: { tier: 'web' } },
      ),
      'alice',
      true,
    );
    expect(forced.spec?.replicas).toBe(1);
    expect(owners(forced)['editor:Update']).toBeUndefined();

    // Associative lists merge by key: dave's container joins alice's.
    const sidecar = await patch(deployment(template({ name: 'sidecar', image: 'envoy' })), 'dave');
    expect(sidecar.spec?.template.spec?.containers.map((c) => c.name)).toEqual([
      'app',
      'log',
      'sidecar',
    ]);

    // alice stops applying the label and the log container she alone owned: both are removed;
    // dave's container and the fields dave co-owns stay.
    const removed = await patch(
      deployment({ replicas: 1, ...template({ name: 'app', image: 'nginx:1.27' }) }),
      'alice',
    );
    expect(removed.metadata?.labels).toBeUndefined();
    expect(removed.spec?.template.spec?.containers.map((c) => c.name)).toEqual(['app', 'sidecar']);
    expect(removed.metadata?.generation).toBe(5);

    // An apply that changes nothing stores nothing.
    const again = await patch(
      deployment({ replicas: 1, ...template({ name: 'app', image: 'nginx:1.27' }) }),
      'alice',
    );
    expect(again.metadata?.resourceVersion).toBe(removed.metadata?.resourceVersion);
  });

  it('answers a missing fieldManager, force on a non-apply patch and a mismatched kind as kube-apiserver does; takes YAML', async () => {
    server = await startApiServer();
    const url = `${server.url}/api/v1/namespaces/default/configmaps/c`;
    const send = async (query: string, body: string, ct = 'application/apply-patch+yaml') => {
      const res = await fetch(`${url}${query}`, {
        method: 'PATCH',
        headers: { 'Content-Type': ct },
        body,
      });
      return { status: res.status, body: (await res.json()) as Status & { data?: unknown } };
    };
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: "1"\n';
    expect(await send('', yaml)).toMatchObject({
      status: 422,
      body: {
        reason: 'Invalid',
        message:
          'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        details: {
          group: 'meta.k8s.io',
          kind: 'PatchOptions',
          causes: [
            {
              reason: 'FieldValueRequired',
              message: 'Required value: is required for apply patch',
              field: 'fieldManager',
            },
          ],
        },
      },
    });
    const created = await send('?fieldManager=m', yaml);
    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({ a: '1' });
    expect((await send('?fieldManager=m', yaml)).status).toBe(200);
    expect(
      await send('?force=true', '{"data":{"b":"2"}}', 'application/merge-patch+json'),
    ).toMatchObject({
      status: 422,
      body: {
        message:
          'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
      },
    });
    expect(
      await send('?fieldManager=m', 'apiVersion: v1\nkind: Secret\nmetadata: {name: c}\n'),
    ).toMatchObject({
      status: 400,
      body: { reason: 'BadRequest', message: 'invalid object type: /v1, Kind=Secret' },
    });
    expect(
      await send(
        '?fieldManager=m',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, managedFields: []}\n',
      ),
    ).toMatchObject({ status: 400, body: { message: 'metadata.managedFields must be nil' } });
  });

  it('applies a custom resource with its unknown fields deduced (maps granular, lists atomic) and through /status', async () => {
    server = await startApiServer();
    server.registerResource({
      group: 'example.com',
      version: 'v1',
      resource: 'widgets',
      kind: 'Widget',
      namespaced: true,
      statusSubresource: true,
    });
    const core = server.kubeConfig.makeApiClient(CoreV1Api);
    expect(core).toBeDefined();
    const url = `${server.url}/apis/example.com/v1/namespaces/default/widgets/w`;
    const send = async (suffix: string, body: unknown) => {
      const res = await fetch(`${url}${suffix}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/apply-patch+yaml' },
        body: JSON.stringify(body),
      });
      return (await res.json()) as {
        metadata: { managedFields: { manager: string; subresource?: string; fieldsV1: unknown }[] };
        status?: unknown;
      };
    };
    const w = await send('?fieldManager=me', {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
      spec: { size: 1, tags: ['a'], nested: { x: 1 } },
      status: { ignored: true },
    });
    expect(JSON.stringify(w.metadata.managedFields[0]!.fieldsV1)).toBe(
      '{"f:spec":{".":{},"f:nested":{".":{},"f:x":{}},"f:size":{},"f:tags":{}}}',
    );
    expect(w.status).toBeUndefined();
    const s = await send('/status?fieldManager=ctl', {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
      status: { ready: true },
    });
    expect(s.status).toEqual({ ready: true });
    expect(s.metadata.managedFields.find((e) => e.manager === 'ctl')).toEqual(
      expect.objectContaining({
        subresource: 'status',
        fieldsV1: { 'f:status': { '.': {}, 'f:ready': {} } },
      }),
    );
  });
});
