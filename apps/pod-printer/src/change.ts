// What a MODIFIED line says: the fields an operator looks at (phase, restarts, readiness, node,
// labels, annotations, conditions, container states, deletion), then "spec changed" / "status
// changed" for anything else, and "metadata only" when only bookkeeping (resourceVersion,
// managedFields, …) moved — never an empty description.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '@kubecache/core';
import { podRow, type ContainerStatusLike, type PodLike } from './describe.js';

type Strings = Record<string, string> | undefined;

/** `+k=v -k k=a→b` (labels) or `+k -k ~k` (annotations: values can be huge). */
function diffMap(a: Strings, b: Strings, withValues: boolean): string[] {
  const before = a ?? {};
  const after = b ?? {};
  const added: string[] = [];
  const changed: string[] = [];
  for (const [k, v] of Object.entries(after)) {
    if (!(k in before)) added.push(withValues ? `+${k}=${v}` : `+${k}`);
    else if (before[k] !== v) changed.push(withValues ? `${k}=${before[k]}→${v}` : `~${k}`);
  }
  const removed = Object.keys(before)
    .filter((k) => !(k in after))
    .map((k) => `-${k}`);
  return [...added, ...removed, ...changed];
}

function conditionChanges(a: PodLike, b: PodLike): string[] {
  const status = (p: PodLike): Map<string, string> =>
    new Map((p.status?.conditions ?? []).map((c) => [c.type ?? '?', c.status ?? '?']));
  const before = status(a);
  const after = status(b);
  const out: string[] = [];
  for (const [type, s] of after) {
    const was = before.get(type);
    if (was === undefined) out.push(`condition ${type} +${s}`);
    else if (was !== s) out.push(`condition ${type} ${was}→${s}`);
  }
  for (const type of before.keys()) if (!after.has(type)) out.push(`condition ${type} removed`);
  return out;
}

function stateOf(c: ContainerStatusLike | undefined): string {
  const s = c?.state;
  if (s?.waiting) return `waiting${s.waiting.reason ? ` (${s.waiting.reason})` : ''}`;
  if (s?.terminated)
    return `terminated (${s.terminated.reason ?? `exit ${s.terminated.exitCode ?? '?'}`})`;
  if (s?.running) return 'running';
  return 'unknown';
}

function containerChanges(a: PodLike, b: PodLike): string[] {
  const before = new Map((a.status?.containerStatuses ?? []).map((c) => [c.name ?? '?', c]));
  const out: string[] = [];
  for (const c of b.status?.containerStatuses ?? []) {
    const was = stateOf(before.get(c.name ?? '?'));
    const now = stateOf(c);
    if (was !== now) out.push(`container ${c.name ?? '?'} ${was.replace(/ \(.*/, '')}→${now}`);
  }
  return out;
}

/** Top-level keys of `spec`/`status` other than those described above. */
function otherChanged(a: unknown, b: unknown, described: string[]): boolean {
  const strip = (o: unknown): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries((o ?? {}) as Record<string, unknown>).filter(([k]) => !described.includes(k)),
    );
  return !isDeepStrictEqual(strip(a), strip(b));
}

/**
 * What changed between two versions of a pod, for a MODIFIED line. '' without an old version (the
 * worker only knows the new one); `no change (resync)` for a resync of the same version.
 */
export function describeChange(oldPod: KubeObject | undefined, newPod: KubeObject): string {
  if (!oldPod) return '';
  const a = oldPod as PodLike & { spec?: unknown };
  const b = newPod as PodLike & { spec?: unknown };
  const ra = podRow(oldPod);
  const rb = podRow(newPod);
  const parts: string[] = [];
  if (ra.phase !== rb.phase) parts.push(`phase ${ra.phase}→${rb.phase}`);
  if (ra.restarts !== rb.restarts) parts.push(`restarts ${ra.restarts}→${rb.restarts}`);
  if (ra.ready !== rb.ready) parts.push(`ready ${ra.ready}→${rb.ready}`);
  if (ra.node !== rb.node) parts.push(`node ${ra.node || '-'}→${rb.node || '-'}`);
  if (a.metadata?.deletionTimestamp === undefined && b.metadata?.deletionTimestamp !== undefined)
    parts.push('terminating');
  const labels = diffMap(a.metadata?.labels, b.metadata?.labels, true);
  if (labels.length > 0) parts.push(`labels ${labels.join(' ')}`);
  const annotations = diffMap(a.metadata?.annotations, b.metadata?.annotations, false);
  if (annotations.length > 0) parts.push(`annotations ${annotations.join(' ')}`);
  parts.push(...conditionChanges(a, b), ...containerChanges(a, b));
  if (otherChanged(a.spec, b.spec, ['nodeName'])) parts.push('spec changed');
  if (otherChanged(a.status, b.status, ['phase', 'conditions', 'containerStatuses']))
    parts.push('status changed');
  if (parts.length > 0) return parts.join(', ');
  const rvA = a.metadata?.resourceVersion;
  const rvB = b.metadata?.resourceVersion;
  if (rvA === rvB && isDeepStrictEqual(a.metadata, b.metadata)) return 'no change (resync)';
  return rvA !== rvB
    ? `metadata only (resourceVersion ${rvA ?? '-'}→${rvB ?? '-'})`
    : 'metadata only';
}
