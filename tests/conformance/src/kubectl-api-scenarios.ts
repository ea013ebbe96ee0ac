// What kubectl and controllers lean on beyond list/watch: a Deployment's /scale subresource
// (kubectl scale), events shared by core/v1 and events.k8s.io/v1 (kubectl get events), Table
// watches (kubectl get -w), the 415 for a body in a media type the server does not take, and the
// garbage collection of a dependent whose owner uid does not exist. Raw HTTP where the wire form
// is the point (null fields, columnDefinitions, Status messages).
import { randomUUID } from 'node:crypto';
import { AppsV1Api, EventsV1Api, type V1Deployment } from '@kubernetes/client-node';
import { expect } from 'vitest';
import type { RegisterScenario } from './lease-scenarios.js';
import type { Target } from './target.js';

/** One raw request to the target (its auth and TLS applied); the body text and, when JSON, parsed. */
async function raw(
  tt: Target,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; lines?: number },
): Promise<{ code: number; text: string; lines: string[] }> {
  const https = await import('node:https');
  const http = await import('node:http');
  const cluster = tt.kubeConfig.getCurrentCluster()!;
  const url = new URL(cluster.server + path);
  const opts: Parameters<typeof https.request>[1] = {
    method: init.method ?? 'GET',
    headers: { Accept: 'application/json', ...init.headers },
  };
  await tt.kubeConfig.applyToHTTPSOptions(opts);
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, opts, (res) => {
      let text = '';
      const done = (): void =>
        resolve({ code: res.statusCode ?? 0, text, lines: text.split('\n').filter((l) => l) });
      res.on('data', (c: Buffer) => {
        text += c.toString();
        // A watch: stop once enough complete lines arrived.
        if (init.lines !== undefined && text.split('\n').length > init.lines) {
          req.destroy();
          done();
        }
      });
      res.on('end', done);
      res.on('error', () => done());
    });
    req.on('error', (e) => (init.lines !== undefined ? undefined : reject(e)));
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer to ${path} in 30 s`)));
    req.end(init.body);
  });
}

const deployment = (name: string): V1Deployment => ({
  metadata: { name, labels: { 'kubecache.dev/conformance': 'true' } },
  spec: {
    replicas: 0,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.9' }] },
    },
  },
});

async function until(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Registers the scale, events, Table watch, media type and dangling-owner scenarios. */
export function defineKubectlApiScenarios(scenario: RegisterScenario): void {
  scenario(
    "scale: a Deployment's /scale is an autoscaling/v1 Scale; PATCH and PUT write spec.replicas; a stale resourceVersion is 409",
    async (tt) => {
      const apps = tt.kubeConfig.makeApiClient(AppsV1Api);
      const ns = tt.namespace;
      await apps.createNamespacedDeployment({ namespace: ns, body: deployment('scaled') });
      const path = `/apis/apps/v1/namespaces/${ns}/deployments/scaled/scale`;
      const got = await raw(tt, path, {});
      expect(got.code).toBe(200);
      const scale = JSON.parse(got.text) as {
        kind: string;
        apiVersion: string;
        metadata: { name: string; resourceVersion: string };
        spec: { replicas?: number };
        status: { replicas: number; selector?: string };
      };
      expect(scale.kind).toBe('Scale');
      expect(scale.apiVersion).toBe('autoscaling/v1');
      expect(scale.metadata.name).toBe('scaled');
      // spec.replicas 0 is omitted (omitempty); status.replicas is always there.
      expect(scale.spec).toEqual({});
      expect(typeof scale.status.replicas).toBe('number');
      expect(scale.status.selector).toBe('app=scaled');
      const patched = await raw(tt, path, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ spec: { replicas: 1 } }),
      });
      expect(patched.code).toBe(200);
      expect((JSON.parse(patched.text) as typeof scale).spec.replicas).toBe(1);
      const d = await apps.readNamespacedDeployment({ namespace: ns, name: 'scaled' });
      expect(d.spec?.replicas).toBe(1);
      const stale = await raw(tt, path, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          apiVersion: 'autoscaling/v1',
          kind: 'Scale',
          metadata: {
            name: 'scaled',
            namespace: ns,
            resourceVersion: scale.metadata.resourceVersion,
          },
          spec: { replicas: 0 },
        }),
      });
      expect(stale.code).toBe(409);
      expect(JSON.parse(stale.text)).toMatchObject({ reason: 'Conflict' });
      const negative = await raw(tt, path, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ spec: { replicas: -1 } }),
      });
      expect(negative.code).toBe(422);
      await apps.patchNamespacedDeploymentScale({
        namespace: ns,
        name: 'scaled',
        body: [{ op: 'replace', path: '/spec/replicas', value: 0 }],
      });
    },
  );

  scenario(
    'events: an Event created through events.k8s.io/v1 reads back through core/v1 with the fields mapped (note → message, regarding → involvedObject, reportingController → reportingComponent)',
    async (tt) => {
      const ns = tt.namespace;
      const api = tt.kubeConfig.makeApiClient(EventsV1Api);
      const eventTime = new Date().toISOString().replace(/Z$/, '000Z');
      await api.createNamespacedEvent({
        namespace: ns,
        body: {
          metadata: { name: 'conformance.1' },
          eventTime: eventTime as unknown as Date,
          reportingController: 'kubecache.dev/conformance',
          reportingInstance: 'conformance-0',
          action: 'Check',
          reason: 'Checked',
          regarding: { kind: 'ConfigMap', namespace: ns, name: 'x', apiVersion: 'v1' },
          note: 'checked by the conformance suite',
          type: 'Normal',
        },
      });
      const got = await raw(tt, `/api/v1/namespaces/${ns}/events/conformance.1`, {});
      expect(got.code).toBe(200);
      const core = JSON.parse(got.text) as Record<string, unknown>;
      expect(core).toMatchObject({
        kind: 'Event',
        apiVersion: 'v1',
        involvedObject: { kind: 'ConfigMap', namespace: ns, name: 'x', apiVersion: 'v1' },
        reason: 'Checked',
        message: 'checked by the conformance suite',
        source: {},
        firstTimestamp: null,
        lastTimestamp: null,
        type: 'Normal',
        action: 'Check',
        reportingComponent: 'kubecache.dev/conformance',
        reportingInstance: 'conformance-0',
      });
      expect(core.count).toBeUndefined();
      const list = await raw(tt, `/api/v1/namespaces/${ns}/events`, {});
      expect(
        (JSON.parse(list.text) as { items: { metadata: { name: string } }[] }).items.map(
          (i) => i.metadata.name,
        ),
      ).toContain('conformance.1');
      // Strict validation through events.k8s.io/v1: eventTime is required.
      const bad = await raw(tt, `/apis/events.k8s.io/v1/namespaces/${ns}/events`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          metadata: { name: 'conformance.2' },
          reportingController: 'kubecache.dev/conformance',
          reportingInstance: 'conformance-0',
          action: 'Check',
          reason: 'Checked',
          type: 'Normal',
        }),
      });
      expect(bad.code).toBe(422);
      expect(
        (
          JSON.parse(bad.text) as { details?: { causes?: { field?: string }[] } }
        ).details?.causes?.map((c) => c.field),
      ).toContain('eventTime');
    },
  );

  scenario(
    'a Table watch (kubectl get -w) sends one-row Tables, columnDefinitions on the first event only',
    async (tt) => {
      const ns = tt.namespace;
      for (const name of ['tw-1', 'tw-2'])
        await tt.core.createNamespacedConfigMap({
          namespace: ns,
          body: { metadata: { name, labels: { set: 'table-watch' } }, data: { a: '1' } },
        });
      const w = await raw(
        tt,
        `/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=0&labelSelector=set%3Dtable-watch`,
        {
          headers: {
            Accept:
              'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
          },
          lines: 2,
        },
      );
      const events = w.lines.slice(0, 2).map(
        (l) =>
          JSON.parse(l) as {
            type: string;
            object: {
              kind: string;
              columnDefinitions: { name: string }[] | null;
              rows: { cells: unknown[] }[];
            };
          },
      );
      expect(events.map((e) => [e.type, e.object.kind])).toEqual([
        ['ADDED', 'Table'],
        ['ADDED', 'Table'],
      ]);
      expect(events[0]!.object.columnDefinitions?.map((c) => c.name)).toEqual([
        'Name',
        'Data',
        'Age',
      ]);
      expect(events[1]!.object.columnDefinitions).toBeNull();
      expect(events.map((e) => e.object.rows.map((r) => r.cells.slice(0, 2))).sort()).toEqual([
        [['tw-1', 1]],
        [['tw-2', 1]],
      ]);
    },
  );

  scenario(
    'a body in a media type the server does not take is 415 UnsupportedMediaType listing JSON, YAML and protobuf',
    async (tt) => {
      const res = await raw(tt, `/api/v1/namespaces/${tt.namespace}/configmaps`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/xml' },
        body: '<ConfigMap/>',
      });
      expect(res.code).toBe(415);
      const status = JSON.parse(res.text) as { reason: string; message: string };
      expect(status.reason).toBe('UnsupportedMediaType');
      expect(status.message).toMatch(
        /^the body of the request was in an unknown format - accepted media types include: application\/json, application\/yaml, application\/vnd\.kubernetes\.protobuf/,
      );
    },
  );

  scenario(
    'garbage collection: a dependent created pointing at an owner uid that does not exist is deleted; one with an existing owner stays',
    async (tt) => {
      const ns = tt.namespace;
      const owner = await tt.core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'gc-owner' } },
      });
      const ref = (name: string, uid: string) => [
        { apiVersion: 'v1', kind: 'ConfigMap', name, uid },
      ];
      await tt.core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'gc-dangling', ownerReferences: ref('gc-ghost', randomUUID()) } },
      });
      await tt.core.createNamespacedConfigMap({
        namespace: ns,
        body: {
          metadata: { name: 'gc-kept', ownerReferences: ref('gc-owner', owner.metadata!.uid!) },
        },
      });
      await until(
        async () =>
          (await raw(tt, `/api/v1/namespaces/${ns}/configmaps/gc-dangling`, {})).code === 404,
        60_000,
        'the dependent of a missing owner to be collected',
      );
      expect((await raw(tt, `/api/v1/namespaces/${ns}/configmaps/gc-kept`, {})).code).toBe(200);
    },
    90_000,
  );
}
