// Owner-reference garbage collection for the in-process API server, after kube-controller-manager's
// garbage collector (k8s.io/kubernetes pkg/controller/garbagecollector): when an owner is gone, the
// objects whose ownerReferences name its uid are deleted (background cascading deletion, each one
// respecting its own finalizers); an owner deleted with propagationPolicy Orphan carries the
// `orphan` finalizer until its dependents no longer reference it; one deleted with Foreground
// carries `foregroundDeletion` until its dependents are gone. A dependent is judged as
// attemptToDeleteItem judges it (classifyReferences / isDangling): each owner reference is looked
// up by its kind, name and the dependent's namespace — absent, or present with another uid, it is
// dangling; with some owner still there the dangling references are removed from the dependent,
// with none it is deleted (Background, or as its own orphan / foregroundDeletion finalizer says).
// That also collects a dependent created pointing at an owner uid that no longer (or never)
// existed. A reference to a kind the server does not serve is kept, as the real collector keeps
// retrying one it cannot map. Like the real collector it works asynchronously — here on a
// microtask after the write that triggered it, so every HTTP answer and every watch event of the
// triggering write comes first.
import {
  FOREGROUND_FINALIZER,
  ORPHAN_FINALIZER,
  type ChangeEvent,
  type Cluster,
} from './cluster.js';
import type { Entry } from './entry.js';
import { keyOf, type ResourceStore } from './resources.js';
import { isServerApiError } from './status.js';
import type { StoredMeta } from './strategy.js';

type Work =
  | { kind: 'ownerGone'; uid: string }
  | { kind: 'dependent'; resource: string; key: string }
  | { kind: 'orphan'; uid: string }
  | { kind: 'foreground'; uid: string };

const metaOf = (e: Entry): StoredMeta => e.obj.metadata ?? {};

interface OwnerRef {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
}

/** What an owner reference of a dependent points at, as isDangling decides it. */
type RefState = 'solid' | 'dangling' | 'waiting' | 'unresolvable';

