import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { defineResource, isAbortError, silentLogger, type KubeObject } from '@kubecache/core';
import { configMapsResource, deploymentsResource, type Deployment } from '@kubecache/informer';
import {
  isApiStatusError,
  isBadRequest,
  isConflict,
  isInvalid,
  isNotFound,
} from '@kubecache/listwatch';
import { startApiServer, type ApiServer } from '@kubecache/testing';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient, type Client, type ClientWriteEvent } from './client.js';
import { jsonPatch, mergePatch, strategicMergePatch } from './client-patch.js';
import { isAlreadyExistsError } from './errors.js';

interface Gadget extends KubeObject {
  spec?: { size?: number; tags?: string[] };
  status?: { phase?: string };
}

const Gadget = defineResource<Gadget>({
  group: 'example.com',
  version: 'v1',
  kind: 'Gadget',
  plural: 'gadgets',
  namespaced: true,
  statusSubresource: true,
});

const gadget = (name: string, size = 1): Gadget => ({
  metadata: { name, namespace: 'default' },
  spec: { size },
});

describe('createClient against @kubecache/testing', () => {
  let server: ApiServer;
  let client: Client;
  const writes: ClientWriteEvent[] = [];

  beforeAll(async () => {
    server = await startApiServer();
    server.registerResource(Gadget);
    client = createClient(server.kubeConfig, {
      fieldManager: 'gadget-controller',
      onWrite: (e) => writes.push(e),
    });
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  it('creates, gets, updates and sees a stale update as a conflict (custom resource)', async () => {
    const created = await client.create(Gadget, gadget('a', 1));
    expect(created).toMatchObject({
      apiVersion: 'example.com/v1',
      kind: 'Gadget',
      metadata: { name: 'a', namespace: 'default' },
      spec: { size: 1 },
    });
    const rv1 = created.metadata?.resourceVersion;
    expect(rv1).toMatch(/^\d+$/);
    expect(writes.at(-1)).toMatchObject({
      verb: 'create',
      namespace: 'default',
      name: 'a',
      resourceVersion: rv1,
      subresource: undefined,
      resource: Gadget,
    });

    const got = await client.get(Gadget, { namespace: 'default', name: 'a' });
    expect(got.spec).toEqual({ size: 1 });

    const updated = await client.update(Gadget, { ...got, spec: { size: 2 } });
    expect(updated.spec).toEqual({ size: 2 });
    expect(updated.metadata?.resourceVersion).not.toBe(rv1);
    expect(writes.at(-1)).toMatchObject({
      verb: 'update',
      resourceVersion: updated.metadata?.resourceVersion,
    });

    const stale = await client
      .update(Gadget, { ...got, spec: { size: 3 } })
      .catch((e: unknown) => e);
    expect(isApiStatusError(stale)).toBe(true);
    expect(isConflict(stale)).toBe(true);
    expect(stale).toMatchObject({ code: 409, reason: 'Conflict' });
  });

  it('creating a taken name is AlreadyExists; a missing object is NotFound', async () => {
    await client.create(Gadget, gadget('dup'));
    const dup = await client.create(Gadget, gadget('dup')).catch((e: unknown) => e);
    expect(isAlreadyExistsError(dup)).toBe(true);
    expect(isConflict(dup)).toBe(false);

    const missing = await client
      .get(Gadget, { namespace: 'default', name: 'nope' })
      .catch((e: unknown) => e);
    expect(isNotFound(missing)).toBe(true);
    expect((missing as { status: { kind?: string } }).status.kind).toBe('Status');
    const patchMissing = await client
      .patch(Gadget, { namespace: 'default', name: 'nope' }, mergePatch({ spec: { size: 1 } }))
      .catch((e: unknown) => e);
    expect(isNotFound(patchMissing)).toBe(true);
  });

  it('patches with a merge patch, a JSON patch and a strategic merge patch', async () => {
    const created = await client.create(Gadget, {
      ...gadget('p', 1),
      spec: { size: 1, tags: ['x'] },
    });
    const merged = await client.patch(
      Gadget,
      { namespace: 'default', name: 'p' },
      mergePatch({ spec: { size: 5 } }),
    );
    expect(merged.spec).toEqual({ size: 5, tags: ['x'] });
    expect(writes.at(-1)).toMatchObject({
      verb: 'patch',
      name: 'p',
      resourceVersion: merged.metadata?.resourceVersion,
    });

    const patched = await client.patch(
      Gadget,
      { namespace: 'default', name: 'p' },
      jsonPatch([
        { op: 'test', path: '/spec/size', value: 5 },
        { op: 'add', path: '/spec/tags/-', value: 'y' },
      ]),
    );
    expect(patched.spec).toEqual({ size: 5, tags: ['x', 'y'] });

    const failedTest = await client
      .patch(
        Gadget,
        { namespace: 'default', name: 'p' },
        jsonPatch([{ op: 'test', path: '/spec/size', value: 99 }]),
      )
      .catch((e: unknown) => e);
    expect(isApiStatusError(failedTest)).toBe(true);
    expect(isInvalid(failedTest) || isBadRequest(failedTest)).toBe(true);

    const strategic = await client.patch(
      Gadget,
      { namespace: 'default', name: 'p' },
      strategicMergePatch({ metadata: { labels: { app: 'g' } } }),
    );
    expect(strategic.metadata?.labels).toEqual({ app: 'g' });

    // A resourceVersion in a merge patch is a precondition.
    const stale = await client
      .patch(
        Gadget,
        { namespace: 'default', name: 'p' },
        mergePatch({ metadata: { resourceVersion: created.metadata?.resourceVersion } }),
      )
      .catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
  });

  it('writes the /status subresource with updateStatus and patchStatus', async () => {
    const created = await client.create(Gadget, gadget('s', 1));
    const status = await client.updateStatus(Gadget, {
      ...created,
      spec: { size: 100 },
      status: { phase: 'Ready' },
    });
    expect(status.status).toEqual({ phase: 'Ready' });
    expect(status.spec).toEqual({ size: 1 }); // spec is not written through /status
    expect(writes.at(-1)).toMatchObject({
      verb: 'update',
      subresource: 'status',
      resourceVersion: status.metadata?.resourceVersion,
    });

    const patched = await client.patchStatus(
      Gadget,
      { namespace: 'default', name: 's' },
      mergePatch({ status: { phase: 'Done' } }),
    );
    expect(patched.status).toEqual({ phase: 'Done' });
    expect(writes.at(-1)).toMatchObject({ verb: 'patch', subresource: 'status' });

    const stale = await client
      .updateStatus(Gadget, { ...created, status: { phase: 'Old' } })
      .catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
  });

  it('deletes with preconditions, and reports the deletion', async () => {
    const created = await client.create(Gadget, gadget('d', 1));
    const key = { namespace: 'default', name: 'd' };
    const wrongUid = await client
      .delete(Gadget, key, { preconditions: { uid: 'not-the-uid' } })
      .catch((e: unknown) => e);
    expect(isConflict(wrongUid)).toBe(true);
    const wrongRv = await client
      .delete(Gadget, key, { preconditions: { resourceVersion: '1' } })
      .catch((e: unknown) => e);
    expect(isConflict(wrongRv)).toBe(true);

    const deleted = await client.delete(Gadget, key, {
      propagationPolicy: 'Background',
      preconditions: {
        uid: created.metadata?.uid,
        resourceVersion: created.metadata?.resourceVersion,
      },
    });
    expect(deleted?.metadata?.name).toBe('d');
    expect(writes.at(-1)).toMatchObject({ verb: 'delete', name: 'd', namespace: 'default' });
    expect(isNotFound(await client.get(Gadget, key).catch((e: unknown) => e))).toBe(true);
    expect(isNotFound(await client.delete(Gadget, key).catch((e: unknown) => e))).toBe(true);
  });

  it('keeps an object with a finalizer until it is removed (delete answers it with deletionTimestamp)', async () => {
    await client.create(Gadget, {
      ...gadget('f', 1),
      metadata: { name: 'f', namespace: 'default', finalizers: ['example.com/hold'] },
    });
    const key = { namespace: 'default', name: 'f' };
    const deleting = await client.delete(Gadget, key);
    expect(deleting?.metadata?.deletionTimestamp).toBeDefined();
    await client.patch(Gadget, key, mergePatch({ metadata: { finalizers: null } }));
    expect(isNotFound(await client.get(Gadget, key).catch((e: unknown) => e))).toBe(true);
  });

  it('lists a namespace and all namespaces', async () => {
    await client.create(Gadget, { ...gadget('other'), metadata: { name: 'o', namespace: 'ns2' } });
    const inDefault = await client.list(Gadget, { namespace: 'default' });
    expect(inDefault.items.every((g) => g.metadata?.namespace === 'default')).toBe(true);
    expect(inDefault.metadata.resourceVersion).toMatch(/^\d+$/);
    const all = await client.list(Gadget);
    expect(all.items.map((g) => g.metadata?.namespace)).toContain('ns2');
  });

  it('works with built-ins: ConfigMap (strategic merge patch) and Deployment (status)', async () => {
    const cm = await client.create(configMapsResource, {
      metadata: { name: 'cm', namespace: 'default' },
      data: { a: '1' },
    });
    expect(cm).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { a: '1' } });
    const cm2 = await client.patch(
      configMapsResource,
      { namespace: 'default', name: 'cm' },
      strategicMergePatch({ data: { b: '2' } }),
    );
    expect(cm2.data).toEqual({ a: '1', b: '2' });
    const cm3 = await client.update(configMapsResource, { ...cm2, data: { c: '3' } });
    expect(cm3.data).toEqual({ c: '3' });
    expect(isConflict(await client.update(configMapsResource, cm).catch((e: unknown) => e))).toBe(
      true,
    );

    const dep: Deployment = {
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'app', image: 'nginx:1' }] },
        },
      },
    };
    const createdDep = await client.create(deploymentsResource, dep);
    expect(createdDep.kind).toBe('Deployment');
    const withSidecar = await client.patch(
      deploymentsResource,
      { namespace: 'default', name: 'web' },
      strategicMergePatch({
        spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:2' }] } } },
      }),
    );
    expect(withSidecar.spec?.template.spec?.containers.map((c) => c.image)).toEqual(['nginx:2']);
    const depStatus = await client.patchStatus(
      deploymentsResource,
      { namespace: 'default', name: 'web' },
      mergePatch({ status: { readyReplicas: 1 } }),
    );
    expect(depStatus.status?.readyReplicas).toBe(1);
    await client.delete(deploymentsResource, { namespace: 'default', name: 'web' });
    await client.delete(configMapsResource, { namespace: 'default', name: 'cm' });
  });

  it('rejects before any request for a missing name or namespace', async () => {
    await expect(client.get(Gadget, { name: 'a' })).rejects.toThrow(TypeError);
    await expect(client.get(Gadget, { namespace: 'default', name: '' })).rejects.toThrow(TypeError);
    await expect(
      client.create(Gadget, { metadata: { name: 'x' }, spec: { size: 1 } }),
    ).rejects.toThrow(/namespace is required/);
  });

  it('an aborted signal rejects with AbortedError', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await client
      .get(Gadget, { namespace: 'default', name: 'a' }, { signal: ac.signal })
      .catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
  });

  it('server-side apply against the testing server: create, a 409 Conflict naming the other manager, force, applyStatus', async () => {
    const applied = await client.apply(Gadget, {
      apiVersion: 'example.com/v1',
      kind: 'Gadget',
      metadata: { name: 'ssa', namespace: 'default' },
      spec: { size: 9 },
    });
    expect(applied.spec?.size).toBe(9);
    expect(applied.metadata?.managedFields).toEqual([
      expect.objectContaining({ manager: 'gadget-controller', operation: 'Apply' }),
    ]);
    const rival = { fieldManager: 'rival' };
    const conflict = await client
      .apply(
        Gadget,
        {
          apiVersion: 'example.com/v1',
          kind: 'Gadget',
          metadata: { name: 'ssa', namespace: 'default' },
          spec: { size: 3 },
        },
        rival,
      )
      .catch((e: unknown) => e);
    expect(isApiStatusError(conflict)).toBe(true);
    expect(conflict).toMatchObject({ code: 409, reason: 'Conflict' });
    expect((conflict as Error).message).toContain('conflict with "gadget-controller"');
    const forced = await client.apply(
      Gadget,
      {
        apiVersion: 'example.com/v1',
        kind: 'Gadget',
        metadata: { name: 'ssa', namespace: 'default' },
        spec: { size: 3 },
      },
      { ...rival, force: true },
    );
    expect(forced.spec?.size).toBe(3);
    const status = await client.applyStatus(Gadget, {
      apiVersion: 'example.com/v1',
      kind: 'Gadget',
      metadata: { name: 'ssa', namespace: 'default' },
      status: { phase: 'Ready' },
    });
    expect(status.status?.phase).toBe('Ready');
    expect(status.spec?.size).toBe(3);
  });
});

