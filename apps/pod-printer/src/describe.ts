// What the printer says about a pod and about a change.
import type { KubeObject } from '@kubecache/core';

/** A pod as the table shows it. */
export interface PodRow {
  namespace: string;
  name: string;
  phase: string;
  /** What kubectl's STATUS column says: a container's waiting/terminated reason, Terminating, or the phase. */
  status: string;
  ready: string;
  restarts: number;
  age: string;
  node: string;
}

/** The pod fields the printer reads. */
export interface PodLike extends KubeObject {
  spec?: { nodeName?: string; containers?: unknown[] };
  status?: {
    phase?: string;
    reason?: string;
    conditions?: { type?: string; status?: string }[];
    containerStatuses?: ContainerStatusLike[];
  };
}

/** The container status fields the printer reads. */
export interface ContainerStatusLike {
  name?: string;
  ready?: boolean;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string };
    running?: unknown;
    terminated?: { reason?: string; exitCode?: number };
  };
}

/** kubectl's STATUS column (printPod, simplified: no init containers). */
export function podStatus(pod: KubeObject): string {
  const p = pod as PodLike;
  let status = p.status?.reason ?? p.status?.phase ?? 'Unknown';
  for (const c of [...(p.status?.containerStatuses ?? [])].reverse()) {
    const w = c.state?.waiting?.reason;
    const t = c.state?.terminated;
    if (w) status = w;
    else if (t) status = t.reason ?? `ExitCode:${t.exitCode ?? '?'}`;
  }
  if (p.metadata?.deletionTimestamp !== undefined && p.status?.reason !== 'NodeLost')
    status = 'Terminating';
  return status;
}

/** Human age like kubectl: 45s, 12m, 3h, 5d. */
export function age(created: string | Date | undefined, now = Date.now()): string {
  if (created === undefined) return '?';
  const s = Math.max(0, Math.floor((now - new Date(created).getTime()) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** Restart count of a pod (sum over containers). */
export function restarts(pod: KubeObject | undefined): number {
  return ((pod as PodLike | undefined)?.status?.containerStatuses ?? []).reduce(
    (n, c) => n + (c.restartCount ?? 0),
    0,
  );
}

/** The table row of a pod. */
export function podRow(pod: KubeObject, now = Date.now()): PodRow {
  const p = pod as PodLike;
  const statuses = p.status?.containerStatuses ?? [];
  const total = p.spec?.containers?.length ?? statuses.length;
  return {
    namespace: p.metadata?.namespace ?? '',
    name: p.metadata?.name ?? '',
    phase: p.status?.phase ?? 'Unknown',
    status: podStatus(pod),
    ready: `${statuses.filter((c) => c.ready).length}/${total}`,
    restarts: restarts(pod),
    age: age(p.metadata?.creationTimestamp, now),
    node: p.spec?.nodeName ?? '',
  };
}
