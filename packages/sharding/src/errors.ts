// Typed errors of @kubecache/sharding, each with a stable `name`, a global-symbol brand and an
// `is…` guard, in the style of @kubecache/leaderelection's errors.
import { hasBrand } from '@kubecache/core';

const configBrand = Symbol.for('@kubecache/sharding/ShardingConfigError');

/**
 * Options given to `createRing`, `runShardMembership` or `runSharder` (or a ring name / shard id)
 * are unusable. Thrown synchronously by the helpers, and as the rejection of the `run…`
 * functions before they send any request. `field` names the offending option.
 */
export class ShardingConfigError extends Error {
  override readonly name = 'ShardingConfigError';
  readonly [configBrand] = true;
  /** The option at fault, e.g. `ring` or `renewDeadlineMs`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** Type guard for {@link ShardingConfigError} (brand-based). */
export function isShardingConfigError(err: unknown): err is ShardingConfigError {
  return hasBrand(err, configBrand);
}

const lostBrand = Symbol.for('@kubecache/sharding/ShardMembershipLostError');

/**
 * Why a shard lost its membership:
 * - `renew-deadline`: no renewal succeeded within `renewDeadlineMs` of the start of the last one
 *   that did (the API server was unreachable, slow or refused the writes);
 * - `taken-over`: the Lease is held by someone else now (the sharder declared this shard dead and
 *   took its Lease over, or another process with the same shard id runs);
 * - `deleted`: the Lease was deleted under a running shard.
 */
export type ShardMembershipLostReason = 'renew-deadline' | 'taken-over' | 'deleted';

/**
 * `runShardMembership` rejects with this when it can no longer vouch that the shard is alive. The
 * controller must stop every reconcile of the ring at once (never half-alive): the sharder will
 * give the shard's objects to other shards one lease duration after it last saw a renewal.
 */
export class ShardMembershipLostError extends Error {
  override readonly name = 'ShardMembershipLostError';
  readonly [lostBrand] = true;
  /** Why; see {@link ShardMembershipLostReason}. */
  readonly reason: ShardMembershipLostReason;
  /** `namespace/name` of the shard Lease. */
  readonly lease: string;
  constructor(
    lease: string,
    reason: ShardMembershipLostReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.lease = lease;
    this.reason = reason;
  }
}

/** Type guard for {@link ShardMembershipLostError} (brand-based). */
export function isShardMembershipLostError(err: unknown): err is ShardMembershipLostError {
  return hasBrand(err, lostBrand);
}
