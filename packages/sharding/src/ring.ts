// Consistent hashing with virtual nodes (Karger et al. 1997), the assignment function of the
// reference design (timebertt/kubernetes-controller-sharding, pkg/sharding/consistenthash): each
// shard owns `virtualNodes` points on a 64-bit circle, a key goes to the first point at or after
// its own hash. A shard joining or leaving moves only the keys of the arcs it gains or loses,
// about 1/N of them.
import { ShardingConfigError } from './errors.js';
import { hash64 } from './hash.js';

/** Default number of virtual nodes per shard. */
export const defaultVirtualNodes = 100;

/** Options of {@link createRing}. */
export interface RingOptions {
  /** The live shards' ids. Order and duplicates do not matter. May be empty. */
  shards: readonly string[];
  /**
   * Points per shard on the circle, an integer ≥ 1. More points balance better (with 100, each
   * of 3 shards gets its share of keys within about ±15 %; see the README) and cost memory
   * `shards × virtualNodes` and `log2` of that per lookup. Default: {@link defaultVirtualNodes}.
   */
  virtualNodes?: number;
}

/** An immutable hash ring over a set of shards. */
export interface Ring {
  /** The shard ids, sorted and without duplicates. */
  readonly shards: readonly string[];
  /** Virtual nodes per shard. */
  readonly virtualNodes: number;
  /**
   * The shard of a partition key (see `partitionKey`), or `undefined` when the ring has no
   * shards. Deterministic: the same shards, virtual nodes and key give the same shard in every
   * process.
   */
  shardFor(key: string): string | undefined;
}

/**
 * Builds a consistent-hash ring. Virtual node `i` of shard `s` sits at `hash64("<s>#<i>")`
 * (FNV-1a 64 + murmur3 fmix64, see the README); a key at `hash64(key)`, and belongs to the
 * first virtual node clockwise (ties broken by shard id).
 *
 * @throws ShardingConfigError (`field: 'virtualNodes'`) when `virtualNodes` is not an integer ≥ 1,
 *   or (`field: 'shards'`) when a shard id is empty.
 */
export function createRing(options: RingOptions): Ring {
  const virtualNodes = options.virtualNodes ?? defaultVirtualNodes;
  if (!Number.isInteger(virtualNodes) || virtualNodes < 1) {
    throw new ShardingConfigError(
      'virtualNodes',
      `virtualNodes must be an integer ≥ 1, got ${String(virtualNodes)}`,
    );
  }
  const shards = [...new Set(options.shards)].sort();
  if (shards.some((s) => typeof s !== 'string' || s === '')) {
    throw new ShardingConfigError('shards', 'shard ids must be non-empty strings');
  }
  const points: { hash: bigint; shard: string }[] = [];
  for (const shard of shards) {
    for (let i = 0; i < virtualNodes; i++)
      points.push({ hash: hash64(`${shard}#${String(i)}`), shard });
  }
  points.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : a.shard < b.shard ? -1 : 1));
  const hashes = points.map((p) => p.hash);
  const owners = points.map((p) => p.shard);
  return Object.freeze({
    shards: Object.freeze(shards),
    virtualNodes,
    shardFor(key: string): string | undefined {
      if (owners.length === 0) return undefined;
      const h = hash64(key);
      let lo = 0;
      let hi = hashes.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((hashes[mid] as bigint) < h) lo = mid + 1;
        else hi = mid;
      }
      return owners[lo === owners.length ? 0 : lo];
    },
  });
}
