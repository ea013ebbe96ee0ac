// One stored version of an object, kept as its serialised JSON (the in-process API server's unit
// of storage, shared by list pages and watchers).
import type { KubeObject } from '@kubecache/core';

/**
 * One stored version of an object: its JSON text, serialised once and shared by every list page
 * and watcher, plus a small view with what selectors look at. The full object is parsed on demand
 * (`obj` returns a fresh copy), so the server keeps about one string per object rather than a
 * graph of a few hundred small objects: with 100k pods that is the difference between cheap and
 * multi-second garbage-collector pauses, which would otherwise dominate client benchmarks.
 */
export class Entry {
  /** The object as JSON. */
  readonly json: string;
  /** `metadata.{name,namespace,labels}`, `spec.nodeName` and `status.phase` only (for selectors). */
  readonly view: KubeObject;
  /** `metadata.uid` (`''` when unset). */
  readonly uid: string;
  /** The uids named by `metadata.ownerReferences` (for garbage collection). */
  readonly ownerUids: readonly string[];
  private metaJsonText: string | undefined;

  constructor(obj: KubeObject) {
    this.json = JSON.stringify(obj);
    const m = obj.metadata ?? {};
    this.uid = m.uid ?? '';
    this.ownerUids = (m.ownerReferences ?? []).map((o) => o.uid).filter((u) => u !== '');
    const spec = (obj as { spec?: { nodeName?: unknown } }).spec;
    const status = (obj as { status?: { phase?: unknown } }).status;
    this.view = {
      metadata: {
        ...(m.name !== undefined ? { name: m.name } : {}),
        ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
        ...(m.labels !== undefined ? { labels: { ...m.labels } } : {}),
      },
      ...(typeof spec?.nodeName === 'string' ? { spec: { nodeName: spec.nodeName } } : {}),
      ...(typeof status?.phase === 'string' ? { status: { phase: status.phase } } : {}),
    };
  }

  /** A fresh parsed copy of the object (callers may mutate it freely). */
  get obj(): KubeObject {
    return JSON.parse(this.json) as KubeObject;
  }

  /** The object as `PartialObjectMetadata` JSON (computed on first use, then kept). */
  metaJson(): string {
    this.metaJsonText ??= JSON.stringify({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: this.obj.metadata ?? {},
    });
    return this.metaJsonText;
  }
}
