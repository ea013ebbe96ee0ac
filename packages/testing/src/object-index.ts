// The indexes the in-process API server's storage keeps beside its objects: where the object with
// a uid is stored, and which objects name a uid in their ownerReferences (the garbage collector's
// dependents graph, kube-controller-manager's pkg/controller/garbagecollector/graph.go).
import type { ChangeEvent } from './change-history.js';

/** Where an object is stored: its resource id and its `namespace/name` key. */
export interface ObjectRef {
  readonly resource: string;
  readonly key: string;
}

/** uid → {@link ObjectRef}, and owner uid → the refs of its dependents, kept by {@link update}. */
export class ObjectIndex {
  private readonly uids = new Map<string, ObjectRef>();
  /** owner uid → `resource\0key` of the objects whose ownerReferences name it. */
  private readonly dependents = new Map<string, Set<string>>();

  /** Where the object with this uid is stored, if any. */
  byUid(uid: string): ObjectRef | undefined {
    return this.uids.get(uid);
  }

  /** Where the objects whose ownerReferences name `uid` are stored. */
  dependentsOf(uid: string): ObjectRef[] {
    return [...(this.dependents.get(uid) ?? [])].map((ref) => {
      const sep = ref.indexOf('\u0000');
      return { resource: ref.slice(0, sep), key: ref.slice(sep + 1) };
    });
  }

  /** Keeps the indexes in step with a committed change. */
  update(ev: ChangeEvent): void {
    const ref = `${ev.resource}\u0000${ev.key}`;
    if (ev.prev !== undefined) {
      for (const o of ev.prev.ownerUids) {
        const set = this.dependents.get(o);
        set?.delete(ref);
        if (set?.size === 0) this.dependents.delete(o);
      }
    }
    if (ev.type === 'DELETED') {
      this.uids.delete(ev.entry.uid);
      return;
    }
    if (ev.entry.uid !== '') this.uids.set(ev.entry.uid, { resource: ev.resource, key: ev.key });
    for (const o of ev.entry.ownerUids) {
      let set = this.dependents.get(o);
      if (set === undefined) this.dependents.set(o, (set = new Set()));
      set.add(ref);
    }
  }
}
