// What the printer says about a pod and about a change.
import type { KubeObject } from '@kubecache/core';

/** A pod as the table shows it. */
export interface PodRow {
  namespace: string;
  name: string;
  phase: string;
  ready: string;
  restarts: number;
  age: string;
  node: string;
}

interface PodLike extends KubeObject {
  spec?: { nodeName?: string; containers?: unknown[] };
  status?: { phase?: string; containerStatuses?: { ready?: boolean; restartCount?: number }[] };
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
    ready: `${statuses.filter((c) => c.ready).length}/${total}`,
    restarts: restarts(pod),
    age: age(p.metadata?.creationTimestamp, now),
    node: p.spec?.nodeName ?? '',
  };
}

/** What changed between two versions, when cheap to tell (phase, restarts, node); '' otherwise. */
export function describeChange(oldPod: KubeObject | undefined, newPod: KubeObject): string {
  if (!oldPod) return '';
  const a = podRow(oldPod);
  const b = podRow(newPod);
  const parts: string[] = [];
  if (a.phase !== b.phase) parts.push(`phase ${a.phase}→${b.phase}`);
  if (a.restarts !== b.restarts) parts.push(`restarts ${a.restarts}→${b.restarts}`);
  if (a.ready !== b.ready) parts.push(`ready ${a.ready}→${b.ready}`);
  if (a.node !== b.node) parts.push(`node ${a.node || '-'}→${b.node || '-'}`);
  return parts.join(', ');
}
