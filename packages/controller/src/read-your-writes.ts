// Read-your-writes for reconciles: a ledger of the writes made through the controller's client
// (the resourceVersion the server answered, per resource and key) and a wait until the informer
// serving that resource has caught up with them. The idea of KEP-5647 (kube-controller-manager's
// stale-controller mitigation, Kubernetes 1.36: compare the informer store's
// LastStoreSyncResourceVersion with the RV of the controller's own last write) and of
// controller-runtime v0.25's experimental read-your-own-writes cache, here on by default.
// Differs from controller-runtime: not an opt-in experiment; a reconcile whose caches do not
// catch up within the bound is not run but requeued with a warning, rather than reading stale.
import {
  compareResourceVersion,
  isComparableResourceVersion,
  monotonicNow,
  realClock,
  type Clock,
  type KubeObject,
  type Logger,
} from '@kubecache/core';
import type { KubeConfigLike } from '@kubecache/listwatch';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createClient, type Client, type ClientWriteEvent } from './client.js';
import { ControllerOptionsError } from './errors.js';
import { missingClient } from './no-client.js';

/** Default bound of a read-your-writes wait, in ms (`readYourWrites.timeoutMs`). */
export const defaultReadYourWritesTimeoutMs = 10_000;

/**
 * What the ledger needs of an informer (a `SharedIndexInformer` is one): its cache's resource
 * version, its cache by key, and a notification after each change of its cache.
 */
export interface WatchedCache {
  lastStoreSyncResourceVersion(): string;
  getStore(): { getByKey(key: string): unknown };
  onStoreChange(listener: () => void): () => void;
}

/** The resource an informer serves, as the ledger matches writes to it. */
export interface WatchedResource {
  /** `plural` for the core group, `plural.group` otherwise (e.g. `configmaps`, `foos.example.com`). */
  readonly resource: string;
  /** The informer's namespace; `''` or absent when it watches every namespace. */
  readonly namespace?: string | undefined;
}

/** How a {@link WriteLedger.waitFor} ended. */
export type ReadYourWritesOutcome = 'caught-up' | 'timeout' | 'aborted';

/** What a wait is for: one key of a resource (a get), or every recorded key of it (a list). */
export interface ReadYourWritesTarget {
  /** As in {@link WatchedResource.resource}. */
  readonly resource: string;
  /** `namespace/name` (or `name`); absent to wait for every write recorded for the resource. */
  readonly key?: string | undefined;
}

interface Entry {
  readonly resourceVersion: string;
  readonly uid: string | undefined;
  readonly deleted: boolean;
  /** The reconcile key that made the write (not for deletes), if made inside a reconcile. */
  readonly owner: string | undefined;
}

/**
 * A write made by the reconcile of `owner` whose object the informer's cache passed without
 * ever showing it: the cache reached `storeResourceVersion` ≥ the write's `resourceVersion`
 * while holding nothing under `key` (the object was created, or changed, and deleted again
 * between two watches, behind a relist), and no earlier state of the cache held it at that
 * resource version or later.
 */
export interface UnseenWrite {
  /** As in {@link WatchedResource.resource}. */
  readonly resource: string;
  /** `namespace/name` (or `name`) of the written object. */
  readonly key: string;
  /** The resource version the server answered to the write. */
  readonly resourceVersion: string;
  /** The cache's resource version when it was found to have passed the write. */
  readonly storeResourceVersion: string;
  /** The reconcile key that made the write. */
  readonly owner: string;
}

interface Watched {
  readonly resource: string;
  readonly cache: WatchedCache;
  readonly namespace: string;
  readonly entries: Map<string, Entry>;
  readonly waiters: Set<() => void>;
  unsubscribe: (() => void) | undefined;
}

/** The ledger's key of a resource definition: `plural` or `plural.group`. */
export function ledgerResourceOf(def: { readonly group: string; readonly plural: string }): string {
  return def.group === '' ? def.plural : `${def.plural}.${def.group}`;
}

