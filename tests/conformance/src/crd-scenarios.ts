// CustomResourceDefinitions created through the API, as `kubectl apply -f crd.yaml` and
// controller-runtime's envtest install them: the definition is established (status condition
// `Established` True), its resource is served, and server-side apply merges its objects as the
// definition's openAPIV3Schema says — a `x-kubernetes-list-type: map` list item by item by its key
// between two managers, with conflicts per key; a list without a list type atomic.
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { expect } from 'vitest';
import type { KubeObject, Status } from '@kubecache/core';
import type { RegisterScenario } from './lease-scenarios.js';

const applyHeader = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

/** `manager operation apiVersion fieldsV1-as-JSON` per managedFields entry, in stored order. */
const entries = (o: KubeObject): string[] =>
  (
    (o.metadata?.managedFields ?? []) as {
      manager?: string;
      operation?: string;
      apiVersion?: string;
      fieldsV1?: unknown;
    }[]
  ).map((e) => `${e.manager} ${e.operation} ${e.apiVersion} ${JSON.stringify(e.fieldsV1)}`);

/** The Status body of a rejected client-node call. */
async function rejection(p: Promise<unknown>): Promise<Status> {
  try {
    await p;
  } catch (err) {
    return JSON.parse((err as { body: string }).body) as Status;
  }
  throw new Error('the call succeeded');
}

/** Registers the CustomResourceDefinition scenarios. */
export function defineCrdScenarios(scenario: RegisterScenario): void {
  scenario(
    'a CustomResourceDefinition created through the API is Established; server-side apply merges its list-type map list by key between two managers, conflicts per key, and replaces an atomic list whole',
    async (tt) => {
      const suffix = tt.namespace.slice(tt.namespace.lastIndexOf('-') + 1);
      const group = 'conformance.kubecache.dev';
      const plural = `maplists${suffix}`;
      const kind = `MapList${suffix}`;
      const name = `${plural}.${group}`;
      const ext = tt.kubeConfig.makeApiClient(ApiextensionsV1Api);
      const created = await ext.createCustomResourceDefinition({
        body: {
          metadata: { name },
          spec: {
            group,
            scope: 'Namespaced',
            names: { plural, kind },
            versions: [
              {
                name: 'v1',
                served: true,
                storage: true,
                schema: {
                  openAPIV3Schema: {
                    type: 'object',
                    properties: {
                      spec: {
                        type: 'object',
                        properties: {
                          ports: {
                            type: 'array',
                            x_kubernetes_list_type: 'map',
                            x_kubernetes_list_map_keys: ['name'],
                            items: {
                              type: 'object',
                              required: ['name'],
                              properties: {
                                name: { type: 'string' },
                                port: { type: 'integer' },
                              },
                            },
                          },
                          tags: { type: 'array', items: { type: 'string' } },
                        },
                      },
                    },
                  },
                },
              },
            ],
          },
        },
      });
      expect(created.spec.names.singular).toBe(kind.toLowerCase());
      expect(created.spec.names.listKind).toBe(`${kind}List`);
      expect(created.status?.storedVersions).toEqual(['v1']);
      try {
        const t0 = Date.now();
        for (;;) {
          const got = await ext.readCustomResourceDefinition({ name });
          const conditions = got.status?.conditions ?? [];
          if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) {
            expect(conditions.find((c) => c.type === 'NamesAccepted')?.status).toBe('True');
            expect(got.status?.acceptedNames).toMatchObject({ plural, kind });
            break;
          }
          if (Date.now() - t0 > 30_000) throw new Error(`CRD ${name} not established after 30 s`);
          await new Promise((r) => setTimeout(r, 200));
        }

        const api = tt.kubeConfig.makeApiClient(CustomObjectsApi);
        const at = { group, version: 'v1', plural, namespace: tt.namespace, name: 'm' };
        const body = (spec: Record<string, unknown>) => ({
          apiVersion: `${group}/v1`,
          kind,
          metadata: { name: 'm' },
          spec,
        });
        const apply = (manager: string, spec: Record<string, unknown>, force = false) =>
          api.patchNamespacedCustomObject(
            { ...at, body: body(spec), fieldManager: manager, ...(force ? { force } : {}) },
            applyHeader,
          ) as Promise<KubeObject>;
        // The handler may lag the Established condition briefly on a real cluster.
        let first: KubeObject | undefined;
        for (let i = 0; first === undefined; i++) {
          try {
            first = await apply('a', { ports: [{ name: 'http', port: 80 }], tags: ['x'] });
          } catch (err) {
            if (i >= 50) throw err;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
        const av = `${group}/v1`;
        const merged = await apply('b', { ports: [{ name: 'metrics', port: 9090 }] });
        expect((merged as { spec?: unknown }).spec).toEqual({
          ports: [
            { name: 'http', port: 80 },
            { name: 'metrics', port: 9090 },
          ],
          tags: ['x'],
        });
        expect(entries(merged)).toEqual([
          `a Apply ${av} {"f:spec":{"f:ports":{"k:{\\"name\\":\\"http\\"}":{".":{},"f:name":{},"f:port":{}}},"f:tags":{}}}`,
          `b Apply ${av} {"f:spec":{"f:ports":{"k:{\\"name\\":\\"metrics\\"}":{".":{},"f:name":{},"f:port":{}}}}}`,
        ]);

        const clash = await rejection(
          apply('b', {
            ports: [
              { name: 'metrics', port: 9090 },
              { name: 'http', port: 8080 },
            ],
          }),
        );
        expect(clash).toMatchObject({
          code: 409,
          reason: 'Conflict',
          message: 'Apply failed with 1 conflict: conflict with "a": .spec.ports[name="http"].port',
        });
        const atomic = await rejection(
          apply('b', { ports: [{ name: 'metrics', port: 9090 }], tags: ['y'] }),
        );
        expect(atomic.message).toBe('Apply failed with 1 conflict: conflict with "a": .spec.tags');
        const forced = await apply(
          'b',
          { ports: [{ name: 'metrics', port: 9090 }], tags: ['y'] },
          true,
        );
        expect((forced as { spec?: { tags?: unknown } }).spec?.tags).toEqual(['y']);

        // a stops applying its port: only that key's item goes.
        const dropped = await apply('a', {});
        expect((dropped as { spec?: unknown }).spec).toEqual({
          ports: [{ name: 'metrics', port: 9090 }],
          tags: ['y'],
        });
      } finally {
        await ext.deleteCustomResourceDefinition({ name });
      }
    },
    90_000,
  );
}
