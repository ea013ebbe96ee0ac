// Realistic fixtures, shaped like clusterloader2's load-test Deployment pods (perf-tests
// clusterloader2/testing/load): labels, an owner ReplicaSet, two containers with env, probes and
// resources, projected volumes, tolerations, a Running status with conditions, and the
// managedFields a real cluster stores for such a pod — computed by this server's field manager
// for its life there: created by kube-controller-manager's ReplicaSet controller (an Update of the
// template's fields), completed by admission and the scheduler's binding (not recorded), then
// status-updated by the kubelet through /status — about 8 KB of JSON per pod.
import type { KubeObject } from '@kubecache/core';
import {
  managedFieldsForWrite,
  withManagedFields,
  type ManagedFieldsEntry,
} from './fieldmanager/field-manager.js';
import { builtinResources } from './resources.js';

/** Options of {@link makePod}. */
export interface MakePodOptions {
  namespace: string;
  name: string;
  /** Varies owner, node and IPs deterministically. Default 0. */
  index?: number;
  /** Default: `node-<index % 100>`. */
  nodeName?: string;
  /** Default: `Running`. */
  phase?: string;
  /** Extra labels. */
  labels?: Record<string, string>;
  /**
   * Pads the pod with an annotation (`kubecache.dev/padding`) so that its JSON is about this many
   * bytes (±1%, before the server adds uid, resourceVersion and creationTimestamp, ~130 bytes), e.g.
   * 20000 for the "fat production pod" fixture. Must be at least the natural size (~8 KB);
   * smaller values throw a RangeError. Default: no padding.
   */
  sizeBytes?: number;
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0').slice(-width);
const uidFor = (seed: number): string =>
  `${hex(seed * 2654435761, 8)}-${hex(seed, 4)}-4${hex(seed * 7, 3)}-8${hex(seed * 13, 3)}-${hex(seed * 40503, 12)}`;

/**
 * A realistic pod of about 8 KB of JSON, shaped like clusterloader2's load-test pods as a real
 * cluster stores them, without the server-set fields (uid, resourceVersion, creationTimestamp come
 * from the server). Its `managedFields` are what this server's field manager records for the
 * pod's life in a cluster: a `kube-controller-manager` Update of what its ReplicaSet's template
 * sets, and a `kubelet` Update of the status through `/status` (~3.7 KB). Deterministic: the same options give the
 * same object.
 */
export function makePod(options: MakePodOptions): KubeObject {
  const stored = basePod(options);
  const phase = options.phase ?? 'Running';
  if (phase !== 'Running') {
    // Containers, readiness and conditions agree with the phase (a Succeeded pod is not ready).
    (stored as { status?: unknown }).status = podStatusForPhase(
      stored,
      phase as PodPhase,
      '2026-11-22T10:00:00Z',
    );
  }
  const pod = withManagedFields(stored, managedFieldsOf(stored, phase));
  if (options.sizeBytes === undefined) return pod;
  const natural = Buffer.byteLength(JSON.stringify(pod));
  // The annotation entry costs its key, quotes, colon and comma besides the value.
  const overhead = Buffer.byteLength(',"kubecache.dev/padding":""');
  if (!Number.isInteger(options.sizeBytes) || options.sizeBytes < natural + overhead) {
    throw new RangeError(
      `sizeBytes must be an integer ≥ ${natural + overhead} for this pod, got ${options.sizeBytes}`,
    );
  }
  const annotations = (pod.metadata!.annotations ??= {});
  annotations['kubecache.dev/padding'] = 'x'.repeat(options.sizeBytes - natural - overhead);
  return pod;
}

const podsDefinition = builtinResources.find((r) => r.group === '' && r.resource === 'pods')!;

type PodShape = KubeObject & {
  spec?: Record<string, unknown> & {
    containers?: (Record<string, unknown> & { volumeMounts?: { name: string }[] })[];
    volumes?: { name: string }[];
  };
  status?: Record<string, unknown> & { conditions?: { type: string }[] };
};

/** What admission and the scheduler add to a pod after its creator sent it. */
const admittedFields = [
  'nodeName',
  'tolerations',
  'serviceAccountName',
  'serviceAccount',
  'priority',
  'preemptionPolicy',
];
const serviceAccountVolume = 'kube-api-access';

/**
 * The `managedFields` a real cluster stores for `pod` (as it is finally stored), computed by this
 * server's field manager along the pod's life: (1) kube-controller-manager creates it from its
 * ReplicaSet's template — every field of the spec but what admission and the scheduler add
 * (`nodeName`, the default tolerations, the service account and its token volume and mounts,
 * `priority`, `preemptionPolicy`); the pod starts `Pending` with its QoS class; (2) admission and
 * the binding add those without a manager; (3) the kubelet writes the final `status` through
 * `/status` (the `PodScheduled` condition came with the binding). `at` is every entry's time.
 */
function clusterManagedFields(stored: KubeObject, at: string): ManagedFieldsEntry[] {
  const pod = structuredClone(stored) as PodShape;
  const spec = { ...(pod.spec ?? {}) };
  for (const f of admittedFields) Reflect.deleteProperty(spec, f);
  spec.volumes = (spec.volumes ?? []).filter((v) => v.name !== serviceAccountVolume);
  spec.containers = (spec.containers ?? []).map((c) => ({
    ...c,
    volumeMounts: (c.volumeMounts ?? []).filter((m) => m.name !== serviceAccountVolume),
  }));
  const template: KubeObject = {
    apiVersion: pod.apiVersion,
    kind: pod.kind,
    metadata: pod.metadata,
    spec,
  } as KubeObject;
  const created = managedFieldsForWrite(podsDefinition, undefined, template, {
    manager: 'kube-controller-manager',
    now: at,
  });
  const status = pod.status ?? {};
  const bound = withManagedFields(
    {
      ...pod,
      status: {
        phase: 'Pending',
        qosClass: status.qosClass,
        conditions: (status.conditions ?? []).filter((c) => c.type === 'PodScheduled'),
      },
    } as KubeObject,
    created,
  );
  const final = withManagedFields(pod, created);
  return (
    managedFieldsForWrite(podsDefinition, bound, final, {
      manager: 'kubelet',
      subresource: 'status',
      now: at,
    }) ?? []
  );
}

/** The managedFields of makePod's pods by shape (phase, label keys), as JSON with placeholders. */
const shapes = new Map<string, string>();
const placeholders = { uid: '@@OWNER_UID@@', podIP: '@@POD_IP@@', hostIP: '@@HOST_IP@@' };

/**
 * {@link clusterManagedFields} of a makePod pod, computed once per shape: within one phase and
 * set of label keys the entries differ only in the owner's uid and the pod's and host's IPs
 * (associative-list keys), which are substituted (the field manager costs ~1 ms a pod; a
 * benchmark seeds 100k).
 */
function managedFieldsOf(stored: KubeObject, phase: string): ManagedFieldsEntry[] {
  const pod = stored as PodShape & {
    metadata: { ownerReferences: { uid: string }[]; labels: Record<string, string> };
    status: { podIPs: { ip: string }[]; hostIPs: { ip: string }[] };
  };
  const values = {
    uid: pod.metadata.ownerReferences[0]!.uid,
    podIP: pod.status.podIPs[0]!.ip,
    hostIP: pod.status.hostIPs[0]!.ip,
  };
  const key = JSON.stringify([phase, Object.keys(pod.metadata.labels).sort()]);
  let text = shapes.get(key);
  if (text === undefined) {
    const probe = structuredClone(pod);
    probe.metadata.ownerReferences[0]!.uid = placeholders.uid;
    probe.status.podIPs[0]!.ip = placeholders.podIP;
    probe.status.hostIPs[0]!.ip = placeholders.hostIP;
    text = JSON.stringify(clusterManagedFields(probe, '2026-11-22T10:00:00Z'));
    if (shapes.size >= 64) shapes.clear();
    shapes.set(key, text);
  }
  return JSON.parse(
    text
      .replaceAll(placeholders.uid, values.uid)
      .replaceAll(placeholders.podIP, values.podIP)
      .replaceAll(placeholders.hostIP, values.hostIP),
  ) as ManagedFieldsEntry[];
}

function basePod(options: MakePodOptions): KubeObject {
  const i = options.index ?? 0;
  const rs = `deployment-${i % 250}-${hex(i % 250, 10)}`;
  const node = options.nodeName ?? `node-${i % 100}`;
  const ts = '2026-11-22T10:00:00Z';
  const env = (prefix: string): { name: string; value: string }[] =>
    Array.from({ length: 6 }, (_, k) => ({
      name: `${prefix}_VAR_${k}`,
      value: `value-${k}-${hex(i + k, 6)}`,
    }));
  const container = (name: string, image: string, port: number): Record<string, unknown> => ({
    name,
    image,
    ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
    env: env(name.toUpperCase().replace(/-/g, '_')),
    resources: { requests: { cpu: '1m', memory: '4M' }, limits: { cpu: '100m', memory: '64Mi' } },
    readinessProbe: {
      httpGet: { path: '/healthz', port, scheme: 'HTTP' },
      periodSeconds: 10,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
    },
    volumeMounts: [
      { name: 'configmap', mountPath: '/var/configmap' },
      {
        name: 'kube-api-access',
        readOnly: true,
        mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
      },
    ],
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  });
  const status = (name: string, image: string): Record<string, unknown> => ({
    name,
    state: { running: { startedAt: ts } },
    lastState: {},
    ready: true,
    restartCount: 0,
    image,
    imageID: `registry.k8s.io/${image}@sha256:${hex(i * 31, 16)}${hex(i * 17, 16)}${hex(i * 7, 16)}${hex(i, 16)}`,
    containerID: `containerd://${hex(i * 97, 16)}${hex(i * 89, 16)}${hex(i * 83, 16)}${hex(i * 79, 16)}`,
    started: true,
  });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: options.name,
      namespace: options.namespace,
      generateName: `${rs}-`,
      labels: {
        group: 'load',
        name: `deployment-${i % 250}`,
        'pod-template-hash': hex(i % 250, 10),
        ...options.labels,
      },
      annotations: { 'kubernetes.io/config.seen': ts },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: rs,
          uid: uidFor((i % 250) + 1),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      containers: [container('app', 'pause:3.9', 8080), container('sidecar', 'busybox:1.36', 9090)],
      volumes: [
        { name: 'configmap', configMap: { name: `configmap-${i % 250}`, defaultMode: 420 } },
        {
          name: 'kube-api-access',
          projected: {
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              {
                configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
              },
            ],
            defaultMode: 420,
          },
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 1,
      dnsPolicy: 'Default',
      serviceAccountName: 'default',
      nodeName: node,
      schedulerName: 'default-scheduler',
      tolerations: [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 900,
        },
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 900,
        },
      ],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      securityContext: {},
    },
    status: {
      phase: options.phase ?? 'Running',
      conditions: [
        'PodReadyToStartContainers',
        'Initialized',
        'Ready',
        'ContainersReady',
        'PodScheduled',
      ].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: ts })),
      hostIP: `10.0.${Math.floor((i % 100) / 250)}.${i % 100}`,
      podIP: `10.64.${(i >> 8) & 255}.${i & 255}`,
      podIPs: [{ ip: `10.64.${(i >> 8) & 255}.${i & 255}` }],
      hostIPs: [{ ip: `10.0.${Math.floor((i % 100) / 250)}.${i % 100}` }],
      startTime: ts,
      containerStatuses: [status('app', 'pause:3.9'), status('sidecar', 'busybox:1.36')],
      qosClass: 'Burstable',
    },
  } as KubeObject;
}

