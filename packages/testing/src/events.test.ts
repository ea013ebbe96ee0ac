import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject, Status } from '@kubecache/core';
import { coreEventToV1, v1EventToCore } from './events.js';
import { startApiServer, type ApiServer } from './server.js';
import { openWatch, requestJson } from './test-support/http.js';

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

type Obj = KubeObject & Record<string, unknown>;

const v1Event = (name: string): Obj => ({
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name, namespace: 'ns' },
  eventTime: '2026-01-02T03:04:05.000000Z',
  reportingController: 'example.com/widget-controller',
  reportingInstance: 'widget-controller-0',
  action: 'Reconcile',
  reason: 'Scaled',
  regarding: { kind: 'Deployment', namespace: 'ns', name: 'web', apiVersion: 'apps/v1' },
  note: 'scaled to 3',
  type: 'Normal',
});

const post = (url: string, body: unknown) =>
  requestJson<Obj & Status>(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('events (core/v1 and events.k8s.io/v1 over one storage)', () => {
  it('an Event created through events.k8s.io/v1 is a core/v1 Event with the fields mapped, at the same resourceVersion, and a core watch sees it', async () => {
    const s = (server = await startApiServer());
    const w = openWatch(
      `${s.url}/api/v1/namespaces/ns/events?watch=1&resourceVersion=${s.resourceVersion()}`,
    );
    await w.response;
    const created = await post(
      `${s.url}/apis/events.k8s.io/v1/namespaces/ns/events`,
      v1Event('e1'),
    );
    expect(created.status).toBe(201);
    const core = await requestJson<Obj>(`${s.url}/api/v1/namespaces/ns/events/e1`);
    expect(core.status).toBe(200);
    const { metadata, ...fields } = core.body;
    expect(metadata?.uid).toBe(created.body.metadata?.uid);
    expect(metadata?.resourceVersion).toBe(created.body.metadata?.resourceVersion);
    expect(fields).toEqual({
      kind: 'Event',
      apiVersion: 'v1',
      involvedObject: { kind: 'Deployment', namespace: 'ns', name: 'web', apiVersion: 'apps/v1' },
      reason: 'Scaled',
      message: 'scaled to 3',
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
      type: 'Normal',
      eventTime: '2026-01-02T03:04:05.000000Z',
      action: 'Reconcile',
      reportingComponent: 'example.com/widget-controller',
      reportingInstance: 'widget-controller-0',
    });
    await w.waitFor((l) => l.length >= 1);
    w.close();
    expect(w.events().map((e) => [e.type, e.object.metadata?.name])).toEqual([['ADDED', 'e1']]);

    // And the other way round: a core/v1 Event (as kubelet's recorder writes it) in events.k8s.io/v1.
    const legacy = await post(`${s.url}/api/v1/namespaces/ns/events`, {
      metadata: { name: 'e2', namespace: 'ns' },
      involvedObject: { kind: 'Pod', namespace: 'ns', name: 'p' },
      reason: 'Pulled',
      message: 'pulled',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: '2026-01-02T03:04:05Z',
      lastTimestamp: '2026-01-02T03:05:05Z',
      count: 2,
      type: 'Normal',
    });
    expect(legacy.status).toBe(201);
    const viaV1 = await requestJson<Obj>(`${s.url}/apis/events.k8s.io/v1/namespaces/ns/events/e2`);
    expect(viaV1.body).toMatchObject({
      eventTime: null,
      regarding: { kind: 'Pod', namespace: 'ns', name: 'p' },
      note: 'pulled',
      deprecatedSource: { component: 'kubelet', host: 'node-1' },
      deprecatedFirstTimestamp: '2026-01-02T03:04:05Z',
      deprecatedLastTimestamp: '2026-01-02T03:05:05Z',
      deprecatedCount: 2,
    });
    // Deleting through one API removes it from both.
    await requestJson(`${s.url}/apis/events.k8s.io/v1/namespaces/ns/events/e2`, {
      method: 'DELETE',
    });
    expect((await requestJson(`${s.url}/api/v1/namespaces/ns/events/e2`)).status).toBe(404);
    const groups = await requestJson<{ groups: { name: string }[] }>(`${s.url}/apis`);
    expect(groups.body.groups.map((g) => g.name)).toContain('events.k8s.io');
  });

  it('validates creates as ValidateEventCreate: strictly through events.k8s.io/v1, legacy rules through core/v1', async () => {
    const s = (server = await startApiServer());
    const bad = await post(`${s.url}/apis/events.k8s.io/v1/namespaces/ns/events`, {
      ...v1Event('e'),
      eventTime: undefined,
      type: 'Odd',
      deprecatedCount: 3,
    });
    expect(bad.status).toBe(422);
    expect(bad.body.details?.causes?.map((c) => c.field)).toEqual(['eventTime', 'type', 'count']);
    expect(bad.body.message).toMatch(/^Event\.events\.k8s\.io "e" is invalid: /);
    const wrongNs = await post(`${s.url}/api/v1/namespaces/ns/events`, {
      metadata: { name: 'x' },
      involvedObject: { kind: 'Pod', namespace: 'other', name: 'p' },
    });
    expect(wrongNs.status).toBe(422);
    expect(wrongNs.body.message).toBe(
      'Event "x" is invalid: involvedObject.namespace: Invalid value: "other": does not match event.namespace',
    );
  });

  it('converts both ways without loss of the mapped fields', () => {
    const v1 = v1Event('r');
    expect(coreEventToV1(v1EventToCore(v1))).toEqual({
      ...v1,
      deprecatedSource: {},
      deprecatedFirstTimestamp: null,
      deprecatedLastTimestamp: null,
    });
  });
});
