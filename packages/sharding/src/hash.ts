// The stable 64-bit hash of the ring: FNV-1a 64 over the UTF-8 bytes, then murmur3's fmix64
// finalizer. FNV-1a alone spreads keys that differ only in their last bytes (`shard-a#1`,
// `shard-a#2`, …) over the low bits only, which would cluster virtual nodes on the ring; the
// finalizer lets every input bit reach every output bit. Same input, same value, in every
// process and version: the assignment of a ring depends on it.

const fnvOffset = 0xcbf29ce484222325n;
const fnvPrime = 0x100000001b3n;
const mask = 0xffffffffffffffffn;
const encoder = new TextEncoder();

/**
 * FNV-1a 64 of the UTF-8 bytes of `input`, finished with murmur3's `fmix64`, as an unsigned
 * 64-bit bigint. Stable across processes, platforms and versions of this package.
 */
export function hash64(input: string): bigint {
  let h = fnvOffset;
  for (const byte of encoder.encode(input)) {
    h ^= BigInt(byte);
    h = (h * fnvPrime) & mask;
  }
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & mask;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & mask;
  h ^= h >> 33n;
  return h;
}