/** The phases of a pod. */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

interface ContainerStatusShape {
  state?: unknown;
  lastState?: unknown;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
}
interface PodStatusShape {
  phase?: string;
  conditions?: { type: string; status: string; reason?: string }[];
  containerStatuses?: ContainerStatusShape[];
}

/**
 * The `status` of `pod` moved to `phase` the way a kubelet reports it: container states,
 * `ready`/`started` and the Ready/ContainersReady conditions agree with the phase (a Pending pod's
 * containers are creating, a Running pod's are running and ready, a Succeeded or Failed pod's are
 * terminated and not ready). `at` is the transition time (RFC 3339). Other fields are kept.
 */
export function podStatusForPhase(
  pod: KubeObject,
  phase: PodPhase,
  at: string,
): Record<string, unknown> {
  const status = ((pod as { status?: PodStatusShape }).status ?? {}) as PodStatusShape &
    Record<string, unknown>;
  const running = phase === 'Running';
  const containerStatuses = (status.containerStatuses ?? []).map((c) => ({
    ...c,
    state:
      phase === 'Pending'
        ? { waiting: { reason: 'ContainerCreating' } }
        : running
          ? { running: { startedAt: at } }
          : phase === 'Succeeded'
            ? { terminated: { exitCode: 0, reason: 'Completed', startedAt: at, finishedAt: at } }
            : phase === 'Failed'
              ? { terminated: { exitCode: 1, reason: 'Error', startedAt: at, finishedAt: at } }
              : c.state,
    ready: running,
    started: running,
  }));
  const readyNow = running && containerStatuses.length > 0;
  const conditions = (status.conditions ?? []).map((c) =>
    c.type === 'Ready' || c.type === 'ContainersReady'
      ? {
          ...c,
          status: readyNow ? 'True' : 'False',
          ...(readyNow
            ? {}
            : { reason: phase === 'Succeeded' ? 'PodCompleted' : 'ContainersNotReady' }),
          lastTransitionTime: at,
        }
      : c,
  );
  if (readyNow)
    for (const c of conditions)
      if ('reason' in c && (c.type === 'Ready' || c.type === 'ContainersReady')) delete c.reason;
  return { ...status, phase, conditions, containerStatuses };
}

/** `status` of a Running pod after its first container restarted at `at` (restartCount + 1). */
export function podStatusAfterRestart(pod: KubeObject, at: string): Record<string, unknown> {
  const status = ((pod as { status?: PodStatusShape }).status ?? {}) as PodStatusShape &
    Record<string, unknown>;
  const containerStatuses = (status.containerStatuses ?? []).map((c, i) =>
    i === 0
      ? {
          ...c,
          restartCount: (c.restartCount ?? 0) + 1,
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: at } },
          state: { running: { startedAt: at } },
        }
      : c,
  );
  return { ...status, containerStatuses };
}

/** A small ConfigMap. */
export function makeConfigMap(options: {
  namespace: string;
  name: string;
  data?: Record<string, string>;
}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: options.name, namespace: options.namespace },
    data: options.data ?? { key: 'value' },
  } as KubeObject;
}
