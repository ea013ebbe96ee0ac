import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject, Status } from '@kubecache/core';
import { eventually } from './eventually.js';
import { makeConfigMap } from './fixtures.js';
import { startApiServer, type ApiServer } from './server.js';
import { openWatch, requestJson } from './test-support/http.js';

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const cm = (name: string, extra: Partial<NonNullable<KubeObject['metadata']>> = {}): KubeObject => {
  const o = makeConfigMap({ namespace: 'ns', name });
  return { ...o, metadata: { ...o.metadata, ...extra } };
};
const ownedBy = (owner: KubeObject) => ({
  ownerReferences: [
    { apiVersion: 'v1', kind: 'ConfigMap', name: owner.metadata!.name!, uid: owner.metadata!.uid! },
  ],
});
const del = (s: ApiServer, name: string, body?: unknown) =>
  requestJson<KubeObject & Status>(`${s.url}/api/v1/namespaces/ns/configmaps/${name}`, {
    method: 'DELETE',
    ...(body !== undefined
      ? { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }
      : {}),
  });

describe('finalizers and deletionTimestamp', () => {
  it('marks an object with finalizers as deleting (MODIFIED) and removes it (DELETED) with its last finalizer', async () => {
    const s = (server = await startApiServer());
    s.create('configmaps', cm('f', { finalizers: ['example.com/a', 'example.com/b'] }));
    const w = openWatch(
      `${s.url}/api/v1/namespaces/ns/configmaps?watch=1&resourceVersion=${s.resourceVersion()}`,
    );
    await w.response;
    const deleting = await del(s, 'f');
    expect(deleting.status).toBe(200);
    expect(deleting.body.metadata?.deletionTimestamp).toMatch(/Z$/);
    expect(
      (deleting.body.metadata as { deletionGracePeriodSeconds?: number })
        .deletionGracePeriodSeconds,
    ).toBe(0);
    // ConfigMaps have no generation, so being marked deleting does not give them one.
    expect(deleting.body.metadata?.generation).toBeUndefined();
    // A second DELETE changes nothing.
    expect((await del(s, 'f')).body.metadata?.resourceVersion).toBe(
      deleting.body.metadata?.resourceVersion,
    );
    const url = `${s.url}/api/v1/namespaces/ns/configmaps/f`;
    const patch = (body: unknown) =>
      requestJson<KubeObject & Status>(url, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify(body),
      });
    // No new finalizers on an object being deleted (ValidateNoNewFinalizers).
    const added = await patch({
      metadata: { finalizers: ['example.com/a', 'example.com/b', 'example.com/c'] },
    });
    expect(added.status).toBe(422);
    expect(added.body.message).toContain(
      'no new finalizers can be added if the object is being deleted',
    );
    expect(added.body.details?.causes?.[0]?.field).toBe('metadata.finalizers');
    const one = await patch({ metadata: { finalizers: ['example.com/b'] } });
    expect(one.body.metadata?.deletionTimestamp).toBe(deleting.body.metadata?.deletionTimestamp);
    expect((await patch({ metadata: { finalizers: null } })).status).toBe(200);
    expect(s.get('configmaps', 'ns', 'f')).toBeUndefined();
    await w.waitFor((l) => l.length >= 3);
    w.close();
    expect(w.events().map((e) => e.type)).toEqual(['MODIFIED', 'MODIFIED', 'DELETED']);
    expect(w.events()[2]?.object.metadata?.deletionTimestamp).toBeDefined();
  });
});

