// A shard's membership in a ring: it holds its own coordination.k8s.io/v1 Lease (name = shard
// id, label sharding.kubecache.io/ring=<ring>) and renews it the way client-go's LeaderElector
// renews (k8s.io/client-go/tools/leaderelection/leaderelection.go: renew every retry period, give
// up at the renew deadline), and as the shards of timebertt/kubernetes-controller-sharding do
// (pkg/shard/lease). Unlike leader election every replica holds its own Lease: there is no race
// for it, only the sharder may take it over when it declares the shard dead.
import {
  asLease,
  createRateLimitedLogger,
  defaultLogger,
  flushLogger,
  isAbortError,
  realClock,
  sleep,
  type Clock,
  type Logger,
} from '@kubecache/core';
import { defaultLeaderElectionTimings, jitterFactor, microTime } from '@kubecache/leaderelection';
import {
  createJsonClient,
  isConflict,
  isNotFound,
  type JsonClient,
  type KubeConfigLike,
} from '@kubecache/listwatch';
import {
  ShardMembershipLostError,
  ShardingConfigError,
  type ShardMembershipLostReason,
} from './errors.js';
import { ringLabel, validateRingName, validateShardId } from './labels.js';
import {
  boundedRequest,
  leaseDecodeError,
  leasePath,
  mono,
  type ShardLease,
} from './lease-wire.js';

/** Options of {@link runShardMembership}. Give `kubeConfig` or `client`. */
export interface ShardMembershipOptions {
  /** The cluster and credentials (a @kubernetes/client-node `KubeConfig`). */
  kubeConfig?: KubeConfigLike;
  /** A JSON client to send the Lease requests with, instead of one made from `kubeConfig`. */
  client?: JsonClient;
  /** Namespace of the shard Lease: the controller's namespace. */
  namespace: string;
  /** The ring's name: a DNS-1123 label of at most 40 characters. */
  ring: string;
  /**
   * This replica's shard id: the Lease name, its `holderIdentity` and the value of the shard
   * label on its objects. Unique among the replicas (the pod name); a lower-case DNS-1123 name
   * of at most 63 characters.
   */
  shardId: string;
  /**
   * How long after the sharder last saw the Lease change it declares the shard dead, in ms: a
   * whole number of seconds (a Lease stores seconds). Default 15 000.
   */
  leaseDurationMs?: number;
  /**
   * How long the shard stays a member without a successful renewal, counted from the start of
   * the last renewal that succeeded, in ms. Must be below `leaseDurationMs` (the gap is what
   * keeps a shard that stopped renewing from still working when the sharder moves its objects)
   * and above 1.2 × `retryPeriodMs`. Default 10 000.
   */
  renewDeadlineMs?: number;
  /** Time between renewals (and between acquire attempts), in ms. Default 2 000. */
  retryPeriodMs?: number;
  /** Aborting ends the membership: the Lease is deleted at once and the Promise resolves. */
  signal: AbortSignal;
  /**
   * Called once the Lease is held (created, or taken back from a release or an earlier
   * incarnation). Start reconciling the ring's objects only after it.
   */
  onAcquired?: () => void;
  /**
   * Pino-shaped logger (`component: 'sharding'`), wrapped with core's rate limiter. Default:
   * core's `defaultLogger`.
   */
  logger?: Logger;
  /** Clock of every timer and of the observation times. Default: the system clock. */
  clock?: Clock;
}