/**
 * The resource an informer named as the informer factory names them (`plural.version`,
 * `plural.version.group`, then `@namespace` and `#meta` when so) serves, or `undefined` for
 * another name.
 */
export function watchedResourceOfInformerName(name: string): WatchedResource | undefined {
  const m = /^([a-z0-9-]+)\.(v[0-9][a-z0-9]*)(?:\.([a-z0-9.-]+))?(?:@([^#]*))?(?:#meta)?$/.exec(
    name,
  );
  if (m === null) return undefined;
  const plural = m[1] ?? '';
  const group = m[3] ?? '';
  return { resource: ledgerResourceOf({ plural, group }), namespace: m[4] ?? '' };
}

/**
 * Records the writes a controller's client made and waits for its informers to have seen them.
 *
 * - {@link WriteLedger.record} (the client's `onWrite`) keeps, per resource and key, the
 *   highest `resourceVersion` the server answered (for a delete, the deletion's), for resources
 *   an informer was {@link WriteLedger.watch}ed for (in its namespace); other writes are not
 *   recorded, so nothing waits for them.
 * - A key's write is *seen* once the informer's cache has reached its resource version
 *   (`lastStoreSyncResourceVersion() ≥ rv`, KEP-5504 comparison), or the cached object of that
 *   key has (`metadata.resourceVersion ≥ rv`; for a delete, when the cache's resource version
 *   passed it: the DELETED event or the relist that dropped it as a tombstone was applied).
 *   When a resource version is not comparable (a server whose RVs are not decimal integers), a
 *   write is seen once the cached object carries exactly that resource version — for a delete,
 *   once the key is gone from the cache (or holds another uid).
 * - Seen entries are dropped; waits are woken by the informer's `onStoreChange`, never polled.
 */
export class WriteLedger {
  private readonly clock: Clock;
  private readonly onUnseen: ((write: UnseenWrite) => void) | undefined;
  private readonly watched = new Map<string, Watched[]>();

  /**
   * @param options.onUnseen called (synchronously, once per write) for a write recorded with an
   *   owner whose object the cache passed without showing it (see {@link UnseenWrite}); only for
   *   comparable resource versions. What it throws is ignored.
   */
  constructor(
    options: {
      clock?: Clock | undefined;
      onUnseen?: ((write: UnseenWrite) => void) | undefined;
    } = {},
  ) {
    this.clock = options.clock ?? realClock;
    this.onUnseen = options.onUnseen;
  }

  /**
   * Serves the writes to `resource` (in its namespace, if any) from `cache`. A second informer
   * of the same resource and namespace is ignored.
   */
  watch(cache: WatchedCache, resource: WatchedResource): void {
    const list = this.watched.get(resource.resource) ?? [];
    const namespace = resource.namespace ?? '';
    if (list.some((w) => w.namespace === namespace)) return;
    list.push({
      resource: resource.resource,
      cache,
      namespace,
      entries: new Map(),
      waiters: new Set(),
      unsubscribe: undefined,
    });
    this.watched.set(resource.resource, list);
  }

  /** True when writes to `resource` are recorded (an informer serves it). */
  isWatched(resource: string): boolean {
    return this.watched.has(resource);
  }

  /**
   * Records one write (pass it as the client's `onWrite`). A write without a resourceVersion in
   * its answer, or to a resource no informer serves, is not recorded. `owner` is the reconcile
   * key that made it: when the cache passes the write without showing its object, `onUnseen`
   * names it (deletes have no owner: their object is meant to be gone).
   */
  record(event: ClientWriteEvent, owner?: string): void {
    const rv = event.resourceVersion;
    if (rv === undefined || rv === '') return;
    const namespace = event.namespace ?? '';
    const w = this.find(ledgerResourceOf(event.resource), namespace);
    if (w === undefined) return;
    const key = namespace === '' ? event.name : `${namespace}/${event.name}`;
    const deleted = event.verb === 'delete' && event.object?.metadata?.deletionTimestamp == null;
    const before = w.entries.get(key);
    if (before !== undefined && newer(before.resourceVersion, rv)) return;
    w.entries.set(key, {
      resourceVersion: rv,
      uid: event.uid,
      deleted,
      owner: event.verb === 'delete' ? undefined : owner,
    });
    this.subscribe(w);
  }

  /** The keys of `resource` whose writes the cache has not seen yet (for diagnostics). */
  pending(resource: string): string[] {
    const out: string[] = [];
    for (const w of this.watched.get(resource) ?? []) {
      this.prune(w);
      out.push(...w.entries.keys());
    }
    return out;
  }

  /**
   * Resolves `'caught-up'` once the informer of `target.resource` has seen the write recorded
   * for `target.key` (or, without a key, every write recorded for the resource) — at once when
   * there is none; `'timeout'` after `boundMs` (on the ledger's clock; `Infinity` never);
   * `'aborted'` when `signal` aborts. Never rejects.
   */
  waitFor(
    target: ReadYourWritesTarget,
    signal: AbortSignal,
    boundMs: number,
  ): Promise<ReadYourWritesOutcome> {
    const list = this.watched.get(target.resource) ?? [];
    const key = target.key;
    const relevant =
      key === undefined
        ? list
        : list.filter((w) => w.namespace === '' || key.startsWith(`${w.namespace}/`));
    const done = (): boolean =>
      relevant.every((w) => {
        this.prune(w);
        return key === undefined ? w.entries.size === 0 : !w.entries.has(key);
      });
    if (done()) return Promise.resolve('caught-up');
    if (signal.aborted) return Promise.resolve('aborted');
    return new Promise((resolve) => {
      const start = monotonicNow(this.clock);
      let timer: { cancel(): void } | undefined;
      const finish = (outcome: ReadYourWritesOutcome): void => {
        timer?.cancel();
        signal.removeEventListener('abort', onAbort);
        for (const w of relevant) w.waiters.delete(check);
        resolve(outcome);
      };
      const check = (): void => {
        if (done()) finish('caught-up');
      };
      const onAbort = (): void => finish('aborted');
      signal.addEventListener('abort', onAbort, { once: true });
      for (const w of relevant) w.waiters.add(check);
      if (Number.isFinite(boundMs)) {
        timer = this.clock.setTimeout(
          () => finish('timeout'),
          Math.max(0, boundMs - (monotonicNow(this.clock) - start)),
        );
      }
    });
  }

  /** Stops listening to the informers; pending waits end at their bound. */
  close(): void {
    for (const list of this.watched.values()) {
      for (const w of list) {
        w.unsubscribe?.();
        w.unsubscribe = undefined;
      }
    }
  }

  private find(resource: string, namespace: string): Watched | undefined {
    const list = this.watched.get(resource);
    if (list === undefined) return undefined;
    return list.find((w) => w.namespace === '') ?? list.find((w) => w.namespace === namespace);
  }

  /** Listens to the informer while entries are pending (and only then). */
  private subscribe(w: Watched): void {
    if (w.unsubscribe !== undefined) return;
    w.unsubscribe = w.cache.onStoreChange(() => {
      this.prune(w);
      for (const waiter of [...w.waiters]) waiter();
      if (w.entries.size === 0 && w.waiters.size === 0) {
        w.unsubscribe?.();
        w.unsubscribe = undefined;
      }
    });
  }

  /** Drops the entries the cache has seen. */
  private prune(w: Watched): void {
    if (w.entries.size === 0) return;
    const storeRv = w.cache.lastStoreSyncResourceVersion();
    const store = w.cache.getStore();
    for (const [key, entry] of w.entries) {
      const cached = store.getByKey(key);
      if (!seen(entry, storeRv, cached)) continue;
      w.entries.delete(key);
      // Seen because the cache passed the write, yet the object is not there: never shown.
      if (entry.owner !== undefined && !entry.deleted && cached === undefined) {
        try {
          this.onUnseen?.({
            resource: w.resource,
            key,
            resourceVersion: entry.resourceVersion,
            storeResourceVersion: storeRv,
            owner: entry.owner,
          });
        } catch {
          // the observer's failure is not the cache's
        }
      }
    }
  }
}

/** True when `a` is a later resourceVersion than `b` (both comparable). */
function newer(a: string, b: string): boolean {
  return (
    isComparableResourceVersion(a) &&
    isComparableResourceVersion(b) &&
    compareResourceVersion(a, b) > 0
  );
}

/** Whether a cache at `storeRv` holding `cached` under the entry's key has seen the write. */
function seen(entry: Entry, storeRv: string, cached: unknown): boolean {
  const rv = entry.resourceVersion;
  const meta = (cached as KubeObject | undefined)?.metadata;
  if (isComparableResourceVersion(rv)) {
    if (isComparableResourceVersion(storeRv) && compareResourceVersion(storeRv, rv) >= 0) {
      return true;
    }
    const objectRv = meta?.resourceVersion;
    return (
      !entry.deleted &&
      objectRv !== undefined &&
      isComparableResourceVersion(objectRv) &&
      compareResourceVersion(objectRv, rv) >= 0
    );
  }
  // Not comparable: only equality says anything (never a string comparison).
  if (entry.deleted)
    return cached === undefined || (entry.uid !== undefined && meta?.uid !== entry.uid);
  return meta?.resourceVersion === rv;
}

/** The controller's `readYourWrites` option when on. */
export interface ReadYourWritesOptions {
  /**
   * How long a reconcile waits for the caches to catch up with the client's writes, in ms;
   * then the key is requeued through the rate limiter with a warning. `Infinity` never gives
   * up. Default: {@link defaultReadYourWritesTimeoutMs} (10 000).
   */
  timeoutMs?: number;
}

/** An informer as the controller hands it to {@link controllerClient}. */
export type NamedCache = WatchedCache & { readonly name: string };

/** What {@link controllerClient} builds for a controller. */
export interface ControllerClient {
  /** `controller.client` and `context.client`. */
  readonly client: Client;
  /** The workers' wait before a reconcile of `key`; `undefined` when read-your-writes is off. */
  readonly awaitWrites: ((key: string, signal: AbortSignal) => Promise<boolean>) | undefined;
  /**
   * Runs the reconcile of `key` (`run`) so that the writes it makes through the client are
   * known to be its own (an `AsyncLocalStorage` scope): a write whose object the cache then
   * passes without showing it enqueues `key` again (see {@link UnseenWrite}).
   */
  readonly runAs: <T>(key: string, run: () => T) => T;
  /** Stops listening to the informers and closes the client's idle sockets. */
  close(): void;
}

/**
 * The controller's client and its read-your-writes wait: a client on `kubeConfig` whose writes
 * are recorded in a {@link WriteLedger} watching the controller's informers (named as the
 * informer factory names them; others are not matched, and writes to their resources are not
 * waited for). Before a reconcile of `key`, the wait covers the writes to the primary object
 * `key` itself, and every write to the other informers' resources (a reconcile may list them).
 *
 * Unseen writes (read-your-writes on or off): a create/update/patch/apply made inside the
 * reconcile of `K` (see {@link ControllerClient.runAs}) whose object the informer's cache
 * passes without ever showing it — its resource version is reached while the key is absent,
 * e.g. the object was created and deleted between two watches and the relist shows neither —
 * enqueues `K` once through `enqueue`, with an info line naming the object and `K`. Without
 * it no event would ever wake `K` (a level-triggered controller relying on its resync).
 * Writes whose resource versions are not comparable are not followed (only equality says
 * anything there). Differs from client-go and controller-runtime: they have no such requeue
 * (their resync / SyncPeriod repairs it later).
 *
 * @throws ControllerOptionsError (option `readYourWrites`) when `timeoutMs` is not a number > 0.
 */
export function controllerClient(options: {
  readonly name: string;
  readonly kubeConfig: KubeConfigLike | undefined;
  readonly fieldManager: string | undefined;
  readonly readYourWrites: false | ReadYourWritesOptions | undefined;
  readonly primary: NamedCache;
  readonly others: readonly NamedCache[];
  readonly logger: Logger;
  readonly clock: Clock;
  /** Enqueues a reconcile key (an unseen write's owner). Default: none. */
  readonly enqueue?: ((key: string) => void) | undefined;
}): ControllerClient {
  const ryw = options.readYourWrites;
  const timeoutMs = ryw === false ? 0 : (ryw?.timeoutMs ?? defaultReadYourWritesTimeoutMs);
  if (
    ryw !== false &&
    (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs <= 0)
  ) {
    throw new ControllerOptionsError(
      'readYourWrites',
      `timeoutMs: expected a number > 0 (ms) or Infinity, got ${String(timeoutMs)}`,
    );
  }
  if (options.kubeConfig === undefined) {
    return {
      client: missingClient(options.name),
      awaitWrites: undefined,
      runAs: (_key, run) => run(),
      close: () => undefined,
    };
  }
  const { clock, logger, enqueue } = options;
  const owners = new AsyncLocalStorage<string>();
  const ledger = new WriteLedger({
    clock,
    onUnseen: (w) => {
      logger.info(
        {
          component: 'controller',
          resource: options.name,
          key: w.owner,
          object: w.key,
          objectResource: w.resource,
          resourceVersion: w.resourceVersion,
          storeResourceVersion: w.storeResourceVersion,
        },
        `cache of ${w.resource} passed this controller's write to ${w.key} without showing it; ${w.owner} requeued`,
      );
      enqueue?.(w.owner);
    },
  });
  const primary = watchedResourceOfInformerName(options.primary.name);
  const others: string[] = [];
  if (primary !== undefined) ledger.watch(options.primary, primary);
  for (const informer of options.others) {
    const r = watchedResourceOfInformerName(informer.name);
    if (r === undefined) continue;
    ledger.watch(informer, r);
    if (r.resource !== primary?.resource && !others.includes(r.resource)) others.push(r.resource);
  }
  const client = createClient(options.kubeConfig, {
    userAgent: `kubecache-controller/${options.name}`,
    ...(options.fieldManager !== undefined ? { fieldManager: options.fieldManager } : {}),
    logger: options.logger,
    onWrite: (e: ClientWriteEvent) => ledger.record(e, owners.getStore()),
  });
  const close = (): void => {
    ledger.close();
    client.close();
  };
  const runAs = <T>(key: string, run: () => T): T => owners.run(key, run);
  if (ryw === false) return { client, awaitWrites: undefined, runAs, close };
  const awaitWrites = async (key: string, signal: AbortSignal): Promise<boolean> => {
    const start = monotonicNow(clock);
    const targets: ReadYourWritesTarget[] = [
      ...(primary !== undefined ? [{ resource: primary.resource, key }] : []),
      ...others.map((resource) => ({ resource })),
    ];
    for (const target of targets) {
      const left = timeoutMs - (monotonicNow(clock) - start);
      const outcome = await ledger.waitFor(target, signal, Math.max(left, 0));
      if (outcome === 'aborted') return false;
      if (outcome === 'timeout') {
        const pending = ledger.pending(target.resource);
        logger.warn(
          {
            component: 'controller',
            resource: options.name,
            key,
            waitingFor: target.resource,
            pending: pending.length,
            timeoutMs,
          },
          `cache of ${target.resource} has not seen this controller's own writes within ${String(timeoutMs)} ms; requeued`,
        );
        return false;
      }
    }
    return true;
  };
  return { client, awaitWrites, runAs, close };
}
