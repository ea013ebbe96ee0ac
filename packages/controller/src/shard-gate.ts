// The shard side of a sharded controller (the protocol of timebertt/kubernetes-controller-sharding,
// on kubecache's labels): a reconcile of a key starts only while the primary object in this
// shard's cache carries this shard's assignment label and no drain label; an object that gets the
// drain label is handed back — once any reconcile of it in flight has returned — by removing both
// labels with a JSON patch that first tests the assignment label's value.
// Differs from client-go and controller-runtime: neither shards. Differs from the reference
// design: a shard also acknowledges drains of owned objects, and a key whose primary is not in
// the shard's cache is skipped (a shard cannot tell a deletion from a move).
import {
  compareResourceVersion,
  monotonicNow,
  noMetricsProvider,
  type Clock,
  type KubeObject,
  type Logger,
  type MetricsProvider,
  type ResourceDef,
  summarizeError,
} from '@kubecache/core';
import type { ResourceEventHandlerRegistration, SharedIndexInformer } from '@kubecache/informer';
import { isDeletedFinalStateUnknown } from '@kubecache/store';
import type { Client } from './client.js';
import { jsonPatch, type JsonPatchOperation } from './client-patch.js';
import { isNotFoundError } from './errors.js';
import { safeLog } from './safe.js';

/** The names of the per-shard metrics (labels `controller`, `ring`, `shard`). */
export const shardMetricNames = {
  /** Gauge: primary objects in this shard's cache, i.e. assigned to this shard (read on scrape). */
  assignedObjects: 'kubecache_shard_assigned_objects',
  /** Counter: drains this shard acknowledged (objects it handed back to the sharder). */
  drainsAcknowledged: 'kubecache_shard_drains_acknowledged_total',
  /**
   * Histogram, seconds: from the drain label showing in this shard's cache to its
   * acknowledgement (the wait for a reconcile in flight plus the patch).
   */
  drainDuration: 'kubecache_shard_drain_duration_seconds',
} as const;

/** Buckets of `kubecache_shard_drain_duration_seconds`, in seconds. */
export const drainDurationBuckets: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
];

/**
 * How a drain acknowledgement ended: `'acknowledged'` (both labels removed; `resourceVersion` is
 * the object's after the patch), or `'not-ours'` — the patch changed nothing because the object
 * is gone (404) or its labels are not what the shard saw (422: the assignment label names
 * another shard, or the drain label was taken away).
 */
export type DrainAcknowledgement =
  | { readonly outcome: 'acknowledged'; readonly resourceVersion: string | undefined }
  | { readonly outcome: 'not-ours' };

/** Options of {@link ShardGate}. */
export interface ShardGateOptions {
  /** The controller's name (metrics label, logs). */
  readonly controller: string;
  /** The ring's name. */
  readonly ring: string;
  /** This shard's id. */
  readonly shardId: string;
  /** The assignment label's key, e.g. `shard.kubecache.io/<ring>`. */
  readonly shardLabel: string;
  /** The drain label's key, e.g. `drain.kubecache.io/<ring>`. */
  readonly drainLabel: string;
  /** The primary informer (restricted to this shard by its label selector). */
  readonly primary: SharedIndexInformer;
  /**
   * The owned resources (restricted likewise): the sharder drains an owned object when its
   * owner moves. Its drain is acknowledged once no reconcile of its owners (`owners`) is in
   * flight, with its own `acknowledge`. Default: none.
   */
  readonly owned?: readonly OwnedDrainTarget[];
  /**
   * Removes both labels of the object under `key` (`namespace/name`), failing when the
   * assignment label is not `shardId`; rejects on any other error (retried with backoff).
   */
  readonly acknowledge: (key: string, signal: AbortSignal) => Promise<DrainAcknowledgement>;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Default: none. */
  readonly metricsProvider?: MetricsProvider | undefined;
}

/** An owned resource whose drains a {@link ShardGate} acknowledges. */
export interface OwnedDrainTarget {
  /** Its informer (the shard's label selector). */
  readonly informer: SharedIndexInformer;
  /** The primary keys (`namespace/name`) an object of it belongs to: its controller owner. */
  readonly owners: (object: KubeObject) => Iterable<string>;
  /** Removes both labels of its object under `key` (see {@link ShardGateOptions.acknowledge}). */
  readonly acknowledge: (key: string, signal: AbortSignal) => Promise<DrainAcknowledgement>;
}

/** First and largest delay between failed acknowledgements, ms. */
const retryFirstMs = 200;
const retryMaxMs = 10_000;