/** A raw HTTP server recording requests and answering with `answer(req, body)`. */
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function rawServer(
  answer: (seen: Seen, res: http.ServerResponse) => void,
): Promise<{ kubeConfig: KubeConfig; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(s);
      answer(s, res);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return {
    kubeConfig,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

const echo = (s: Seen, res: http.ServerResponse): void => {
  const obj = s.body !== '' ? (JSON.parse(s.body) as KubeObject) : {};
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ ...obj, metadata: { ...obj.metadata, resourceVersion: '42' } }));
};

describe('createClient: what goes on the wire', () => {
  it('apply sends PATCH application/apply-patch+yaml with fieldManager and force', async () => {
    const raw = await rawServer(echo);
    const writes: ClientWriteEvent[] = [];
    const client = createClient(raw.kubeConfig, { onWrite: (e) => writes.push(e) });
    try {
      const applied = await client.apply(
        Gadget,
        { metadata: { name: 'a', namespace: 'ns' }, spec: { size: 2 } },
        { fieldManager: 'gadget-ctl', force: true },
      );
      const req = raw.seen[0]!;
      expect(req.method).toBe('PATCH');
      expect(req.headers['content-type']).toBe('application/apply-patch+yaml');
      const url = new URL(req.url, 'http://x');
      expect(url.pathname).toBe('/apis/example.com/v1/namespaces/ns/gadgets/a');
      expect(Object.fromEntries(url.searchParams)).toEqual({
        fieldManager: 'gadget-ctl',
        force: 'true',
      });
      // apiVersion and kind are filled in: apply needs them in the body.
      expect(JSON.parse(req.body)).toEqual({
        apiVersion: 'example.com/v1',
        kind: 'Gadget',
        metadata: { name: 'a', namespace: 'ns' },
        spec: { size: 2 },
      });
      expect(applied.metadata?.resourceVersion).toBe('42');
      expect(writes).toMatchObject([{ verb: 'apply', name: 'a', resourceVersion: '42' }]);

      await client.applyStatus(
        Gadget,
        { metadata: { name: 'a', namespace: 'ns' }, status: { phase: 'Up' } },
        { fieldManager: 'gadget-ctl', dryRun: true },
      );
      const statusReq = new URL(raw.seen[1]!.url, 'http://x');
      expect(statusReq.pathname).toBe('/apis/example.com/v1/namespaces/ns/gadgets/a/status');
      expect(Object.fromEntries(statusReq.searchParams)).toEqual({
        fieldManager: 'gadget-ctl',
        dryRun: 'All',
      });
      expect(writes).toHaveLength(1); // the dry run is not reported
    } finally {
      client.close();
      await raw.close();
    }
  });

  it('apply without a fieldManager is a TypeError and sends nothing; the client-wide one is used', async () => {
    const raw = await rawServer(echo);
    const anonymous = createClient(raw.kubeConfig);
    const named = createClient(raw.kubeConfig, { fieldManager: 'team-a' });
    try {
      await expect(
        anonymous.apply(Gadget, { metadata: { name: 'a', namespace: 'ns' } }),
      ).rejects.toThrow(TypeError);
      expect(raw.seen).toHaveLength(0);
      await named.apply(Gadget, { metadata: { name: 'a', namespace: 'ns' } });
      expect(new URL(raw.seen[0]!.url, 'http://x').searchParams.get('fieldManager')).toBe('team-a');
      expect(new URL(raw.seen[0]!.url, 'http://x').searchParams.has('force')).toBe(false);
    } finally {
      anonymous.close();
      named.close();
      await raw.close();
    }
    expect(() => createClient(raw.kubeConfig, { fieldManager: '' })).toThrow(TypeError);
    expect(() => createClient(raw.kubeConfig, { fieldManager: 'x'.repeat(129) })).toThrow(
      TypeError,
    );
    expect(() => createClient(raw.kubeConfig, { fieldManager: 'é'.repeat(65) })).toThrow(
      /128 bytes/,
    );
  });

  it('sends each patch type with its content type, and the derived fieldManager', async () => {
    const raw = await rawServer(echo);
    const client = createClient(raw.kubeConfig, { userAgent: 'my-operator/v1.2 (linux/amd64)' });
    try {
      expect(client.fieldManager).toBe('my-operator');
      const key = { namespace: 'ns', name: 'cm' };
      await client.patch(configMapsResource, key, mergePatch({ data: { a: '1' } }));
      await client.patch(configMapsResource, key, strategicMergePatch({ data: { a: '1' } }));
      await client.patch(configMapsResource, key, jsonPatch([{ op: 'remove', path: '/data' }]), {
        dryRun: true,
      });
      await client.create(
        configMapsResource,
        { metadata: { name: 'x', namespace: 'ns' } },
        {
          fieldManager: 'explicit',
        },
      );
      expect(raw.seen.map((s) => [s.method, s.headers['content-type'], s.url])).toEqual([
        [
          'PATCH',
          'application/merge-patch+json',
          '/api/v1/namespaces/ns/configmaps/cm?fieldManager=my-operator',
        ],
        [
          'PATCH',
          'application/strategic-merge-patch+json',
          '/api/v1/namespaces/ns/configmaps/cm?fieldManager=my-operator',
        ],
        [
          'PATCH',
          'application/json-patch+json',
          '/api/v1/namespaces/ns/configmaps/cm?fieldManager=my-operator&dryRun=All',
        ],
        ['POST', 'application/json', '/api/v1/namespaces/ns/configmaps?fieldManager=explicit'],
      ]);
      expect(raw.seen[0]!.headers['user-agent']).toBe('my-operator/v1.2 (linux/amd64)');
      expect(JSON.parse(raw.seen[2]!.body)).toEqual([{ op: 'remove', path: '/data' }]);
    } finally {
      client.close();
      await raw.close();
    }
  });

  it('sends DeleteOptions in the body of a DELETE and returns undefined for a Status answer', async () => {
    const raw = await rawServer((_s, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Success', code: 200 }));
    });
    const writes: ClientWriteEvent[] = [];
    const client = createClient(raw.kubeConfig, { onWrite: (e) => writes.push(e) });
    try {
      const out = await client.delete(
        Gadget,
        { namespace: 'ns', name: 'a' },
        {
          propagationPolicy: 'Foreground',
          preconditions: { uid: 'u1', resourceVersion: '7' },
          gracePeriodSeconds: 0,
          dryRun: true,
        },
      );
      expect(out).toBeUndefined();
      expect(raw.seen[0]!.method).toBe('DELETE');
      expect(raw.seen[0]!.url).toBe('/apis/example.com/v1/namespaces/ns/gadgets/a');
      expect(JSON.parse(raw.seen[0]!.body)).toEqual({
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        propagationPolicy: 'Foreground',
        preconditions: { uid: 'u1', resourceVersion: '7' },
        gracePeriodSeconds: 0,
        dryRun: ['All'],
      });
      expect(writes).toHaveLength(0);
      await client.delete(Gadget, { namespace: 'ns', name: 'b' });
      expect(writes).toMatchObject([
        { verb: 'delete', name: 'b', resourceVersion: undefined, object: undefined },
      ]);
    } finally {
      client.close();
      await raw.close();
    }
  });

  it('aborting a request in flight rejects with AbortedError', async () => {
    const raw = await rawServer(() => undefined); // never answers
    const client = createClient(raw.kubeConfig);
    try {
      const ac = new AbortController();
      const pending = client.get(Gadget, { namespace: 'ns', name: 'a' }, { signal: ac.signal });
      await vi.waitFor(() => {
        expect(raw.seen).toHaveLength(1);
      });
      ac.abort();
      expect(isAbortError(await pending.catch((e: unknown) => e))).toBe(true);
    } finally {
      client.close();
      await raw.close();
    }
  });

  it('a non-Status error body becomes an ApiStatusError from the HTTP code', async () => {
    const raw = await rawServer((_s, res) => {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<html>not here</html>');
    });
    const client = createClient(raw.kubeConfig);
    try {
      const err = await client.get(Gadget, { namespace: 'ns', name: 'a' }).catch((e: unknown) => e);
      expect(isNotFound(err)).toBe(true);
      expect(err).toMatchObject({ code: 404, reason: 'NotFound' });
    } finally {
      client.close();
      await raw.close();
    }
  });

  it('an onWrite observer that throws does not fail the write', async () => {
    const raw = await rawServer(echo);
    const warned: unknown[] = [];
    const client = createClient(raw.kubeConfig, {
      onWrite: () => {
        throw new Error('observer bug');
      },
      logger: { ...silentLogger, warn: (o, m) => warned.push([o, m]) },
    });
    try {
      const out = await client.create(Gadget, gadget('a'));
      expect(out.metadata?.resourceVersion).toBe('42');
      expect(warned).toHaveLength(1);
      expect((warned[0] as unknown[])[1]).toBe('onWrite observer threw; ignored');
    } finally {
      client.close();
      await raw.close();
    }
  });
});
