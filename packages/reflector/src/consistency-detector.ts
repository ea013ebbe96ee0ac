// Port of the idea of client-go's util/consistencydetector (used by reflector.go after a
// WatchList sync): LIST at exactly the synced resource version and compare with what the stream
// delivered. Written for kubecache; enabled like client-go by KUBE_WATCHLIST_INCONSISTENCY_DETECTOR.
import { sleep, throwIfAborted, type Clock, type KubeObject } from '@kubecache/core';
import { listAllPages, type ListerWatcher } from '@kubecache/listwatch';

/** The environment variable that turns the detector on (as in client-go). */
export const watchListInconsistencyDetectorEnv = 'KUBE_WATCHLIST_INCONSISTENCY_DETECTOR';

/** Go's `strconv.ParseBool` truthy spellings (anything else, unset included, is false). */
export function parseGoBool(value: string | undefined): boolean {
  return value !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value);
}

/** True when {@link watchListInconsistencyDetectorEnv} is set to a Go-style true in `env`. */
export function watchListConsistencyCheckFromEnv(
  env: Record<string, string | undefined> = typeof process !== 'undefined' ? process.env : {},
): boolean {
  return parseGoBool(env[watchListInconsistencyDetectorEnv]);
}

/** What differs between the WatchList's items and a LIST at the same resource version. */
export interface ConsistencyDiff {
  /** Identities (uid, else namespace/name) the LIST has and the stream did not deliver. */
  missing: string[];
  /** Identities the stream delivered and the LIST does not have. */
  unexpected: string[];
  /** Identities present in both whose objects differ. */
  different: string[];
}

/** Options of {@link checkListConsistency}. */
export interface ConsistencyCheckOptions<T> {
  /** Where to LIST. */
  lw: ListerWatcher<T>;
  /** The resource version the WatchList synced to (the LIST is an exact read at it). */
  resourceVersion: string;
  /** The items the WatchList delivered. */
  items: readonly T[];
  /** Applied to each listed item before comparing (the same transform the stream's items got). */
  prepare?: (item: T) => T;
  /** LIST attempts before giving up (1 s apart). Default 3. */
  attempts?: number;
  /** Clock for the pause between attempts. */
  clock?: Clock;
  signal: AbortSignal;
}

const identity = (o: unknown): string => {
  const m = (o as KubeObject).metadata;
  return m?.uid ?? `${m?.namespace ?? ''}/${m?.name ?? ''}`;
};

/** Structural equality of JSON values (object key order ignored). */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/** An object without its top-level `kind`/`apiVersion` (list items of built-in types omit them). */
function withoutTypeMeta(o: unknown): unknown {
  if (typeof o !== 'object' || o === null) return o;
  const copy: Record<string, unknown> = { ...(o as Record<string, unknown>) };
  delete copy.kind;
  delete copy.apiVersion;
  return copy;
}

/** Compares two sets of objects by identity (uid, else namespace/name). */
export function diffObjects(
  listed: readonly unknown[],
  streamed: readonly unknown[],
): ConsistencyDiff {
  const byId = new Map<string, unknown>();
  for (const o of streamed) byId.set(identity(o), o);
  const diff: ConsistencyDiff = { missing: [], unexpected: [], different: [] };
  const seen = new Set<string>();
  for (const o of listed) {
    const id = identity(o);
    seen.add(id);
    if (!byId.has(id)) diff.missing.push(id);
    else if (!jsonEqual(withoutTypeMeta(o), withoutTypeMeta(byId.get(id)))) diff.different.push(id);
  }
  for (const id of byId.keys()) if (!seen.has(id)) diff.unexpected.push(id);
  return diff;
}

/** True when `d` lists no difference. */
export function isConsistent(d: ConsistencyDiff): boolean {
  return d.missing.length === 0 && d.unexpected.length === 0 && d.different.length === 0;
}

/**
 * Lists at exactly `resourceVersion` (`resourceVersionMatch=Exact`, paged) and diffs the answer
 * with `items`. Resolves with the diff, or with an Error when the LIST kept failing or kept
 * answering at another resource version (the check is skipped then: an exact read of a
 * compacted revision can never succeed). Rejects only when aborted.
 */
export async function checkListConsistency<T>(
  o: ConsistencyCheckOptions<T>,
): Promise<ConsistencyDiff | Error> {
  if (o.resourceVersion === '') return new Error('no resource version to list at');
  const attempts = Math.max(1, o.attempts ?? 3);
  let lastError: Error = new Error('not listed');
  for (let i = 0; i < attempts; i++) {
    throwIfAborted(o.signal);
    if (i > 0) await sleep(1000, { signal: o.signal, ...(o.clock ? { clock: o.clock } : {}) });
    try {
      const list = await listAllPages(
        o.lw,
        { resourceVersion: o.resourceVersion, resourceVersionMatch: 'Exact' },
        o.signal,
        { pageSize: 500, fullListIfExpired: false },
      );
      const at = list.metadata?.resourceVersion ?? '';
      if (at !== o.resourceVersion) {
        // Not the exact read asked for (a misbehaving cache or proxy): not comparable.
        throw new Error(`the LIST was answered at RV ${at}, not at RV ${o.resourceVersion}`);
      }
      const listed = o.prepare ? list.items.map(o.prepare) : list.items;
      return diffObjects(listed, o.items);
    } catch (err) {
      throwIfAborted(o.signal);
      lastError = err instanceof Error ? err : new Error(String(err));
    }
  }
  return lastError;
}