type KeyState =
  | { readonly phase: 'draining'; readonly since: number }
  | { readonly phase: 'released'; readonly resourceVersion: string | undefined };

interface InFlight {
  count: number;
  idle: (() => void)[];
}

/**
 * Admission and drain for one shard of a sharded controller.
 *
 * - {@link ShardGate.admit}: whether a reconcile of a key may start now; the ticket it returns
 *   marks the reconcile in flight until `done()`.
 * - Drain: when the primary informer shows this shard's object with the drain label, the key is
 *   refused from then on, the gate waits until no reconcile of it is in flight, then calls
 *   `acknowledge` (retried with backoff 200 ms doubling to 10 s until it answers or the gate
 *   closes). After an acknowledgement the key stays refused until the cache shows the object
 *   assigned to this shard again at a later resourceVersion (the sharder gave it back).
 */
export class ShardGate {
  private readonly o: ShardGateOptions;
  private readonly states = new Map<string, KeyState>();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly closing = new AbortController();
  private readonly pending = new Set<Promise<void>>();
  private readonly drains: { inc(value?: number): void };
  private readonly drainTime: { observe(seconds: number): void };
  private readonly unregisterMetrics: () => void;
  private registration: ResourceEventHandlerRegistration | undefined;
  private readonly ownedRegistrations: ResourceEventHandlerRegistration[] = [];
  /** Owned objects (`<informer>\u0000<key>`) whose drain is being acknowledged. */
  private readonly ownedDrains = new Set<string>();
  private warnedForeign = false;
  private acknowledged = 0;

  constructor(options: ShardGateOptions) {
    this.o = options;
    const provider = options.metricsProvider ?? noMetricsProvider;
    const labels = { controller: options.controller, ring: options.ring, shard: options.shardId };
    const labelNames = ['controller', 'ring', 'shard'];
    this.drains = provider
      .counter({
        name: shardMetricNames.drainsAcknowledged,
        help: 'Drains this shard acknowledged (objects handed back to the sharder)',
        labelNames,
      })
      .with(labels);
    this.drains.inc(0);
    this.drainTime = provider
      .histogram({
        name: shardMetricNames.drainDuration,
        help: 'Time from the drain label showing in the shard cache to its acknowledgement',
        labelNames,
        buckets: drainDurationBuckets,
      })
      .with(labels);
    const store = options.primary.getStore();
    const registration = provider.collect(
      {
        name: shardMetricNames.assignedObjects,
        help: 'Primary objects in this shard cache (assigned to this shard)',
        labelNames,
      },
      () => [{ labels, value: store.listKeys().length }],
    );
    this.unregisterMetrics = () => registration.unregister();
  }

  /** Drains acknowledged so far. */
  drainsAcknowledged(): number {
    return this.acknowledged;
  }

  /**
   * Adds the drain handlers: to the primary informer (returned: the controller waits for it to
   * sync) and to each owned one. Call once, before they sync.
   */
  register(): ResourceEventHandlerRegistration {
    for (const target of this.o.owned ?? []) {
      const seen = (object: KubeObject): void => this.seenOwned(target, object);
      this.ownedRegistrations.push(
        target.informer.addEventHandler(
          { onAdd: seen, onUpdate: (_old, object) => seen(object), onDelete: () => undefined },
          { name: `controller-${this.o.controller}-shard-drain-${target.informer.name}` },
        ),
      );
    }
    const seen = (object: KubeObject): void => this.seen(object);
    this.registration = this.o.primary.addEventHandler(
      {
        onAdd: seen,
        onUpdate: (_old, object) => seen(object),
        onDelete: (object) => {
          const last = isDeletedFinalStateUnknown(object) ? object.obj : object;
          const key = last === undefined ? undefined : keyOf(last);
          if (key === undefined) return;
          // Gone from this shard's cache (deleted, or its labels left the selector). A drain
          // still waiting for its reconcile goes on: its patch answers 404 or 422 if moot.
          if (this.states.get(key)?.phase === 'released') this.states.delete(key);
        },
      },
      { name: `controller-${this.o.controller}-shard-drain` },
    );
    return this.registration;
  }

