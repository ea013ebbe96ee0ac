// The sharder of a ring: whichever replica leads the ring's `<ring>-sharder` election watches the
// ring's shard Leases and objects and writes the shard and drain labels. This is the "sharder"
// controller of timebertt/kubernetes-controller-sharding (pkg/controller/sharder and the shard
// lease states of pkg/shard/lease), run inside the controller's own replicas instead of as a
// separate deployment, and without its mutating webhook (see the README).
import { hostname } from 'node:os';
import {
  createRateLimitedLogger,
  defaultLogger,
  flushLogger,
  isAbortError,
  isResourceDef,
  leasesResourceDef,
  realClock,
  type Clock,
  type KubeObject,
  type Logger,
} from '@kubecache/core';
import { createSharedInformerFactory, type SharedIndexInformer } from '@kubecache/informer';
import {
  canonicalJson,
  createLeaderElector,
  createLeaseLock,
  microTime,
} from '@kubecache/leaderelection';
import {
  collectionPath,
  createJsonClient,
  isConflict,
  isNotFound,
  isInvalid,
  type JsonClient,
} from '@kubecache/listwatch';
import { ShardingConfigError } from './errors.js';
import {
  drainLabel,
  drainValue,
  ringSelector,
  sharderLeaseName,
  shardLabel,
  validateRingName,
} from './labels.js';
import { leasePath, type ShardLease, boundedRequest, mono } from './lease-wire.js';
import type { MoveReason, ShardingMetrics } from './metrics.js';
import { partitionKey, type KindRef } from './partition-key.js';
import { createRing, defaultVirtualNodes, type Ring } from './ring.js';
import type { RingResource, SharderOptions } from './sharder-options.js';

/** How the sharder sees one shard Lease. */
type LeaseState =
  /** Held by its shard and renewed within its duration (by this process's observation clock). */
  | 'live'
  /** Held by its shard but not seen to change for its duration: to be taken over. */
  | 'expired'
  /** Released, taken over, or held by anyone else: its objects may be moved at once. */
  | 'dead';

interface Observed {
  raw: string;
  at: number;
}

