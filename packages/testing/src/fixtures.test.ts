import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { makeConfigMap, makePod } from './fixtures.js';
import { startApiServer, type ApiServer } from './server.js';

const bytes = (o: unknown): number => Buffer.byteLength(JSON.stringify(o));

type FullPod = KubeObject & {
  spec: Record<string, unknown> & {
    volumes: { name: string }[];
    containers: (Record<string, unknown> & { volumeMounts: { name: string }[] })[];
  };
  status: { conditions: { type: string }[] } & Record<string, unknown>;
};

const withoutTime = (o: unknown): unknown[] =>
  (o as { time?: string }[]).map(({ time: _t, ...rest }) => rest);

/**
 * Writes `pod` over HTTP as a cluster does and returns the managedFields the server records:
 * kube-controller-manager creates it from its template (no node, admission fields or status),
 * the binding and admission complete it without a field manager, the kubelet PUTs /status.
 */
async function podLife(server: ApiServer, pod: KubeObject): Promise<unknown> {
  const full = pod as FullPod;
  const { managedFields: _m, ...metadata } = full.metadata!;
  const template = structuredClone({ ...full, metadata }) as FullPod;
  Reflect.deleteProperty(template, 'status');
  for (const f of ['nodeName', 'tolerations', 'serviceAccountName', 'priority', 'preemptionPolicy'])
    Reflect.deleteProperty(template.spec, f);
  template.spec.volumes = template.spec.volumes.filter((v) => v.name !== 'kube-api-access');
  for (const c of template.spec.containers)
    c.volumeMounts = c.volumeMounts.filter((m) => m.name !== 'kube-api-access');
  const url = `${server.url}/api/v1/namespaces/${metadata.namespace}/pods`;
  const send = async (method: string, path: string, body: unknown): Promise<KubeObject> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBeLessThan(300);
    return (await res.json()) as KubeObject;
  };
  const created = (await send(
    'POST',
    '?fieldManager=kube-controller-manager',
    template,
  )) as FullPod;
  const bound = server.update('pods', {
    ...created,
    spec: full.spec,
    status: {
      ...created.status,
      conditions: full.status.conditions.filter((c) => c.type === 'PodScheduled'),
    },
  } as KubeObject);
  const running = await send('PUT', `/${metadata.name}/status?fieldManager=kubelet`, {
    ...bound,
    status: full.status,
  });
  return running.metadata?.managedFields;
}