describe('owner-reference garbage collection', () => {
  it('deletes dependents of a deleted owner in the background, respecting their finalizers', async () => {
    const s = (server = await startApiServer());
    const owner = s.create('configmaps', cm('owner'));
    s.create('configmaps', cm('dep-1', ownedBy(owner)));
    s.create('configmaps', cm('dep-2', { ...ownedBy(owner), finalizers: ['example.com/keep'] }));
    s.create('configmaps', cm('grandchild', ownedBy(s.get('configmaps', 'ns', 'dep-1')!)));
    s.create('configmaps', cm('unrelated'));
    expect((await del(s, 'owner')).status).toBe(200);
    await eventually(() => {
      expect(s.get('configmaps', 'ns', 'dep-1')).toBeUndefined();
      expect(s.get('configmaps', 'ns', 'grandchild')).toBeUndefined();
      expect(s.get('configmaps', 'ns', 'dep-2')?.metadata?.deletionTimestamp).toBeDefined();
    });
    expect(s.get('configmaps', 'ns', 'unrelated')).toBeDefined();
  });

  it('orphans dependents with propagationPolicy Orphan: the ownerReference is removed, the dependent stays', async () => {
    const s = (server = await startApiServer());
    const owner = s.create('configmaps', cm('owner'));
    const other = s.create('configmaps', cm('other-owner'));
    s.create(
      'configmaps',
      cm('dep', {
        ownerReferences: [...ownedBy(owner).ownerReferences, ...ownedBy(other).ownerReferences],
      }),
    );
    const res = await del(s, 'owner', { propagationPolicy: 'Orphan' });
    expect(res.body.metadata?.finalizers).toEqual(['orphan']);
    await eventually(() => expect(s.get('configmaps', 'ns', 'owner')).toBeUndefined());
    const dep = s.get('configmaps', 'ns', 'dep');
    expect(dep?.metadata?.ownerReferences?.map((o) => o.name)).toEqual(['other-owner']);
    // The query parameter works too, and a programmatic delete takes the same option.
    s.create('configmaps', cm('dep-2', ownedBy(other)));
    s.delete('configmaps', 'ns', 'other-owner', { propagationPolicy: 'Orphan' });
    await eventually(() => expect(s.get('configmaps', 'ns', 'other-owner')).toBeUndefined());
    expect(s.get('configmaps', 'ns', 'dep')?.metadata?.ownerReferences).toBeUndefined();
    expect(s.get('configmaps', 'ns', 'dep-2')).toBeDefined();
  });

  it('deletes in the foreground: the owner waits with foregroundDeletion until its dependents are gone', async () => {
    const s = (server = await startApiServer());
    const owner = s.create('configmaps', cm('owner'));
    s.create('configmaps', cm('dep', { ...ownedBy(owner), finalizers: ['example.com/slow'] }));
    const res = await requestJson<KubeObject>(
      `${s.url}/api/v1/namespaces/ns/configmaps/owner?propagationPolicy=Foreground`,
      { method: 'DELETE' },
    );
    expect(res.body.metadata?.finalizers).toEqual(['foregroundDeletion']);
    await eventually(() =>
      expect(s.get('configmaps', 'ns', 'dep')?.metadata?.deletionTimestamp).toBeDefined(),
    );
    expect(s.get('configmaps', 'ns', 'owner')).toBeDefined();
    s.patch('configmaps', 'ns', 'dep', { metadata: { finalizers: null } });
    await eventually(() => expect(s.get('configmaps', 'ns', 'owner')).toBeUndefined());
  });

  it('collects a dependent created pointing at an owner uid that does not exist (deleted before, or never there), keeps one whose owner exists', async () => {
    const s = (server = await startApiServer());
    const owner = s.create('configmaps', cm('owner'));
    // The owner is deleted first; a dependent created afterwards still names its uid.
    const gone = s.create('configmaps', cm('gone'));
    s.delete('configmaps', 'ns', 'gone');
    const post = (body: KubeObject) =>
      requestJson<KubeObject>(`${s.url}/api/v1/namespaces/ns/configmaps`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(cm('orphaned', ownedBy(gone)))).status).toBe(201);
    // An owner of that name exists again, but with another uid: still dangling.
    s.create('configmaps', cm('gone'));
    expect((await post(cm('stale-uid', ownedBy(gone)))).status).toBe(201);
    expect(
      (
        await post(
          cm('never', {
            ownerReferences: [
              { apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: 'no-such-uid' },
            ],
          }),
        )
      ).status,
    ).toBe(201);
    expect((await post(cm('owned', ownedBy(owner)))).status).toBe(201);
    // A kind the server does not serve cannot be looked up: kept, as the real collector keeps it.
    expect(
      (
        await post(
          cm('unmapped', {
            ownerReferences: [
              { apiVersion: 'example.com/v1', kind: 'Gadget', name: 'g', uid: 'gadget-uid' },
            ],
          }),
        )
      ).status,
    ).toBe(201);
    await eventually(() => {
      expect(s.get('configmaps', 'ns', 'orphaned')).toBeUndefined();
      expect(s.get('configmaps', 'ns', 'stale-uid')).toBeUndefined();
      expect(s.get('configmaps', 'ns', 'never')).toBeUndefined();
    });
    expect(s.get('configmaps', 'ns', 'owned')).toBeDefined();
    expect(s.get('configmaps', 'ns', 'unmapped')).toBeDefined();
  });

  it('removes only the dangling reference of a dependent that still has another owner', async () => {
    const s = (server = await startApiServer());
    const a = s.create('configmaps', cm('a'));
    const b = s.create('configmaps', cm('b'));
    s.create(
      'configmaps',
      cm('dep', {
        ownerReferences: [...ownedBy(a).ownerReferences, ...ownedBy(b).ownerReferences],
      }),
    );
    s.delete('configmaps', 'ns', 'a');
    await eventually(() =>
      expect(
        s.get('configmaps', 'ns', 'dep')?.metadata?.ownerReferences?.map((o) => o.name),
      ).toEqual(['b']),
    );
    s.delete('configmaps', 'ns', 'b');
    await eventually(() => expect(s.get('configmaps', 'ns', 'dep')).toBeUndefined());
  });

  it('answers 409 when a delete precondition does not hold', async () => {
    const s = (server = await startApiServer());
    s.create('configmaps', cm('c'));
    const res = await del(s, 'c', { preconditions: { uid: 'not-the-uid' } });
    expect(res.status).toBe(409);
    expect(res.body.message).toContain('Precondition failed');
  });
});
