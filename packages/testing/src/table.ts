// Server-side printing: the meta.k8s.io/v1 Table that `kubectl get` asks for (`Accept:
// application/json;as=Table;v=v1;g=meta.k8s.io`), with the columns of kube-apiserver's printers
// (k8s.io/kubernetes pkg/printers/internalversion/printers.go: pods NAME, READY, STATUS,
// RESTARTS, AGE; configmaps NAME, DATA, AGE; services NAME, TYPE, CLUSTER-IP, EXTERNAL-IP,
// PORT(S), AGE; deployments NAME, READY, UP-TO-DATE, AVAILABLE, AGE; everything else NAME, AGE;
// wide columns have priority 1) and its human-readable
// ages (k8s.io/apimachinery pkg/util/duration HumanDuration).
import type { KubeObject } from '@kubecache/core';
import type { Entry } from './entry.js';
import { v1EventToCore } from './events.js';
import type { ResourceStore } from './resources.js';
import { labelSelectorString } from './scale.js';

/** What a Table row carries besides its cells (`includeObject`). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** The Table version a request asks for, or undefined when it does not ask for a Table. */
export function tableVersionOf(accept: string): 'v1' | 'v1beta1' | undefined {
  for (const part of accept.split(',')) {
    if (!/;\s*as=Table/.test(part)) continue;
    if (!/;\s*g=meta\.k8s\.io/.test(part)) continue;
    const v = /;\s*v=(v1beta1|v1)\b/.exec(part)?.[1];
    if (v === 'v1' || v === 'v1beta1') return v;
  }
  return undefined;
}

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

const col = (
  name: string,
  type: string,
  description: string,
  format = '',
  priority = 0,
): Column => ({
  name,
  type,
  format,
  description,
  priority,
});

/** A duration as kubectl prints ages: `45s`, `5m30s`, `3h`, `2d4h`, `1y30d`. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8)
    return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  const y = Math.floor(h / 24 / 365);
  if (y < 8) return `${y}y${Math.floor(h / 24) % 365}d`;
  return `${y}y`;
}

const ageOf = (o: KubeObject, now: number): string => {
  const ts = o.metadata?.creationTimestamp;
  return ts === undefined ? '<unknown>' : humanDuration(now - new Date(ts).getTime());
};

interface ContainerStatus {
  ready?: boolean;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string };
    terminated?: { reason?: string; signal?: number; exitCode?: number };
  };
  lastState?: { terminated?: { finishedAt?: string } };
}
interface PodShape {
  spec?: { containers?: unknown[]; nodeName?: string };
  status?: {
    phase?: string;
    reason?: string;
    podIP?: string;
    containerStatuses?: ContainerStatus[];
  };
}

/** The cells of a pod row: NAME, READY, STATUS, RESTARTS, AGE, IP, NODE (the last two wide). */
function podCells(o: KubeObject, now: number): unknown[] {
  const p = o as KubeObject & PodShape;
  const statuses = p.status?.containerStatuses ?? [];
  const total = p.spec?.containers?.length ?? statuses.length;
  let ready = 0;
  let restarts = 0;
  let lastRestart: number | undefined;
  let reason = p.status?.reason ?? p.status?.phase ?? '';
  for (const c of statuses) {
    restarts += c.restartCount ?? 0;
    const finished = c.lastState?.terminated?.finishedAt;
    if (finished !== undefined) {
      const t = new Date(finished).getTime();
      if (lastRestart === undefined || t > lastRestart) lastRestart = t;
    }
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated) {
      const t = c.state.terminated;
      reason =
        t.reason ??
        (t.signal !== undefined && t.signal !== 0
          ? `Signal:${t.signal}`
          : `ExitCode:${t.exitCode ?? 0}`);
    } else if (c.ready) ready++;
  }
  if (o.metadata?.deletionTimestamp !== undefined) {
    reason = p.status?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  }
  const restartCell =
    lastRestart !== undefined && restarts > 0
      ? `${restarts} (${humanDuration(now - lastRestart)} ago)`
      : String(restarts);
  return [
    o.metadata?.name ?? '',
    `${ready}/${total}`,
    reason,
    restartCell,
    ageOf(o, now),
    p.status?.podIP ?? '<none>',
    p.spec?.nodeName ?? '<none>',
  ];
}