/** Escapes a label key for a JSON pointer (RFC 6901). */
const pointer = (key: string): string =>
  `/metadata/labels/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/** Keeps only what the sharder reads, so its cache holds metadata, not whole objects. */
function metadataOnly(obj: unknown): unknown {
  const o = obj as KubeObject;
  const m = o.metadata;
  if (m === undefined) return obj;
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      labels: m.labels,
      ownerReferences: m.ownerReferences,
    },
  };
}

function validate(o: SharderOptions): void {
  validateRingName(o.ring);
  if (typeof o.namespace !== 'string' || o.namespace === '') {
    throw new ShardingConfigError(
      'namespace',
      'the sharder needs the namespace of the shard Leases',
    );
  }
  const resources: readonly RingResource[] = Array.isArray(o.resources) ? o.resources : [];
  if (!resources.some((r) => r.primary)) {
    throw new ShardingConfigError('resources', 'the ring needs at least one primary resource');
  }
  for (const r of resources) {
    if (!isResourceDef(r.definition)) {
      throw new ShardingConfigError(
        'resources',
        'each resource needs a definition made by defineResource',
      );
    }
  }
  createRing({
    shards: [],
    ...(o.virtualNodes !== undefined ? { virtualNodes: o.virtualNodes } : {}),
  });
}

/**
 * Runs the sharder of a ring for the life of the process (until `signal` aborts, then resolves):
 * campaigns for the Lease `<ring>-sharder` in `namespace` (with @kubecache/leaderelection), and
 * while it leads:
 *
 * - watches the ring's shard Leases (label `sharding.kubecache.io/ring=<ring>`) and keeps, per
 *   Lease, the local time it last saw its spec change (client-go's `observedTime`). A shard is
 *   **live** while its Lease names it as holder and changed within `leaseDurationSeconds`;
 *   **expired** when it names it but has not changed for that long — the sharder then takes the
 *   Lease over (PUT `holderIdentity: <sharder identity>` with the resourceVersion precondition),
 *   which fences a late renewal; **dead** when released, taken over or deleted. A Lease that is
 *   not live and has no objects left is deleted.
 * - watches every object of `resources` (all namespaces or the given one; metadata kept only),
 *   computes `createRing({ shards: <live>, virtualNodes }).shardFor(partitionKey(obj))` and
 *   writes labels with JSON patches that `test` the resourceVersion it read, so a sharder that
 *   lost leadership, or read a stale cache, cannot clobber a newer state:
 *   - no shard label, or a dead shard's: set `shard.kubecache.io/<ring>: <shard>` (and drop a
 *     drain label) — a dead shard's objects move directly;
 *   - a live shard's, but the ring says another: set `drain.kubecache.io/<ring>: "true"`; the
 *     shard acknowledges by removing both labels, and the object is then unassigned (above);
 *   - a live shard's, the ring agrees, a drain label present: remove the drain label.
 *   - an expired shard's: nothing until it is taken over.
 *
 * Passes run on every cache change and every `resyncIntervalMs`. New objects are labelled when
 * the watch shows them (no admission webhook), so a new object is unassigned for one watch
 * delivery plus one PATCH.
 *
 * Rejects with {@link ShardingConfigError} for invalid options (before any request), and with
 * leaderelection's `LeaderWorkFailedError` if the sharder's work fails unexpectedly.
 */
export async function runSharder(options: SharderOptions): Promise<void> {
  validate(options);
  const clock = options.clock ?? realClock;
  const logger = createRateLimitedLogger(options.logger ?? defaultLogger);
  const le = options.leaderElection ?? {};
  const identity =
    le.identity ?? `${hostname().toLowerCase()}-${Math.random().toString(36).slice(2, 8)}`;
  const lock = createLeaseLock({
    kubeConfig: options.kubeConfig,
    namespace: options.namespace,
    name: sharderLeaseName(options.ring),
    identity,
    userAgent: 'kubecache-sharding',
  });
  const client = createJsonClient(options.kubeConfig, { userAgent: 'kubecache-sharding' });
  const ctx = { component: 'sharding', ring: options.ring, identity };
  const elector = createLeaderElector({
    lock,
    ...(le.leaseDurationMs !== undefined ? { leaseDurationMs: le.leaseDurationMs } : {}),
    ...(le.renewDeadlineMs !== undefined ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
    ...(le.retryPeriodMs !== undefined ? { retryPeriodMs: le.retryPeriodMs } : {}),
    releaseOnCancel: le.releaseOnCancel ?? true,
    name: `sharder of ring ${options.ring}`,
    clock,
    logger,
    onStartedLeading: (termSignal) => {
      logger.info(ctx, 'leading the ring: sharding');
      return runTerm({ options, client, clock, logger, identity, signal: termSignal });
    },
    onStoppedLeading: () => logger.info(ctx, 'stopped leading the ring'),
  });
  try {
    await elector.run(options.signal);
  } finally {
    lock.close();
    client.close();
    flushLogger(logger);
  }
}

interface TermContext {
  options: SharderOptions;
  client: JsonClient;
  clock: Clock;
  logger: Logger;
  identity: string;
  signal: AbortSignal;
}

/** A pending label write: the resourceVersion it was computed from. */
interface Pending {
  rv: string;
}

/** One term of leadership: informers, passes and writes until `signal` aborts. */
async function runTerm(t: TermContext): Promise<void> {
  const { options, clock, logger, signal } = t;
  const ring = options.ring;
  const shardKey = shardLabel(ring);
  const drainKey = drainLabel(ring);
  const virtualNodes = options.virtualNodes ?? defaultVirtualNodes;
  const resyncMs = options.resyncIntervalMs ?? 1000;
  const maxWrites = options.maxConcurrentWrites ?? 16;
  const metrics: ShardingMetrics = options.metrics ?? {};
  const ctx = { component: 'sharding', ring };
  const primaries: KindRef[] = options.resources.filter((r) => r.primary).map((r) => r.definition);

  const leaseFactory = createSharedInformerFactory(options.kubeConfig, {
    namespace: options.namespace,
    labelSelector: ringSelector(ring),
    logger,
  });
  const objectFactory = createSharedInformerFactory(options.kubeConfig, {
    logger,
    transform: metadataOnly,
  });
  const leases = leaseFactory.forResource(leasesResourceDef) as SharedIndexInformer<
    ShardLease & KubeObject
  >;
  const informers: { r: RingResource; inf: SharedIndexInformer }[] = options.resources.map((r) => ({
    r,
    inf: objectFactory.forResource(r.definition, { namespace: r.namespace ?? '' }),
  }));

  const observed = new Map<string, Observed>();
  const takingOver = new Set<string>();
  const deleting = new Set<string>();
  const pending = new Map<string, Pending>();
  const drainStarted = new Map<string, { from: string; at: number }>();
  const lastFrom = new Map<string, string>();
  let reportedShards = new Set<string>();
  let liveBefore = new Set<string>();
  let cachedRing: { ring: Ring; id: string; memo: Map<string, string | undefined> } | undefined;
  let writesInFlight = 0;
  const queue: (() => Promise<void>)[] = [];

  const runWrites = (): void => {
    while (writesInFlight < maxWrites && queue.length > 0 && !signal.aborted) {
      const job = queue.shift() as () => Promise<void>;
      writesInFlight++;
      void job().finally(() => {
        writesInFlight--;
        runWrites();
        if (writesInFlight === 0 && queue.length === 0) schedule();
      });
    }
  };

  const leaseState = (lease: ShardLease): LeaseState => {
    const name = lease.metadata.name ?? '';
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder !== name) return 'dead';
    const raw = canonicalJson(lease.spec ?? {});
    let o = observed.get(name);
    if (o?.raw !== raw) {
      o = { raw, at: mono(clock) };
      observed.set(name, o);
    }
    const durationMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    return mono(clock) - o.at <= durationMs ? 'live' : 'expired';
  };

  /** Takes an expired shard's Lease over: afterwards a late renewal of that shard conflicts. */
  const takeOver = (lease: ShardLease): void => {
    const name = lease.metadata.name ?? '';
    if (takingOver.has(name)) return;
    takingOver.add(name);
    queue.push(async () => {
      try {
        await boundedRequest(
          t.client,
          {
            method: 'PUT',
            path: leasePath(options.namespace, name),
            body: {
              ...lease,
              spec: {
                ...lease.spec,
                holderIdentity: t.identity,
                renewTime: microTime(clock.now()),
              },
            },
          },
          signal,
          10_000,
          clock,
        );
        logger.info(
          { ...ctx, shard: name },
          'shard lease expired: took it over, moving its objects',
        );
      } catch (err) {
        if (!isAbortError(err) && !isConflict(err) && !isNotFound(err)) {
          logger.warn({ ...ctx, shard: name, err }, 'error taking over an expired shard lease');
        }
      } finally {
        takingOver.delete(name);
      }
    });
  };

  /** Deletes a dead Lease with no objects left, with the resourceVersion precondition. */
  const deleteLease = (lease: ShardLease): void => {
    const name = lease.metadata.name ?? '';
    if (deleting.has(name)) return;
    deleting.add(name);
    queue.push(async () => {
      try {
        await boundedRequest(
          t.client,
          {
            method: 'DELETE',
            path: leasePath(options.namespace, name),
            body: {
              apiVersion: 'v1',
              kind: 'DeleteOptions',
              preconditions: { resourceVersion: lease.metadata.resourceVersion },
            },
          },
          signal,
          10_000,
          clock,
        );
        logger.info(
          { ...ctx, shard: name },
          'deleted the lease of a dead shard with no objects left',
        );
      } catch (err) {
        if (!isAbortError(err) && !isConflict(err) && !isNotFound(err)) {
          logger.warn({ ...ctx, shard: name, err }, 'error deleting a dead shard lease');
        }
      } finally {
        deleting.delete(name);
      }
    });
  };

  const patchLabels = (
    r: RingResource,
    obj: KubeObject,
    id: string,
    set: Record<string, string>,
    remove: string[],
    after: () => void,
    failed: () => void = () => undefined,
  ): void => {
    const meta = obj.metadata ?? {};
    const rv = meta.resourceVersion ?? '';
    pending.set(id, { rv });
    const ops: unknown[] = [{ op: 'test', path: '/metadata/resourceVersion', value: rv }];
    if (meta.labels === undefined) ops.push({ op: 'add', path: '/metadata/labels', value: {} });
    for (const [k, v] of Object.entries(set)) ops.push({ op: 'add', path: pointer(k), value: v });
    for (const k of remove) ops.push({ op: 'remove', path: pointer(k) });
    const def = r.definition;
    const path = `${collectionPath({ group: def.group, version: def.version, resource: def.plural, namespace: def.namespaced ? (meta.namespace ?? '') : '' })}/${encodeURIComponent(meta.name ?? '')}`;
    queue.push(async () => {
      try {
        await boundedRequest(
          t.client,
          { method: 'PATCH', path, body: ops, contentType: 'application/json-patch+json' },
          signal,
          10_000,
          clock,
        );
        after();
      } catch (err) {
        pending.delete(id);
        failed();
        // 409/422: the object changed since the cache showed it (the `test` failed): the next
        // pass sees the newer state. 404: it is gone.
        if (!isAbortError(err) && !isConflict(err) && !isNotFound(err) && !isInvalid(err)) {
          logger.warn({ ...ctx, object: id, err }, 'error writing shard labels');
        }
      }
    });
  };

  const pass = (): void => {
    // Shards.
    const states = new Map<string, LeaseState>();
    const byName = new Map<string, ShardLease>();
    for (const lease of leases.getStore().list()) {
      const name = lease.metadata.name ?? '';
      byName.set(name, lease);
      states.set(name, leaseState(lease));
    }
    for (const name of observed.keys()) if (!byName.has(name)) observed.delete(name);
    const live = [...states]
      .filter(([, s]) => s === 'live')
      .map(([n]) => n)
      .sort();
    const liveSet = new Set(live);
    // Each shard's membership is its own cause for the repeat policy (resource = the shard):
    // three shards joining at once are three lines, not one and a summary 30 s later.
    for (const n of live)
      if (!liveBefore.has(n))
        logger.info({ ...ctx, resource: `shard ${n}`, shard: n }, 'shard joined the ring');
    for (const n of liveBefore)
      if (!liveSet.has(n))
        logger.info(
          { ...ctx, resource: `shard ${n}`, shard: n, state: states.get(n) ?? 'deleted' },
          'shard left the ring',
        );
    liveBefore = liveSet;
    for (const [name, s] of states) if (s === 'expired') takeOver(byName.get(name) as ShardLease);

    const ringId = `${String(virtualNodes)}:${live.join(',')}`;
    if (cachedRing?.id !== ringId) {
      cachedRing = {
        ring: createRing({ shards: live, virtualNodes }),
        id: ringId,
        memo: new Map(),
      };
    }
    const c = cachedRing;
    // Each pass keeps only the keys it asked for: deleted objects' keys do not pile up.
    const memo = new Map<string, string | undefined>();
    const shardFor = (key: string): string | undefined => {
      if (memo.has(key)) return memo.get(key);
      const s = c.memo.has(key) ? c.memo.get(key) : c.ring.shardFor(key);
      memo.set(key, s);
      return s;
    };

    // Objects.
    const counts = new Map<string, number>(live.map((s) => [s, 0]));
    const stillLabelled = new Set<string>();
    const seen = new Set<string>();
    for (const { r, inf } of informers) {
      for (const obj of inf.getStore().list()) {
        const meta = obj.metadata ?? {};
        const id = `${r.definition.plural}.${r.definition.group}/${meta.namespace ?? ''}/${meta.name ?? ''}`;
        seen.add(id);
        const labels = meta.labels ?? {};
        const cur = labels[shardKey];
        if (cur !== undefined) {
          stillLabelled.add(cur);
          if (liveSet.has(cur)) counts.set(cur, (counts.get(cur) ?? 0) + 1);
        }
        const p = pending.get(id);
        if (p !== undefined) {
          if (p.rv === meta.resourceVersion) continue;
          pending.delete(id);
        }
        const key = partitionKey(obj, { primaries, resource: r.definition });
        const draining = labels[drainKey] !== undefined;
        const state = cur === undefined ? undefined : states.get(cur);
        if (key === undefined) {
          // Not part of the ring (any more): only a dead shard's label is taken off, so that
          // the dead shard's Lease can be deleted and the shard id used again.
          if (cur !== undefined && state !== 'live' && state !== 'expired') {
            patchLabels(
              r,
              obj,
              id,
              {},
              draining ? [shardKey, drainKey] : [shardKey],
              () => undefined,
            );
          }
          continue;
        }
        const desired = shardFor(key);
        if (desired === undefined) continue;
        if (cur === undefined || state === 'dead' || state === undefined) {
          const drained = drainStarted.get(id);
          const from = cur ?? drained?.from ?? '';
          const reason: MoveReason = cur === undefined ? 'unassigned' : 'dead-shard';
          patchLabels(r, obj, id, { [shardKey]: desired }, draining ? [drainKey] : [], () => {
            if (drained !== undefined) {
              metrics.drainDurationMs?.(ring, drained.from, mono(clock) - drained.at);
              drainStarted.delete(id);
            }
            lastFrom.delete(id);
            metrics.assigned?.(ring, from, desired, reason);
            logger.debug({ ...ctx, object: id, from, to: desired, reason }, 'assigned');
          });
        } else if (state === 'live') {
          if (cur === desired) {
            if (draining) patchLabels(r, obj, id, {}, [drainKey], () => drainStarted.delete(id));
          } else if (!draining) {
            // Noted before the write: the acknowledgement may reach the cache before the
            // answer to this PATCH does.
            drainStarted.set(id, { from: cur, at: mono(clock) });
            patchLabels(
              r,
              obj,
              id,
              { [drainKey]: drainValue },
              [],
              () => {
                metrics.drainRequested?.(ring, cur);
                logger.debug({ ...ctx, object: id, from: cur, to: desired }, 'drain requested');
              },
              () => drainStarted.delete(id),
            );
          }
        }
        // An expired shard's objects wait until its Lease is taken over.
      }
    }
    c.memo = memo;
    for (const id of pending.keys()) if (!seen.has(id)) pending.delete(id);
    for (const id of drainStarted.keys()) if (!seen.has(id)) drainStarted.delete(id);

    // Dead Leases with no objects left.
    for (const [name, s] of states) {
      if (s === 'dead' && !stillLabelled.has(name)) deleteLease(byName.get(name) as ShardLease);
    }
    for (const [shard, n] of counts) metrics.objectsAssigned?.(ring, shard, n);
    for (const shard of reportedShards)
      if (!counts.has(shard)) metrics.objectsAssigned?.(ring, shard, 0);
    reportedShards = new Set(counts.keys());
    runWrites();
  };

  // Passes: on every cache change (coalesced), and every resyncMs for Lease expiry.
  let scheduled = false;
  let synced = false;
  function schedule(): void {
    if (scheduled || !synced || signal.aborted) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (signal.aborted) return;
      // Writes still queued: the pass after them sees their results.
      if (queue.length > 0) return;
      pass();
    });
  }
  const unsubscribe = [leases, ...informers.map((i) => i.inf)].map((inf) =>
    inf.onStoreChange(schedule),
  );

  leaseFactory.start(signal);
  objectFactory.start(signal);
  try {
    const all = [leases, ...informers.map((i) => i.inf)];
    const ok = await Promise.all(all.map((inf) => inf.whenSynced(signal)));
    if (!ok.every(Boolean)) return;
    synced = true;
    logger.info(ctx, 'sharder caches synced');
    await new Promise<void>((resolve) => {
      let timer = clock.setTimeout(function tick() {
        schedule();
        timer = clock.setTimeout(tick, resyncMs);
      }, 0);
      signal.addEventListener(
        'abort',
        () => {
          timer.cancel();
          resolve();
        },
        { once: true },
      );
    });
  } finally {
    for (const u of unsubscribe) u();
    queue.length = 0;
    await Promise.all([leaseFactory.shutdown(), objectFactory.shutdown()]);
  }
}