/** Subscribes a garbage collector to `cluster`; returns a function that stops it. */
export function startGarbageCollector(cluster: Cluster): () => void {
  const queue: Work[] = [];
  let scheduled = false;
  let stopped = false;
  /**
   * Owner uids whose references name a kind the server does not serve, with the number of
   * registered resources when that was found (a later registration makes them worth a new look).
   * Keeps fixtures like makePod's (a ReplicaSet owner) from costing a parse per created pod.
   */
  const unresolvable = new Map<string, number>();

  /** The served resource of an owner reference's apiVersion and kind. */
  const ownerResource = (ref: OwnerRef): ResourceStore | undefined => {
    const [group, version] = (ref.apiVersion ?? '').includes('/')
      ? (ref.apiVersion ?? '').split('/', 2)
      : ['', ref.apiVersion ?? ''];
    return cluster
      .all()
      .find((r) => r.def.group === group && r.def.version === version && r.def.kind === ref.kind);
  };

  /** isDangling: looks the owner up by kind, name and the dependent's namespace, compares uids. */
  const stateOf = (ref: OwnerRef, dependentNs: string | undefined): RefState => {
    const r = ownerResource(ref);
    if (r === undefined) return 'unresolvable';
    // A namespaced owner cannot own a cluster-scoped dependent: the reference never resolves.
    if (r.def.namespaced && dependentNs === undefined) return 'dangling';
    const owner = r.items.get(keyOf(r.def.namespaced ? dependentNs : undefined, ref.name ?? ''));
    if (owner === undefined || owner.uid !== ref.uid) return 'dangling';
    const fin = metaOf(owner).finalizers ?? [];
    return metaOf(owner).deletionTimestamp !== undefined && fin.includes(FOREGROUND_FINALIZER)
      ? 'waiting'
      : 'solid';
  };

  /** attemptToDeleteItem for one dependent. */
  const attemptToDelete = (resource: ResourceStore, key: string): void => {
    const e = resource.items.get(key);
    if (e === undefined) return;
    const m = metaOf(e);
    if (m.deletionTimestamp !== undefined) return;
    const refs = (m.ownerReferences ?? []) as OwnerRef[];
    if (refs.length === 0) return;
    const states = refs.map((ref) => stateOf(ref, m.namespace));
    refs.forEach((ref, i) => {
      if (states[i] === 'unresolvable' && ref.uid !== undefined)
        unresolvable.set(ref.uid, cluster.all().length);
    });
    const dangling = refs.filter((_, i) => states[i] === 'dangling');
    if (states.some((st) => st === 'solid' || st === 'unresolvable')) {
      // Some owner is still there: only the dangling references go.
      if (dangling.length === 0) return;
      const keep = refs.filter((_, i) => states[i] !== 'dangling');
      ignoreGone(() =>
        cluster.patch(resource, m.namespace, m.name ?? '', {
          metadata: { ownerReferences: keep, resourceVersion: m.resourceVersion },
        }),
      );
      return;
    }
    // An owner deleting in the foreground deletes its dependents itself (see 'foreground').
    if (states.some((st) => st === 'waiting')) return;
    const fin = m.finalizers ?? [];
    const propagationPolicy = fin.includes(ORPHAN_FINALIZER)
      ? 'Orphan'
      : fin.includes(FOREGROUND_FINALIZER)
        ? 'Foreground'
        : 'Background';
    ignoreGone(() =>
      cluster.delete(resource, m.namespace, m.name ?? '', {
        propagationPolicy,
        preconditions: m.uid !== undefined ? { uid: m.uid } : {},
      }),
    );
  };

  const ignoreGone = (fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      // The dependent changed or vanished meanwhile: nothing left to do for it.
      if (!isServerApiError(err) || (err.code !== 404 && err.code !== 409)) throw err;
    }
  };

  /** Removes finalizer `f` from the object with `uid`. */
  const dropFinalizer = (uid: string, f: string): void => {
    const owner = cluster.byUid(uid);
    if (owner === undefined) return;
    const m = metaOf(owner.entry);
    if (!(m.finalizers ?? []).includes(f)) return;
    ignoreGone(() =>
      cluster.patch(owner.resource, m.namespace, m.name ?? '', {
        metadata: { finalizers: (m.finalizers ?? []).filter((x) => x !== f) },
      }),
    );
  };

  const run = (w: Work): void => {
    const dependents = w.kind === 'dependent' ? [] : cluster.dependentsOf(w.uid);
    switch (w.kind) {
      case 'ownerGone':
        for (const d of dependents) attemptToDelete(d.resource, d.key);
        return;
      case 'dependent': {
        const r = cluster.find(w.resource);
        if (r !== undefined) attemptToDelete(r, w.key);
        return;
      }
      case 'orphan':
        for (const d of dependents) {
          const m = metaOf(d.entry);
          const refs = (m.ownerReferences ?? []).filter((o) => o.uid !== w.uid);
          ignoreGone(() =>
            cluster.patch(d.resource, m.namespace, m.name ?? '', {
              metadata: { ownerReferences: refs.length > 0 ? refs : null },
            }),
          );
        }
        dropFinalizer(w.uid, ORPHAN_FINALIZER);
        return;
      case 'foreground':
        if (dependents.length === 0) {
          dropFinalizer(w.uid, FOREGROUND_FINALIZER);
          return;
        }
        for (const d of dependents) {
          const m = metaOf(d.entry);
          if (m.deletionTimestamp !== undefined) continue;
          ignoreGone(() =>
            cluster.delete(d.resource, m.namespace, m.name ?? '', {
              propagationPolicy: 'Foreground',
            }),
          );
        }
        return;
    }
  };

  const drain = (): void => {
    scheduled = false;
    // Work found while draining is appended and drained in the same pass.
    for (let i = 0; !stopped && i < queue.length; i++) run(queue[i]!);
    queue.length = 0;
  };

  const enqueue = (w: Work): void => {
    queue.push(w);
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(drain);
    }
  };

  const observe = (ev: ChangeEvent): void => {
    if (ev.type === 'DELETED') {
      if (cluster.dependentsOf(ev.entry.uid).length > 0)
        enqueue({ kind: 'ownerGone', uid: ev.entry.uid });
      // A dependent is gone: an owner waiting in foreground deletion may be done.
      for (const o of ev.entry.ownerUids) {
        const owner = cluster.byUid(o);
        if (owner && (metaOf(owner.entry).finalizers ?? []).includes(FOREGROUND_FINALIZER))
          enqueue({ kind: 'foreground', uid: o });
      }
      return;
    }
    // A dependent whose owner uid is not stored (deleted before it was created, or never there):
    // judged like any other, by looking its owners up.
    const known = cluster.all().length;
    if (
      ev.entry.ownerUids.some(
        (o) => cluster.byUid(o) === undefined && unresolvable.get(o) !== known,
      ) &&
      cluster.byUid(ev.entry.uid)?.resource.id === ev.resource
    )
      enqueue({ kind: 'dependent', resource: ev.resource, key: ev.key });
    if (ev.type !== 'MODIFIED' || ev.entry.uid === '') return;
    // Only objects being deleted with a propagation finalizer need work; the JSON test keeps the
    // common case (no such finalizer) free of a parse.
    const j = ev.entry.json;
    if (!j.includes('"deletionTimestamp"')) return;
    if (
      j.includes(`"${ORPHAN_FINALIZER}"`) &&
      (metaOf(ev.entry).finalizers ?? []).includes(ORPHAN_FINALIZER)
    )
      enqueue({ kind: 'orphan', uid: ev.entry.uid });
    if (
      j.includes(`"${FOREGROUND_FINALIZER}"`) &&
      (metaOf(ev.entry).finalizers ?? []).includes(FOREGROUND_FINALIZER)
    )
      enqueue({ kind: 'foreground', uid: ev.entry.uid });
  };

  const unsubscribe = cluster.onChange(observe);
  return () => {
    stopped = true;
    unsubscribe();
  };
}