describe('fixtures', () => {
  it('builds realistic clusterloader2-like pods of about 8 KB as a cluster stores them (3.5–4 KB of managedFields), also once stored by the server', async () => {
    for (const index of [0, 7, 12345, 99999]) {
      const pod = makePod({ namespace: 'bench-1', name: `pod-${index}`, index });
      expect(bytes(pod)).toBeGreaterThanOrEqual(7800);
      expect(bytes(pod)).toBeLessThanOrEqual(9000);
      expect(bytes(pod.metadata?.managedFields)).toBeGreaterThanOrEqual(3500);
      expect(bytes(pod.metadata?.managedFields)).toBeLessThanOrEqual(4000);
    }
    const server = await startApiServer();
    try {
      const stored = server.create('pods', makePod({ namespace: 'bench-1', name: 'p', index: 3 }));
      expect(bytes(stored)).toBeGreaterThanOrEqual(7800);
      expect(bytes(stored)).toBeLessThanOrEqual(9000);
    } finally {
      await server.close();
    }
  });

  it('carries the managedFields the server itself records for the pod: kube-controller-manager creates it, the binding adds node and admission fields, the kubelet writes /status', async () => {
    const server = await startApiServer();
    try {
      for (const [index, phase] of [
        [42, 'Running'],
        [4243, 'Running'],
        [7, 'Pending'],
      ] as const) {
        const full = makePod({ namespace: 'ns', name: `p-${index}`, index, phase });
        const recorded = await podLife(server, full);
        expect(JSON.stringify(withoutTime(recorded))).toBe(
          JSON.stringify(withoutTime(full.metadata?.managedFields)),
        );
      }
    } finally {
      await server.close();
    }
  });

  it('has the parts informers and benchmarks look at: owner, containers, volumes, tolerations, status, managedFields', () => {
    const pod = makePod({
      namespace: 'ns',
      name: 'p',
      index: 251,
      labels: { extra: 'yes' },
    }) as unknown as {
      metadata: {
        labels: Record<string, string>;
        ownerReferences: { kind: string; controller: boolean }[];
        managedFields: { manager: string }[];
      };
      spec: {
        containers: {
          env: unknown[];
          ports: unknown[];
          resources: unknown;
          readinessProbe: unknown;
        }[];
        volumes: unknown[];
        tolerations: unknown[];
        nodeName: string;
      };
      status: { phase: string; conditions: unknown[]; containerStatuses: unknown[] };
    };
    expect(pod.metadata.labels).toMatchObject({
      group: 'load',
      name: 'deployment-1',
      extra: 'yes',
    });
    expect(pod.metadata.ownerReferences[0]).toMatchObject({ kind: 'ReplicaSet', controller: true });
    expect(pod.metadata.managedFields.map((m) => m.manager)).toEqual([
      'kube-controller-manager',
      'kubelet',
    ]);
    expect(pod.spec.containers).toHaveLength(2);
    for (const c of pod.spec.containers) {
      expect(c.env.length).toBeGreaterThan(0);
      expect(c.ports.length).toBeGreaterThan(0);
      expect(c.resources).toBeDefined();
      expect(c.readinessProbe).toBeDefined();
    }
    expect(pod.spec.volumes.length).toBeGreaterThanOrEqual(2);
    expect(pod.spec.tolerations).toHaveLength(2);
    expect(pod.spec.nodeName).toBe('node-51');
    expect(pod.status.phase).toBe('Running');
    expect(pod.status.conditions).toHaveLength(5);
    expect(pod.status.containerStatuses).toHaveLength(2);
  });

  it('is deterministic and honours nodeName and phase', () => {
    const a = makePod({ namespace: 'ns', name: 'p', index: 9 });
    expect(makePod({ namespace: 'ns', name: 'p', index: 9 })).toEqual(a);
    expect(makePod({ namespace: 'ns', name: 'p', index: 10 })).not.toEqual(a);
    const b = makePod({ namespace: 'ns', name: 'p', nodeName: 'n-x', phase: 'Pending' }) as {
      spec: { nodeName: string };
      status: { phase: string };
    };
    expect(b.spec.nodeName).toBe('n-x');
    expect(b.status.phase).toBe('Pending');
  });

  it('pads a pod to sizeBytes and rejects sizes below the natural size', () => {
    for (const target of [9000, 20_000, 100_000]) {
      const size = bytes(makePod({ namespace: 'ns', name: 'fat', index: 1, sizeBytes: target }));
      expect(size).toBe(target);
    }
    expect(() => makePod({ namespace: 'ns', name: 'p', sizeBytes: 1000 })).toThrow(RangeError);
    expect(() => makePod({ namespace: 'ns', name: 'p', sizeBytes: 7000.5 })).toThrow(RangeError);
  });

  it('builds small config maps with the given data', () => {
    expect(makeConfigMap({ namespace: 'ns', name: 'c', data: { a: 'b' } })).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'ns' },
      data: { a: 'b' },
    });
  });
});

describe('pod phases in fixtures', () => {
  it('makes a non-Running pod whose containers and Ready condition agree with its phase', () => {
    for (const phase of ['Pending', 'Succeeded', 'Failed'] as const) {
      const p = makePod({ namespace: 'ns', name: 'p', phase }) as {
        status: {
          phase: string;
          conditions: { type: string; status: string }[];
          containerStatuses: { ready: boolean }[];
        };
      };
      expect(p.status.phase).toBe(phase);
      expect(p.status.containerStatuses.every((c) => !c.ready)).toBe(true);
      expect(p.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('False');
    }
  });
});
