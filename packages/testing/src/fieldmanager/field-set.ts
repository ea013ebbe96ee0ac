// A set of field paths as structured-merge-diff keeps them (fieldpath/set.go): a trie whose
// members are paths in the set and whose children lead to longer ones, with the set algebra the
// field manager uses and the `fieldsV1` encoding kube-apiserver stores in `managedFields`
// (fieldpath/serialize.go: children in PathElement order, `.` first when a node is itself a member).
import {
  comparePathElements,
  deserializePathElement,
  serializePathElement,
  type FieldPath,
  type PathElement,
} from './path-element.js';

interface Child {
  readonly pe: PathElement;
  readonly set: FieldSet;
}

/** A set of field paths (structured-merge-diff's fieldpath.Set). */
export class FieldSet {
  /** Paths of one element that are in the set, by their `fieldsV1` spelling. */
  readonly members = new Map<string, PathElement>();
  /** Sets of the longer paths, by the first element's `fieldsV1` spelling. */
  readonly children = new Map<string, Child>();

  /** A set of the given paths. */
  static of(...paths: FieldPath[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Adds `path` (the empty path is ignored). */
  insert(path: FieldPath): void {
    if (path.length === 0) return;
    let cur = this as FieldSet;
    for (let i = 0; i < path.length - 1; i++) {
      const pe = path[i]!;
      const k = serializePathElement(pe);
      let c = cur.children.get(k);
      if (c === undefined) cur.children.set(k, (c = { pe, set: new FieldSet() }));
      cur = c.set;
    }
    const last = path[path.length - 1]!;
    cur.members.set(serializePathElement(last), last);
  }

  /** Whether `path` is in the set. */
  has(path: FieldPath): boolean {
    if (path.length === 0) return false;
    let cur = this as FieldSet | undefined;
    for (let i = 0; i < path.length - 1 && cur !== undefined; i++)
      cur = cur.children.get(serializePathElement(path[i]!))?.set;
    return cur?.members.has(serializePathElement(path[path.length - 1]!)) ?? false;
  }

  /** The set below element `k` (its `fieldsV1` spelling), if any. */
  child(k: string): FieldSet | undefined {
    return this.children.get(k)?.set;
  }

  /** Whether the set has no paths. */
  empty(): boolean {
    return this.members.size === 0 && this.children.size === 0;
  }

  /** The paths of both sets. */
  union(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) out.members.set(k, pe);
    for (const [k, pe] of o.members) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const oc = o.children.get(k);
      out.children.set(k, { pe: c.pe, set: oc ? c.set.union(oc.set) : c.set.clone() });
    }
    for (const [k, c] of o.children)
      if (!this.children.has(k)) out.children.set(k, { pe: c.pe, set: c.set.clone() });
    return out;
  }

  /** The paths of this set that are not in `o` (longer paths of a removed member stay). */
  difference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!o.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const oc = o.children.get(k);
      const d = oc ? c.set.difference(oc.set) : c.set.clone();
      if (!d.empty()) out.children.set(k, { pe: c.pe, set: d });
    }
    return out;
  }

  /** The paths of this set that are not in `o` and do not start with a path of `o`. */
  recursiveDifference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!o.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      if (o.members.has(k)) continue;
      const oc = o.children.get(k);
      const d = oc ? c.set.recursiveDifference(oc.set) : c.set.clone();
      if (!d.empty()) out.children.set(k, { pe: c.pe, set: d });
    }
    return out;
  }

  /** The paths in both sets. */
  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (o.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const oc = o.children.get(k);
      if (oc === undefined) continue;
      const i = c.set.intersection(oc.set);
      if (!i.empty()) out.children.set(k, { pe: c.pe, set: i });
    }
    return out;
  }

  /** A deep copy. */
  clone(): FieldSet {
    return this.union(new FieldSet());
  }

  /** Every path, as Set.Iterate visits them: members (in order), then each child's paths. */
  paths(prefix: FieldPath = []): PathElement[][] {
    const out: PathElement[][] = [];
    for (const pe of sorted([...this.members.values()])) out.push([...prefix, pe]);
    for (const c of sorted([...this.children.values()].map((c) => c.pe)).map((pe) =>
      this.children.get(serializePathElement(pe))!,
    ))
      out.push(...c.set.paths([...prefix, c.pe]));
    return out;
  }

  /**
   * The `fieldsV1` object: one key per element in PathElement order, `{}` for a member, its
   * children's object for a prefix, with `".": {}` first when it is both.
   */
  toFieldsV1(): Record<string, unknown> {
    return this.encode(false);
  }

  private encode(self: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (self && !this.empty()) out['.'] = {};
    const all = new Map<string, PathElement>(this.members);
    for (const [k, c] of this.children) all.set(k, c.pe);
    for (const pe of sorted([...all.values()])) {
      const k = serializePathElement(pe);
      const c = this.children.get(k);
      out[k] = c === undefined ? {} : c.set.encode(this.members.has(k));
    }
    return out;
  }

  /** Parses a `fieldsV1` object; throws on a malformed one. */
  static fromFieldsV1(v: unknown): FieldSet {
    const out = new FieldSet();
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw new Error('fieldsV1 is not an object');
    for (const [k, sub] of Object.entries(v as Record<string, unknown>)) {
      if (k === '.') continue;
      const pe = deserializePathElement(k);
      if (sub === null || typeof sub !== 'object' || Array.isArray(sub))
        throw new Error(`fieldsV1 entry ${k} is not an object`);
      const keys = Object.keys(sub);
      if (keys.length === 0 || keys.includes('.')) out.members.set(k, pe);
      if (keys.some((x) => x !== '.')) out.children.set(k, { pe, set: FieldSet.fromFieldsV1(sub) });
    }
    return out;
  }
}

function sorted(pes: PathElement[]): PathElement[] {
  return pes.sort(comparePathElements);
}
