// managedFields and server-side apply, as kube-apiserver's field manager records and answers
// them: Update entries per manager for each kind of write (create, update, each patch type,
// /status, /scale), the reset with `managedFields: []`, and an apply sequence — create,
// conflict (409 with one cause per field), shared ownership, force, removal of fields a manager
// stops applying, associative lists merged by key. ConfigMaps and a custom resource that
// preserves unknown fields carry no defaults, so their entries are compared exactly on any target.
import {
  AppsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
  type V1Deployment,
} from '@kubernetes/client-node';
import { expect } from 'vitest';
import type { KubeObject, Status } from '@kubecache/core';
import type { RegisterScenario } from './lease-scenarios.js';

interface Entry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: Date | string;
  fieldsType?: string;
  fieldsV1?: unknown;
  subresource?: string;
}

/** `manager[/subresource] operation apiVersion fieldsV1-as-JSON` per entry, in stored order. */
const entries = (o: { metadata?: { managedFields?: unknown[] } | undefined }): string[] =>
  ((o.metadata?.managedFields ?? []) as Entry[]).map(
    (e) =>
      `${e.manager}${e.subresource ? `/${e.subresource}` : ''} ${e.operation} ${e.apiVersion} ${JSON.stringify(e.fieldsV1)}`,
  );

const asHeader = (ct: string) => setHeaderOptions('Content-Type', ct);
const applyHeader = asHeader(PatchStrategy.ServerSideApply);

/** The Status body of a rejected client-node call. */
async function rejection(p: Promise<unknown>): Promise<Status> {
  try {
    await p;
  } catch (err) {
    return JSON.parse((err as { body: string }).body) as Status;
  }
  throw new Error('the call succeeded');
}

const cm = (data: Record<string, string> | undefined, name = 'fm-ssa'): V1ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  ...(data !== undefined ? { data } : {}),
});

