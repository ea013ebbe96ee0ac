// Owner-reference garbage collection for the in-process API server, after kube-controller-manager's
// garbage collector (k8s.io/kubernetes pkg/controller/garbagecollector): when an owner is gone, the
// objects whose ownerReferences name its uid are deleted (background cascading deletion, each one
// respecting its own finalizers); an owner deleted with propagationPolicy Orphan carries the
// `orphan` finalizer until its dependents no longer reference it; one deleted with Foreground
// carries `foregroundDeletion` until its dependents are gone. Like the real collector it works
// asynchronously — here on a microtask after the write that triggered it, so every HTTP answer and
// every watch event of the triggering write comes first.
import {
  FOREGROUND_FINALIZER,
  ORPHAN_FINALIZER,
  type ChangeEvent,
  type Cluster,
} from './cluster.js';
import type { Entry } from './entry.js';
import { isServerApiError } from './status.js';
import type { StoredMeta } from './strategy.js';

type Work =
  | { kind: 'ownerGone'; uid: string }
  | { kind: 'orphan'; uid: string }
  | { kind: 'foreground'; uid: string };

const metaOf = (e: Entry): StoredMeta => e.obj.metadata ?? {};

/** Subscribes a garbage collector to `cluster`; returns a function that stops it. */
export function startGarbageCollector(cluster: Cluster): () => void {
  const queue: Work[] = [];
  let scheduled = false;
  let stopped = false;

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
    const dependents = cluster.dependentsOf(w.uid);
    switch (w.kind) {
      case 'ownerGone':
        for (const d of dependents) {
          const m = metaOf(d.entry);
          if (m.deletionTimestamp !== undefined) continue;
          ignoreGone(() => cluster.delete(d.resource, m.namespace, m.name ?? ''));
        }
        return;
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