/** `k=v,k2=v2` with sorted keys, or `<none>` (labels.FormatLabels). */
function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${labels![k]!}`).join(',');
}

interface LabelSelectorShape {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

interface DeploymentShape {
  spec?: {
    replicas?: number;
    selector?: LabelSelectorShape;
    template?: { spec?: { containers?: { name?: string; image?: string }[] } };
  };
  status?: { readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number };
}

/** The cells of a deployment row: NAME, READY, UP-TO-DATE, AVAILABLE, AGE, CONTAINERS, IMAGES, SELECTOR. */
function deploymentCells(o: KubeObject, now: number): unknown[] {
  const d = o as KubeObject & DeploymentShape;
  const containers = d.spec?.template?.spec?.containers ?? [];
  return [
    o.metadata?.name ?? '',
    `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`,
    d.status?.updatedReplicas ?? 0,
    d.status?.availableReplicas ?? 0,
    ageOf(o, now),
    containers.map((c) => c.name ?? '').join(','),
    containers.map((c) => c.image ?? '').join(','),
    // printDeployment: labels.Selector.String() of the selector, sorted, '' when empty.
    labelSelectorString(d.spec?.selector),
  ];
}

interface ServiceShape {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    externalName?: string;
    selector?: Record<string, string>;
    ports?: { port: number; nodePort?: number; protocol?: string }[];
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** The cells of a service row: NAME, TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S), AGE, SELECTOR. */
function serviceCells(o: KubeObject, now: number): unknown[] {
  const { spec, status } = o as KubeObject & ServiceShape;
  const type = spec?.type ?? 'ClusterIP';
  const clusterIP = spec?.clusterIPs?.[0] ?? spec?.clusterIP;
  const externalIPs = spec?.externalIPs ?? [];
  let external = externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
  if (type === 'ExternalName') external = spec?.externalName ?? '<none>';
  if (type === 'LoadBalancer') {
    const lb = (status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '');
    const all = [...lb.filter((x) => x !== ''), ...externalIPs];
    external = all.length > 0 ? all.join(',') : '<pending>';
  }
  const ports = (spec?.ports ?? []).map(
    (p) =>
      `${p.port}${p.nodePort !== undefined && p.nodePort !== 0 ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`,
  );
  return [
    o.metadata?.name ?? '',
    type,
    clusterIP !== undefined && clusterIP !== '' ? clusterIP : '<none>',
    external,
    ports.length > 0 ? ports.join(',') : '<none>',
    ageOf(o, now),
    formatLabels(spec?.selector),
  ];
}

/** Columns and row printer for a resource. */
function printerFor(r: ResourceStore): {
  columns: Column[];
  cells: (o: KubeObject, now: number) => unknown[];
} {
  const name = col('Name', 'string', 'Name must be unique within a namespace.', 'name');
  const age = col('Age', 'string', 'CreationTimestamp is the time the object was created.');
  if (r.def.group === '' && r.def.resource === 'pods') {
    return {
      columns: [
        name,
        col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
        col('Status', 'string', 'The aggregate status of the containers in this pod.'),
        col(
          'Restarts',
          'string',
          'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
        ),
        age,
        col('IP', 'string', 'IP address allocated to the pod.', '', 1),
        col('Node', 'string', 'Name of the node this pod is scheduled on.', '', 1),
      ],
      cells: podCells,
    };
  }
  if (r.def.group === '' && r.def.resource === 'configmaps') {
    return {
      columns: [name, col('Data', 'integer', 'The number of keys in the config map.'), age],
      cells: (o, now) => {
        const c = o as { data?: object; binaryData?: object };
        return [
          o.metadata?.name ?? '',
          Object.keys(c.data ?? {}).length + Object.keys(c.binaryData ?? {}).length,
          ageOf(o, now),
        ];
      },
    };
  }
  if (r.def.group === 'apps' && r.def.resource === 'deployments') {
    return {
      columns: [
        name,
        col('Ready', 'string', 'Number of the pod with ready state'),
        col(
          'Up-to-date',
          'string',
          'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
        ),
        col(
          'Available',
          'string',
          'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
        ),
        age,
        col('Containers', 'string', 'Names of each container in the template.', '', 1),
        col('Images', 'string', 'Images referenced by each container in the template.', '', 1),
        col(
          'Selector',
          'string',
          'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
          '',
          1,
        ),
      ],
      cells: deploymentCells,
    };
  }
  if (r.def.group === '' && r.def.resource === 'services') {
    return {
      columns: [
        name,
        col('Type', 'string', 'type determines how the Service is exposed.'),
        col(
          'Cluster-IP',
          'string',
          'clusterIP is the IP address of the service and is usually assigned randomly.',
        ),
        col(
          'External-IP',
          'string',
          'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.',
        ),
        col('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
        age,
        col(
          'Selector',
          'string',
          'Route service traffic to pods with label keys and values matching this selector.',
          '',
          1,
        ),
      ],
      cells: serviceCells,
    };
  }
  if (r.def.resource === 'events' && (r.def.group === '' || r.def.group === 'events.k8s.io')) {
    return { columns: eventColumns, cells: eventCells(r.def.group === '') };
  }
  return { columns: [name, age], cells: (o, now) => [o.metadata?.name ?? '', ageOf(o, now)] };
}

/** The Event columns of kube-apiserver's printers (the same for core/v1 and events.k8s.io/v1). */
const eventColumns: Column[] = [
  col(
    'Last Seen',
    'string',
    'The time at which the most recent occurrence of this event was recorded.',
  ),
  col(
    'Type',
    'string',
    'Type of this event (Normal, Warning), new types could be added in the future',
  ),
  col(
    'Reason',
    'string',
    "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
  ),
  col('Object', 'string', 'The object that this event is about.'),
  col(
    'Subobject',
    'string',
    'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
    '',
    1,
  ),
  col(
    'Source',
    'string',
    'The component reporting this event. Should be a short machine understandable string.',
    '',
    1,
  ),
  col('Message', 'string', 'A human-readable description of the status of this operation.'),
  col(
    'First Seen',
    'string',
    'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
    '',
    1,
  ),
  col('Count', 'string', 'The number of times this event has occurred.', '', 1),
  col('Name', 'string', 'Name must be unique within a namespace.', 'name', 1),
];

interface CoreEventShape {
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  source?: { component?: string; host?: string };
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  count?: number;
  type?: string;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}

/**
 * The cells of an Event row (printEvent): LAST SEEN, TYPE, REASON, OBJECT, SUBOBJECT, SOURCE,
 * MESSAGE, FIRST SEEN, COUNT, NAME. Events of events.k8s.io/v1 are read through their core/v1 view.
 */
function eventCells(core: boolean): (o: KubeObject, now: number) => unknown[] {
  return (o, now) => {
    const e = (core ? o : v1EventToCore(o)) as KubeObject & CoreEventShape;
    const since = (ts: string | null | undefined): string =>
      ts === undefined || ts === null || ts === ''
        ? '<unknown>'
        : humanDuration(now - new Date(ts).getTime());
    const first =
      e.firstTimestamp !== undefined && e.firstTimestamp !== null
        ? since(e.firstTimestamp)
        : since(e.eventTime);
    let last =
      e.lastTimestamp !== undefined && e.lastTimestamp !== null ? since(e.lastTimestamp) : first;
    let count = e.count ?? 0;
    if (e.series !== undefined && e.series !== null) {
      last = since(e.series.lastObservedTime);
      count = e.series.count ?? 0;
    } else if (count === 0) count = 1; // singleton events of the new API carry no count
    const inv = e.involvedObject ?? {};
    const kind = (inv.kind ?? '').toLowerCase();
    const target = inv.name !== undefined && inv.name !== '' ? `${kind}/${inv.name}` : kind;
    const component = e.source?.component || e.reportingComponent || '';
    const instance = e.source?.host || e.reportingInstance || '';
    return [
      last,
      e.type ?? '',
      e.reason ?? '',
      target,
      inv.fieldPath ?? '',
      instance === '' ? component : `${component}, ${instance}`,
      (e.message ?? '').trim(),
      first,
      count,
      o.metadata?.name ?? '',
    ];
  };
}

/** The JSON of one row. */
function rowJson(
  cells: (o: KubeObject, now: number) => unknown[],
  e: Entry,
  include: IncludeObject,
  now: number,
): string {
  const o = e.obj;
  const object = include === 'Object' ? e.json : include === 'Metadata' ? e.metaJson() : undefined;
  return `{"cells":${JSON.stringify(cells(o, now))}${object !== undefined ? `,"object":${object}` : ''}}`;
}

/**
 * Renders a Table: the head (up to and including `"rows":[`) and one JSON string per row, so a
 * caller can stream the rows with backpressure. With `noHeaders` the columnDefinitions are `null`,
 * as kube-apiserver's printers leave them for TableOptions.noHeaders.
 */
export function renderTable(
  r: ResourceStore,
  entries: readonly Entry[],
  listMeta: Record<string, unknown>,
  version: 'v1' | 'v1beta1',
  include: IncludeObject,
  options: { noHeaders?: boolean } = {},
): { head: string; rows: string[] } {
  const printer = printerFor(r);
  const now = Date.now();
  // TableOptions.noHeaders (a watch's events after its first) leaves columnDefinitions null.
  const columns = options.noHeaders === true ? 'null' : JSON.stringify(printer.columns);
  return {
    head: `{"kind":"Table","apiVersion":"meta.k8s.io/${version}","metadata":${JSON.stringify(listMeta)},"columnDefinitions":${columns},"rows":[`,
    rows: entries.map((e) => rowJson(printer.cells, e, include, now)),
  };
}

/** Parses `includeObject` (default Metadata, as kube-apiserver). */
export function includeObjectOf(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}
