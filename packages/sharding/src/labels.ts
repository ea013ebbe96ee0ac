// The label keys of the sharding protocol and the ring-name rule. The reference design
// (timebertt/kubernetes-controller-sharding) uses the same three roles under its own domain:
// a ring label on shard Leases, a shard label and a drain label per ring on objects.
import { ShardingConfigError } from './errors.js';

/**
 * Label on every shard Lease naming its ring: `sharding.kubecache.io/ring: <ring>`. The sharder
 * watches the Leases with `sharding.kubecache.io/ring=<ring>`.
 */
export const ringLabel = 'sharding.kubecache.io/ring';

/** Longest ring name: 40 characters, so that `<ring>-sharder` and the label keys stay valid. */
export const maxRingNameLength = 40;

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Checks a ring name: a DNS-1123 label (lower-case alphanumerics and `-`, starting and ending
 * alphanumeric) of at most {@link maxRingNameLength} characters, because it becomes the name
 * part of label keys (`shard.kubecache.io/<ring>`) and of the sharder's Lease (`<ring>-sharder`).
 *
 * @throws ShardingConfigError (`field: 'ring'`) otherwise.
 */
export function validateRingName(ring: string): void {
  if (typeof ring !== 'string' || ring.length > maxRingNameLength || !dns1123Label.test(ring)) {
    throw new ShardingConfigError(
      'ring',
      `ring name ${JSON.stringify(ring)} must be a DNS-1123 label of at most ${String(maxRingNameLength)} characters`,
    );
  }
}

/**
 * Checks a shard id: it is the name of the shard's Lease and the value of the shard label, so it
 * must be a DNS-1123 subdomain that is also a valid label value (≤ 63 characters,
 * alphanumerics, `-` and `.`, alphanumeric at both ends).
 *
 * @throws ShardingConfigError (`field: 'shardId'`) otherwise.
 */
export function validateShardId(shardId: string): void {
  if (
    typeof shardId !== 'string' ||
    shardId.length > 63 ||
    !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(shardId)
  ) {
    throw new ShardingConfigError(
      'shardId',
      `shard id ${JSON.stringify(shardId)} must be a lower-case DNS-1123 name of at most 63 characters (it names a Lease and is a label value)`,
    );
  }
}

/**
 * The assignment label key of a ring: `shard.kubecache.io/<ring>`. Its value on an object is the
 * id of the shard that reconciles it; no label means unassigned.
 *
 * @throws ShardingConfigError for an invalid ring name (see {@link validateRingName}).
 */
export function shardLabel(ring: string): string {
  validateRingName(ring);
  return `shard.kubecache.io/${ring}`;
}

/**
 * The drain label key of a ring: `drain.kubecache.io/<ring>`, value `"true"`. Set by the sharder
 * on an object it wants to move off a live shard; that shard stops reconciling the object and
 * acknowledges by removing both this label and the {@link shardLabel}.
 *
 * @throws ShardingConfigError for an invalid ring name.
 */
export function drainLabel(ring: string): string {
  validateRingName(ring);
  return `drain.kubecache.io/${ring}`;
}

/** The value of the {@link drainLabel} that asks for a drain. */
export const drainValue = 'true';

/**
 * The label selector of one shard's objects: `shard.kubecache.io/<ring>=<shardId>`, for the
 * shard's informers (primary and owned resources), so each replica lists and watches only its
 * objects.
 *
 * @throws ShardingConfigError for an invalid ring name or shard id.
 */
export function shardSelector(ring: string, shardId: string): string {
  validateShardId(shardId);
  return `${shardLabel(ring)}=${shardId}`;
}

/** The label selector of a ring's shard Leases: `sharding.kubecache.io/ring=<ring>`. */
export function ringSelector(ring: string): string {
  validateRingName(ring);
  return `${ringLabel}=${ring}`;
}

/** The name of the ring's sharder election Lease: `<ring>-sharder`. */
export function sharderLeaseName(ring: string): string {
  validateRingName(ring);
  return `${ring}-sharder`;
}