  /**
   * Whether a reconcile of `key` may start now: the primary object is in this shard's cache,
   * carries the assignment label with this shard's id and no drain label, is not being drained
   * and was not handed back. Returns the reconcile's ticket (call `done()` when it returned), or
   * `undefined` to skip the key.
   */
  admit(key: string): { done(): void } | undefined {
    if (this.closing.signal.aborted) return undefined;
    const object = this.o.primary.getStore().getByKey(key);
    if (object === undefined) return undefined; // deleted, or assigned to another shard
    const labels = object.metadata?.labels ?? {};
    if (labels[this.o.shardLabel] !== this.o.shardId) {
      this.warnForeign(key, labels[this.o.shardLabel]);
      return undefined;
    }
    if (labels[this.o.drainLabel] !== undefined) return undefined;
    const state = this.states.get(key);
    if (state?.phase === 'draining') return undefined;
    if (state?.phase === 'released') {
      if (!isLater(object.metadata?.resourceVersion, state.resourceVersion)) return undefined;
      this.states.delete(key); // given back to this shard after the hand-over
    }
    const entry = this.inFlight.get(key) ?? { count: 0, idle: [] };
    entry.count++;
    this.inFlight.set(key, entry);
    let done = false;
    return {
      done: () => {
        if (done) return;
        done = true;
        entry.count--;
        if (entry.count > 0) return;
        this.inFlight.delete(key);
        for (const wake of entry.idle.splice(0)) wake();
      },
    };
  }

  /** Stops the drains in progress (their patches are aborted) and resolves once they ended. */
  async close(): Promise<void> {
    this.closing.abort(new Error(`controller ${this.o.controller}: shard stopping`));
    void this.registration?.remove();
    for (const r of this.ownedRegistrations.splice(0)) void r.remove();
    this.unregisterMetrics();
    for (const entry of this.inFlight.values()) for (const wake of entry.idle.splice(0)) wake();
    await Promise.allSettled([...this.pending]);
  }

  private seen(object: KubeObject): void {
    const key = keyOf(object);
    if (key === undefined) return;
    const labels = object.metadata?.labels ?? {};
    if (labels[this.o.shardLabel] !== this.o.shardId) return;
    if (labels[this.o.drainLabel] === undefined) return;
    const current = this.states.get(key);
    if (current?.phase === 'draining') return;
    // An event older than the hand-over (the cache had not caught up with the patch).
    if (
      current?.phase === 'released' &&
      !isLater(object.metadata?.resourceVersion, current.resourceVersion)
    ) {
      return;
    }
    const state: KeyState = { phase: 'draining', since: monotonicNow(this.o.clock) };
    this.states.set(key, state);
    const drain = this.drain(key, state).finally(() => this.pending.delete(drain));
    this.pending.add(drain);
  }

  /** An owned object of this shard with the drain label: acknowledged once its owners are idle. */
  private seenOwned(target: OwnedDrainTarget, object: KubeObject): void {
    const key = keyOf(object);
    if (key === undefined) return;
    const labels = object.metadata?.labels ?? {};
    if (labels[this.o.shardLabel] !== this.o.shardId) return;
    if (labels[this.o.drainLabel] === undefined) return;
    const id = `${target.informer.name}\u0000${key}`;
    if (this.ownedDrains.has(id)) return;
    this.ownedDrains.add(id);
    const owners = [...target.owners(object)];
    const drain = (async () => {
      for (const owner of owners) await this.idle(owner);
      const answer = await this.acknowledgeRetrying(key, target.acknowledge);
      if (answer?.outcome === 'acknowledged') {
        this.o.logger.debug(
          {
            component: 'controller',
            controller: this.o.controller,
            key,
            resource: target.informer.name,
          },
          'shard drain of an owned object acknowledged',
        );
      }
    })().finally(() => {
      this.ownedDrains.delete(id);
      this.pending.delete(drain);
    });
    this.pending.add(drain);
  }

  /** Resolves once no reconcile of `key` is in flight (or the gate closes). */
  private async idle(key: string): Promise<void> {
    const entry = this.inFlight.get(key);
    if (entry !== undefined && !this.closing.signal.aborted) {
      await new Promise<void>((resolve) => entry.idle.push(resolve));
    }
  }

  /** Calls `acknowledge` until it answers (retrying with backoff); `undefined` once closed. */
  private async acknowledgeRetrying(
    key: string,
    acknowledge: (key: string, signal: AbortSignal) => Promise<DrainAcknowledgement>,
  ): Promise<DrainAcknowledgement | undefined> {
    const signal = this.closing.signal;
    let delay = retryFirstMs;
    while (!signal.aborted) {
      try {
        return await acknowledge(key, signal);
      } catch (err) {
        if (signal.aborted) break;
        safeLog(
          this.o.logger,
          'warn',
          { component: 'controller', controller: this.o.controller, key, err, retryInMs: delay },
          'shard drain: acknowledgement failed; retrying',
        );
        await sleep(this.o.clock, delay, signal);
        delay = Math.min(delay * 2, retryMaxMs);
      }
    }
    return undefined;
  }

