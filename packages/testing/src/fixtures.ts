// Realistic fixtures, shaped like clusterloader2's load-test Deployment pods (perf-tests
// clusterloader2/testing/load): labels, an owner ReplicaSet, two containers with env, probes and
// resources, projected volumes, tolerations, a Running status with conditions, and managedFields
// from kube-controller-manager and the kubelet — about 5.5 KB of JSON per pod.
import type { KubeObject } from '@kubecache/core';

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
   * 20000 for the "fat production pod" fixture. Must be at least the natural size (~5.6 KB);
   * smaller values throw a RangeError. Default: no padding.
   */
  sizeBytes?: number;
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0').slice(-width);
const uidFor = (seed: number): string =>
  `${hex(seed * 2654435761, 8)}-${hex(seed, 4)}-4${hex(seed * 7, 3)}-8${hex(seed * 13, 3)}-${hex(seed * 40503, 12)}`;

/**
 * A realistic pod of about 5.5 KB of JSON, shaped like clusterloader2's load-test pods, without the
 * server-set fields (uid, resourceVersion, creationTimestamp come from the server). Deterministic:
 * the same options give the same object.
 */
export function makePod(options: MakePodOptions): KubeObject {
  const pod = basePod(options);
  const phase = options.phase ?? 'Running';
  if (phase !== 'Running') {
    // Containers, readiness and conditions agree with the phase (a Succeeded pod is not ready).
    (pod as { status?: unknown }).status = podStatusForPhase(
      pod,
      phase as PodPhase,
      '2026-11-22T10:00:00Z',
    );
  }
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
      managedFields: [
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          apiVersion: 'v1',
          time: ts,
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': {
              'f:generateName': {},
              'f:labels': { '.': {}, 'f:group': {}, 'f:name': {}, 'f:pod-template-hash': {} },
              'f:ownerReferences': { '.': {}, [`k:{"uid":"${uidFor((i % 250) + 1)}"}`]: {} },
            },
            'f:spec': {
              'f:containers': {
                'k:{"name":"app"}': {
                  '.': {},
                  'f:env': {},
                  'f:image': {},
                  'f:name': {},
                  'f:resources': {},
                },
                'k:{"name":"sidecar"}': { '.': {}, 'f:image': {}, 'f:name': {} },
              },
              'f:dnsPolicy': {},
              'f:restartPolicy': {},
              'f:tolerations': {},
              'f:volumes': {},
            },
          },
        },
        {
          manager: 'kubelet',
          operation: 'Update',
          apiVersion: 'v1',
          time: ts,
          fieldsType: 'FieldsV1',
          subresource: 'status',
          fieldsV1: {
            'f:status': {
              'f:conditions': {
                'k:{"type":"ContainersReady"}': { '.': {}, 'f:status': {}, 'f:type': {} },
                'k:{"type":"Initialized"}': { '.': {}, 'f:status': {}, 'f:type': {} },
                'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} },
              },
              'f:containerStatuses': {},
              'f:hostIP': {},
              'f:phase': {},
              'f:podIP': {},
              'f:podIPs': {},
              'f:startTime': {},
            },
          },
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