/** Registers the field manager scenarios. */
export function defineFieldManagerScenarios(scenario: RegisterScenario): void {
  scenario(
    'managedFields: create, update and each patch type record one Update entry per manager with the fields it set',
    async (tt) => {
      const ns = tt.namespace;
      const name = 'fm-writes';
      const created = await tt.core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name, labels: { app: 'x' } }, data: { k: 'v' } },
        fieldManager: 'a',
      });
      expect(entries(created)).toEqual([
        'a Update v1 {"f:data":{".":{},"f:k":{}},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}',
      ]);
      expect(String(created.metadata?.managedFields?.[0]?.fieldsType)).toBe('FieldsV1');
      const updated = await tt.core.replaceNamespacedConfigMap({
        namespace: ns,
        name,
        body: { ...created, data: { k: 'v2', j: 'w' } },
        fieldManager: 'b',
      });
      expect(entries(updated)).toEqual([
        'a Update v1 {"f:data":{},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}',
        'b Update v1 {"f:data":{"f:j":{},"f:k":{}}}',
      ]);
      await tt.core.patchNamespacedConfigMap(
        { namespace: ns, name, body: { data: { m: '1' } }, fieldManager: 'merge' },
        asHeader(PatchStrategy.MergePatch),
      );
      await tt.core.patchNamespacedConfigMap(
        { namespace: ns, name, body: { data: { s: '1' } }, fieldManager: 'strategic' },
        asHeader(PatchStrategy.StrategicMergePatch),
      );
      const last = await tt.core.patchNamespacedConfigMap(
        {
          namespace: ns,
          name,
          body: [{ op: 'add', path: '/data/j2', value: '1' }],
          fieldManager: 'json',
        },
        asHeader(PatchStrategy.JsonPatch),
      );
      expect([...entries(last)].sort()).toEqual([
        'a Update v1 {"f:data":{},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}',
        'b Update v1 {"f:data":{"f:j":{},"f:k":{}}}',
        'json Update v1 {"f:data":{"f:j2":{}}}',
        'merge Update v1 {"f:data":{"f:m":{}}}',
        'strategic Update v1 {"f:data":{"f:s":{}}}',
      ]);
    },
  );

  scenario(
    'managedFields: a write that omits them keeps them; managedFields: [] clears them',
    async (tt) => {
      const ns = tt.namespace;
      const created = await tt.core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'fm-reset' }, data: { k: 'v' } },
        fieldManager: 'a',
      });
      const { managedFields: _omitted, ...meta } = created.metadata ?? {};
      const kept = await tt.core.replaceNamespacedConfigMap({
        namespace: ns,
        name: 'fm-reset',
        body: { ...created, metadata: meta },
        fieldManager: 'b',
      });
      expect(entries(kept)).toEqual(['a Update v1 {"f:data":{".":{},"f:k":{}}}']);
      const cleared = await tt.core.replaceNamespacedConfigMap({
        namespace: ns,
        name: 'fm-reset',
        body: { ...kept, metadata: { ...kept.metadata, managedFields: [] } },
        fieldManager: 'b',
      });
      expect(cleared.metadata?.managedFields).toBeUndefined();
    },
  );

  scenario(
    'managedFields: a /status write of a custom resource gets subresource "status"; a /scale write subresource "scale"',
    async (tt) => {
      const crd = {
        group: 'conformance.kubecache.dev',
        version: 'v1',
        plural: 'fmwidgets',
        kind: 'FmWidget',
        statusSubresource: true,
      };
      const remove = await tt.registerCustomResource(crd);
      try {
        const api = tt.kubeConfig.makeApiClient(CustomObjectsApi);
        const at = {
          group: crd.group,
          version: crd.version,
          plural: crd.plural,
          namespace: tt.namespace,
        };
        let created: KubeObject | undefined;
        for (let i = 0; created === undefined; i++) {
          try {
            created = (await api.createNamespacedCustomObject({
              ...at,
              body: {
                apiVersion: `${crd.group}/${crd.version}`,
                kind: crd.kind,
                metadata: { name: 'w' },
                spec: { size: 1, tags: ['a'] },
              },
              fieldManager: 'creator',
            })) as KubeObject;
          } catch (err) {
            if (i >= 50) throw err;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
        expect(entries(created)).toEqual([
          'creator Update conformance.kubecache.dev/v1 {"f:spec":{".":{},"f:size":{},"f:tags":{}}}',
        ]);
        const status = (await api.patchNamespacedCustomObjectStatus(
          { ...at, name: 'w', body: { status: { ready: true } }, fieldManager: 'ctl' },
          asHeader(PatchStrategy.MergePatch),
        )) as KubeObject;
        expect(entries(status)).toEqual([
          'creator Update conformance.kubecache.dev/v1 {"f:spec":{".":{},"f:size":{},"f:tags":{}}}',
          'ctl/status Update conformance.kubecache.dev/v1 {"f:status":{".":{},"f:ready":{}}}',
        ]);
      } finally {
        await remove();
      }

      const apps = tt.kubeConfig.makeApiClient(AppsV1Api);
      await apps.createNamespacedDeployment({
        namespace: tt.namespace,
        body: {
          metadata: { name: 'fm-scale' },
          spec: {
            replicas: 0,
            selector: { matchLabels: { app: 'fm-scale' } },
            template: {
              metadata: { labels: { app: 'fm-scale' } },
              spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.9' }] },
            },
          },
        },
        fieldManager: 'creator',
      });
      await apps.patchNamespacedDeploymentScale(
        {
          namespace: tt.namespace,
          name: 'fm-scale',
          body: { spec: { replicas: 0 + 0 } },
          fieldManager: 'noop',
        },
        asHeader(PatchStrategy.MergePatch),
      );
      await apps.replaceNamespacedDeploymentScale({
        namespace: tt.namespace,
        name: 'fm-scale',
        body: { metadata: { name: 'fm-scale' }, spec: { replicas: 0 } },
        fieldManager: 'noop',
      });
      const scaled = await apps.patchNamespacedDeploymentScale(
        {
          namespace: tt.namespace,
          name: 'fm-scale',
          body: { spec: { replicas: 2 } },
          fieldManager: 'hpa',
        },
        asHeader(PatchStrategy.MergePatch),
      );
      expect(scaled.spec?.replicas).toBe(2);
      const d = await apps.readNamespacedDeployment({ namespace: tt.namespace, name: 'fm-scale' });
      const all = entries(d);
      // A write through /scale that changes nothing records nothing.
      expect(all.some((e) => e.startsWith('noop'))).toBe(false);
      expect(all).toContain('hpa/scale Update apps/v1 {"f:spec":{"f:replicas":{}}}');
      expect(all.find((e) => e.startsWith('creator '))).not.toContain('"f:replicas"');
    },
  );

  scenario(
    'server-side apply: create, 409 per conflicting field, shared ownership, force, removal of fields a manager stops applying',
    async (tt) => {
      const ns = tt.namespace;
      const name = 'fm-ssa';
      const apply = (body: V1ConfigMap, fieldManager: string, force?: boolean) =>
        tt.core.patchNamespacedConfigMap(
          { namespace: ns, name, body, fieldManager, ...(force !== undefined ? { force } : {}) },
          applyHeader,
        );
      const created = await apply(cm({ a: '1', b: '1' }), 'alice');
      expect(created.data).toEqual({ a: '1', b: '1' });
      expect(entries(created)).toEqual(['alice Apply v1 {"f:data":{"f:a":{},"f:b":{}}}']);

      const conflict = await rejection(apply(cm({ a: '2', b: '2', c: '2' }), 'bob'));
      expect(conflict).toMatchObject({
        code: 409,
        reason: 'Conflict',
        message: 'Apply failed with 2 conflicts: conflicts with "alice":\n- .data.a\n- .data.b',
        details: {
          causes: [
            { reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.data.a' },
            { reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.data.b' },
          ],
        },
      });

      // The same value is no conflict: both own .data.a.
      const shared = await apply(cm({ a: '1', c: '3' }), 'bob');
      expect(shared.data).toEqual({ a: '1', b: '1', c: '3' });
      expect([...entries(shared)].sort()).toEqual([
        'alice Apply v1 {"f:data":{"f:a":{},"f:b":{}}}',
        'bob Apply v1 {"f:data":{"f:a":{},"f:c":{}}}',
      ]);

      // An Update owner is printed with its apiVersion.
      await tt.core.patchNamespacedConfigMap(
        { namespace: ns, name, body: { data: { b: 'edited' } }, fieldManager: 'editor' },
        asHeader(PatchStrategy.MergePatch),
      );
      const one = await rejection(apply(cm({ a: '1', b: '1' }), 'alice'));
      expect(one.message).toBe(
        'Apply failed with 1 conflict: conflict with "editor" using v1: .data.b',
      );

      // force takes the field.
      const forced = await apply(cm({ a: '1', b: '1' }), 'alice', true);
      expect(forced.data?.b).toBe('1');
      expect(entries(forced).some((e) => e.startsWith('editor '))).toBe(false);

      // alice stops applying a (bob still owns it: kept) and b (hers alone: removed); owning
      // nothing, her entry goes.
      const pruned = await apply(cm(undefined), 'alice');
      expect(pruned.data).toEqual({ a: '1', c: '3' });
      expect(entries(pruned)).toEqual(['bob Apply v1 {"f:data":{"f:a":{},"f:c":{}}}']);
    },
  );

  scenario(
    'server-side apply: associative lists merge by key (a second applier adds a container; it is removed when that applier stops applying it)',
    async (tt) => {
      const apps = tt.kubeConfig.makeApiClient(AppsV1Api);
      const apply = (containers: { name: string; image: string }[], fieldManager: string) =>
        apps.patchNamespacedDeployment(
          {
            namespace: tt.namespace,
            name: 'fm-lists',
            body: {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              metadata: { name: 'fm-lists' },
              spec: {
                selector: { matchLabels: { app: 'fm-lists' } },
                template: { metadata: { labels: { app: 'fm-lists' } }, spec: { containers } },
              },
            } as V1Deployment,
            fieldManager,
          },
          applyHeader,
        );
      const pause = 'registry.k8s.io/pause:3.9';
      await apply([{ name: 'a', image: pause }], 'one');
      const two = await apply([{ name: 'b', image: pause }], 'two');
      expect(two.spec?.template.spec?.containers.map((c) => c.name)).toEqual(['a', 'b']);
      const back = await apply([], 'two');
      expect(back.spec?.template.spec?.containers.map((c) => c.name)).toEqual(['a']);
    },
  );

  scenario(
    'server-side apply without fieldManager: 422 from PatchOptions validation',
    async (tt) => {
      const status = await rejection(
        tt.core.patchNamespacedConfigMap(
          { namespace: tt.namespace, name: 'fm-nomanager', body: cm({ a: '1' }, 'fm-nomanager') },
          applyHeader,
        ),
      );
      expect(status).toMatchObject({
        code: 422,
        reason: 'Invalid',
        message:
          'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      });
    },
  );
}