  /** Waits for the key's reconcile in flight, then acknowledges (retrying) until closed. */
  private async drain(key: string, state: KeyState & { phase: 'draining' }): Promise<void> {
    await this.idle(key);
    const answer = await this.acknowledgeRetrying(key, this.o.acknowledge);
    if (answer === undefined) return; // closing
    if (this.states.get(key) !== state) return; // superseded
    if (answer.outcome === 'not-ours') {
      this.states.delete(key); // the cache decides again (another shard's, or not draining)
      this.o.logger.debug(
        { component: 'controller', controller: this.o.controller, key },
        'shard drain: object gone or no longer ours; nothing to acknowledge',
      );
      return;
    }
    this.states.set(key, { phase: 'released', resourceVersion: answer.resourceVersion });
    const drainMs = monotonicNow(this.o.clock) - state.since;
    this.acknowledged++;
    this.drains.inc();
    this.drainTime.observe(drainMs / 1000);
    this.o.logger.info(
      {
        component: 'controller',
        controller: this.o.controller,
        ring: this.o.ring,
        shard: this.o.shardId,
        key,
        drainMs: Math.round(drainMs),
      },
      'shard drain acknowledged: object handed back to the sharder',
    );
  }

  private warnForeign(key: string, label: string | undefined): void {
    if (this.warnedForeign) return;
    this.warnedForeign = true;
    safeLog(
      this.o.logger,
      'warn',
      {
        component: 'controller',
        controller: this.o.controller,
        key,
        label: this.o.shardLabel,
        value: label ?? null,
        shard: this.o.shardId,
      },
      'primary informer holds objects of other shards (not reconciled): create it with the shard label selector (shardSelector)',
    );
  }
}

/** `namespace/name` of an object (`name` for a cluster-scoped one), as the informer keys it. */
function keyOf(object: KubeObject): string | undefined {
  const name = object.metadata?.name;
  if (name === undefined || name === '') return undefined;
  const ns = object.metadata?.namespace;
  return ns === undefined || ns === '' ? name : `${ns}/${name}`;
}

/**
 * Whether `current` is a later resourceVersion than `released` (the object's after the
 * hand-over). Opaque (non-numeric) versions: any different one counts as later.
 */
function isLater(current: string | undefined, released: string | undefined): boolean {
  if (current === undefined || released === undefined) return current !== released;
  try {
    return compareResourceVersion(current, released) > 0;
  } catch {
    return current !== released;
  }
}

function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      timer.cancel();
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** RFC 6901: a label key as one JSON Pointer segment (`/` → `~1`, `~` → `~0`). */
export function pointerSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * The JSON Patch that hands an object back: test that the assignment label is `shardId`, then
 * remove it and the drain label. Atomic: a failed test changes nothing (422).
 */
export function drainAcknowledgementOps(
  shardLabel: string,
  drainLabel: string,
  shardId: string,
): JsonPatchOperation[] {
  const label = (key: string): string => `/metadata/labels/${pointerSegment(key)}`;
  return [
    { op: 'test', path: label(shardLabel), value: shardId },
    { op: 'remove', path: label(shardLabel) },
    { op: 'remove', path: label(drainLabel) },
  ];
}

/**
 * The `acknowledge` of a {@link ShardGate} over `client`: PATCHes the primary object with
 * {@link drainAcknowledgementOps}. 404 NotFound and 422 (a failed `test`, or a label already
 * gone: the patch changed nothing) answer `'not-ours'`; other errors reject.
 */
export function clientAcknowledge(options: {
  readonly client: Client;
  readonly resource: ResourceDef;
  readonly shardLabel: string;
  readonly drainLabel: string;
  readonly shardId: string;
}): (key: string, signal: AbortSignal) => Promise<DrainAcknowledgement> {
  const { client, resource, shardLabel, drainLabel, shardId } = options;
  const ops = drainAcknowledgementOps(shardLabel, drainLabel, shardId);
  return async (key, signal) => {
    const slash = key.indexOf('/');
    const namespace = slash < 0 ? undefined : key.slice(0, slash);
    const name = slash < 0 ? key : key.slice(slash + 1);
    try {
      const patched = await client.patch(
        resource,
        namespace === undefined ? { name } : { namespace, name },
        jsonPatch(ops),
        { signal },
      );
      return { outcome: 'acknowledged', resourceVersion: patched.metadata?.resourceVersion };
    } catch (err) {
      if (isNotFoundError(err) || summarizeError(err).code === 422) return { outcome: 'not-ours' };
      throw err;
    }
  };
}