interface Resolved {
  client: JsonClient;
  namespace: string;
  ring: string;
  shardId: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

function resolve(o: ShardMembershipOptions): Resolved {
  validateRingName(o.ring);
  validateShardId(o.shardId);
  if (typeof o.namespace !== 'string' || o.namespace === '') {
    throw new ShardingConfigError('namespace', 'the shard Lease needs a namespace');
  }
  const leaseDurationMs = o.leaseDurationMs ?? defaultLeaderElectionTimings.leaseDurationMs;
  const renewDeadlineMs = o.renewDeadlineMs ?? defaultLeaderElectionTimings.renewDeadlineMs;
  const retryPeriodMs = o.retryPeriodMs ?? defaultLeaderElectionTimings.retryPeriodMs;
  for (const [field, v] of [
    ['leaseDurationMs', leaseDurationMs],
    ['renewDeadlineMs', renewDeadlineMs],
    ['retryPeriodMs', retryPeriodMs],
  ] as const) {
    if (!Number.isFinite(v) || v <= 0) {
      throw new ShardingConfigError(
        field,
        `${field} must be a positive number of ms, got ${String(v)}`,
      );
    }
  }
  if (leaseDurationMs % 1000 !== 0) {
    throw new ShardingConfigError(
      'leaseDurationMs',
      `leaseDurationMs (${String(leaseDurationMs)}) must be a whole number of seconds`,
    );
  }
  if (leaseDurationMs <= renewDeadlineMs) {
    throw new ShardingConfigError(
      'renewDeadlineMs',
      `leaseDurationMs (${String(leaseDurationMs)}) must be greater than renewDeadlineMs (${String(renewDeadlineMs)})`,
    );
  }
  if (renewDeadlineMs <= jitterFactor * retryPeriodMs) {
    throw new ShardingConfigError(
      'retryPeriodMs',
      `renewDeadlineMs (${String(renewDeadlineMs)}) must be greater than retryPeriodMs × ${String(jitterFactor)}`,
    );
  }
  let client = o.client;
  if (client === undefined) {
    if (o.kubeConfig === undefined) {
      throw new ShardingConfigError('kubeConfig', 'give kubeConfig or client');
    }
    client = createJsonClient(o.kubeConfig, { userAgent: 'kubecache-sharding' });
  }
  return {
    client,
    namespace: o.namespace,
    ring: o.ring,
    shardId: o.shardId,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
  };
}

/**
 * Holds this replica's shard Lease in `namespace` until `signal` aborts:
 *
 * 1. Acquire: creates the Lease `<shardId>` (label `sharding.kubecache.io/ring: <ring>`,
 *    `holderIdentity: <shardId>`, `leaseDurationSeconds`, `acquireTime`, `renewTime`), or renews
 *    it when it still names this shard (a restart within the lease duration). A Lease that is
 *    released (`holderIdentity: ""`) or held by another identity — the sharder's, after it
 *    declared this shard dead — is waited for, retrying every `retryPeriodMs`, until the sharder
 *    deletes it: the sharder may be moving the shard's objects directly until then, and it
 *    deletes the Lease once no object carries the shard's label. Then `onAcquired` is called.
 * 2. Renew: every `retryPeriodMs`, a PUT of `renewTime` with the resourceVersion precondition. A
 *    failed renewal is retried every `retryPeriodMs` until `renewDeadlineMs` after the start of
 *    the last successful one; each request is cut off at that deadline.
 * 3. On abort of `signal`: deletes the Lease (resourceVersion precondition) so the sharder moves
 *    the shard's objects at once, and resolves. Stop reconciling before aborting: from the
 *    deletion on, other shards get the objects. A failed deletion is logged; the sharder then
 *    moves the objects when the Lease expires.
 *
 * Rejects with {@link ShardMembershipLostError} — stop all work of the ring at once, the process
 * must not stay half-alive — when renewals fail until the renew deadline (`renew-deadline`), or
 * a renewal finds the Lease held by someone else (`taken-over`) or gone (`deleted`). Rejects with
 * {@link ShardingConfigError} for invalid options, before any request. Resolves when `signal`
 * aborts before the Lease was acquired (deleting it if a create or renewal cut off by the abort
 * may have landed and the Lease names this shard).
 *
 * Differs from client-go's LeaderElector: no campaign against other holders (the Lease is this
 * shard's own), the renew deadline is counted from the start of the last successful renewal
 * (as @kubecache/leaderelection does) and the Lease is deleted rather than released on a clean
 * stop.
 */
export async function runShardMembership(options: ShardMembershipOptions): Promise<void> {
  const r = resolve(options);
  const clock = options.clock ?? realClock;
  const logger = createRateLimitedLogger(options.logger ?? defaultLogger);
  const signal = options.signal;
  const name = `${r.namespace}/${r.shardId}`;
  const path = leasePath(r.namespace, r.shardId);
  const ctx = { component: 'sharding', resource: `lease ${name}`, ring: r.ring, shard: r.shardId };
  const durationSeconds = r.leaseDurationMs / 1000;

  const spec = (prev: ShardLease | undefined, now: number): NonNullable<ShardLease['spec']> => {
    const prevSpec = prev?.spec ?? {};
    const same = prevSpec.holderIdentity === r.shardId;
    return {
      ...prevSpec,
      holderIdentity: r.shardId,
      leaseDurationSeconds: durationSeconds,
      acquireTime:
        same && typeof prevSpec.acquireTime === 'string' ? prevSpec.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (prevSpec.leaseTransitions ?? 0) + (prev !== undefined && !same ? 1 : 0),
    };
  };
  const body = (prev: ShardLease | undefined, now: number): ShardLease => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    ...(prev ?? {}),
    metadata: {
      ...(prev?.metadata ?? { name: r.shardId, namespace: r.namespace }),
      labels: { ...(prev?.metadata.labels ?? {}), [ringLabel]: r.ring },
    },
    spec: spec(prev, now),
  });
  const get = async (ms: number): Promise<ShardLease | undefined> => {
    try {
      return asLease(
        await boundedRequest(r.client, { method: 'GET', path }, signal, ms, clock),
        `GET ${path}`,
        leaseDecodeError,
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const put = async (prev: ShardLease, ms: number): Promise<ShardLease> =>
    asLease(
      await boundedRequest(
        r.client,
        { method: 'PUT', path, body: body(prev, clock.now()) },
        signal,
        ms,
        clock,
      ),
      `PUT ${path}`,
      leaseDecodeError,
    );
  const lost = (
    reason: ShardMembershipLostReason,
    message: string,
    cause?: unknown,
  ): ShardMembershipLostError =>
    new ShardMembershipLostError(
      name,
      reason,
      `shard ${r.shardId} of ring ${r.ring}: ${message}`,
      cause === undefined ? undefined : { cause },
    );

  try {
    // 1. Acquire.
    let lease: ShardLease | undefined;
    let lastRenewStart = 0;
    while (lease === undefined) {
      if (signal.aborted) return;
      const started = mono(clock);
      let writing = false;
      try {
        const cur = await get(r.renewDeadlineMs);
        writing = true;
        if (cur === undefined) {
          lease = asLease(
            await boundedRequest(
              r.client,
              { method: 'POST', path: leasePath(r.namespace), body: body(undefined, clock.now()) },
              signal,
              r.renewDeadlineMs,
              clock,
            ),
            `POST ${leasePath(r.namespace)}`,
            leaseDecodeError,
          );
        } else if ((cur.spec?.holderIdentity ?? '') === r.shardId) {
          // This shard's own Lease, still held: a restart within the lease duration, before
          // the sharder took it over. Its objects are still this shard's.
          lease = await put(cur, r.renewDeadlineMs);
        } else {
          writing = false;
          // Released, or taken over by the sharder after it declared this shard dead: the
          // sharder may still be moving its objects directly. Wait until it deletes the Lease
          // (it does once no object carries this shard's label any more).
          logger.info(
            { ...ctx, holder: cur.spec?.holderIdentity ?? '' },
            'shard lease is released or held by the sharder (this shard was declared dead); waiting until the sharder deletes it',
          );
        }
        if (lease !== undefined) lastRenewStart = started;
      } catch (err) {
        if (signal.aborted && isAbortError(err)) {
          // A create or renewal cut off by the abort may have landed: delete the Lease if it
          // names this shard, so the sharder does not wait a lease duration for it.
          if (writing) await releaseIfHeld(r, ctx, logger, clock);
          return;
        }
        if (!isConflict(err)) logger.warn({ ...ctx, err }, 'error acquiring shard lease');
      }
      if (lease === undefined) {
        try {
          await sleep(r.retryPeriodMs, { clock, signal });
        } catch {
          return;
        }
      }
    }
    logger.info(ctx, 'acquired shard lease');
    options.onAcquired?.();

    // 2. Renew until aborted or lost.
    for (;;) {
      try {
        await sleep(r.retryPeriodMs, { clock, signal });
      } catch {
        break;
      }
      const started = mono(clock);
      const deadline = lastRenewStart + r.renewDeadlineMs;
      let renewed = false;
      while (!renewed) {
        const remaining = deadline - mono(clock);
        if (remaining <= 0) {
          throw lost(
            'renew-deadline',
            `no renewal succeeded within renewDeadlineMs (${String(r.renewDeadlineMs)} ms); stop reconciling`,
          );
        }
        try {
          try {
            lease = await put(lease, remaining);
          } catch (err) {
            if (isNotFound(err))
              throw lost('deleted', 'the shard Lease was deleted under the running shard', err);
            if (!isConflict(err)) throw err;
            const cur = await get(deadline - mono(clock));
            if (cur === undefined)
              throw lost('deleted', 'the shard Lease was deleted under the running shard', err);
            const holder = cur.spec?.holderIdentity ?? '';
            if (holder !== r.shardId) {
              throw lost(
                'taken-over',
                `the shard Lease is held by ${JSON.stringify(holder)} now (the sharder declared this shard dead)`,
                err,
              );
            }
            lease = await put(cur, deadline - mono(clock));
          }
          lastRenewStart = started;
          renewed = true;
        } catch (err) {
          if (err instanceof ShardMembershipLostError) throw err;
          if (signal.aborted) break;
          logger.warn({ ...ctx, err }, 'error renewing shard lease');
          const wait = Math.min(r.retryPeriodMs, deadline - mono(clock));
          if (wait > 0) {
            try {
              await sleep(wait, { clock, signal });
            } catch {
              break;
            }
          }
        }
      }
      if (signal.aborted) break;
    }

    // 3. Clean stop: delete the Lease so the sharder moves the objects at once.
    await release(r, lease, ctx, logger, clock);
  } finally {
    if (options.client === undefined) r.client.close();
    flushLogger(logger);
  }
}

/** Deletes the shard's Lease if it names this shard (best effort, after an aborted acquire). */
async function releaseIfHeld(
  r: Resolved,
  ctx: object,
  logger: Logger,
  clock: Clock,
): Promise<void> {
  const path = leasePath(r.namespace, r.shardId);
  try {
    const cur = asLease(
      await boundedRequest(
        r.client,
        { method: 'GET', path },
        new AbortController().signal,
        r.renewDeadlineMs,
        clock,
      ),
      `GET ${path}`,
      leaseDecodeError,
    );
    if ((cur.spec?.holderIdentity ?? '') === r.shardId) await release(r, cur, ctx, logger, clock);
  } catch (err) {
    if (!isNotFound(err)) logger.warn({ ...ctx, err }, 'error deleting shard lease on shutdown');
  }
}

/** Deletes the shard's Lease with the resourceVersion precondition (a few retries on conflict). */
async function release(
  r: Resolved,
  lease: ShardLease,
  ctx: object,
  logger: Logger,
  clock: Clock,
): Promise<void> {
  const path = leasePath(r.namespace, r.shardId);
  const never = new AbortController().signal;
  let rv = lease.metadata.resourceVersion;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await boundedRequest(
        r.client,
        {
          method: 'DELETE',
          path,
          body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { resourceVersion: rv } },
        },
        never,
        r.renewDeadlineMs,
        clock,
      );
      logger.info(ctx, 'deleted shard lease');
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err)) {
        logger.warn(
          { ...ctx, err },
          'error deleting shard lease on shutdown; the sharder moves its objects when it expires',
        );
        return;
      }
      try {
        const cur = asLease(
          await boundedRequest(r.client, { method: 'GET', path }, never, r.renewDeadlineMs, clock),
          `GET ${path}`,
          leaseDecodeError,
        );
        if ((cur.spec?.holderIdentity ?? '') !== r.shardId) return;
        rv = cur.metadata.resourceVersion;
      } catch (getErr) {
        if (!isNotFound(getErr))
          logger.warn({ ...ctx, err: getErr }, 'error deleting shard lease on shutdown');
        return;
      }
    }
  }
}
