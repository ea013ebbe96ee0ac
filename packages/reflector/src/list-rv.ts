// The resource-version rules of client-go's Reflector.list / relistResourceVersion, the paging
// rule that goes with them, and kubecache's "never back in time" guard on every list answer.

/**
 * True when both resource versions are integers and `a` is older than `b`.
 *
 * Resource versions are opaque strings in the Kubernetes API contract. kubecache compares them
 * as numbers in exactly one place — judging whether a list answer is older than what the
 * Reflector already synced — and only when both are decimal integers (as etcd-backed servers
 * produce). Anything else counts as "not older", which leaves client-go's behaviour unchanged.
 */
export function isOlderResourceVersion(a: string, b: string): boolean {
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}

/** What the Reflector knows about its resource version. */
export interface ResourceVersionState {
  /** The resource version the store is synced to; `''` before the first sync. */
  lastSync: string;
  /** A list or watch at `lastSync` failed with 410 Expired / "too large": read consistently. */
  unavailable: boolean;
  /** The initial RV="0" list came back paginated: page every later list too (sticky). */
  paginatedResult: boolean;
}

/**
 * client-go's relistResourceVersion: `''` (a consistent read) after the last RV was found
 * unavailable, `'0'` (any, from the watch cache) before the first sync, else the last synced RV
 * (with `NotOlderThan`, so a relist never goes back in time on a well-behaved server).
 */
export function relistResourceVersion(s: ResourceVersionState): string {
  if (s.unavailable) return '';
  if (s.lastSync === '') return '0';
  return s.lastSync;
}

/**
 * client-go's page-size rule for a LIST at `rv` (0 = unpaged):
 * - an explicit `pageSize` option wins;
 * - a server that paginated the initial RV="0" list (no watch cache) is paged from then on;
 * - a list at a specific RV is unpaged, so the watch cache can serve it (it ignores `limit` for
 *   RV="0" anyway, and a paged list at an RV goes to etcd);
 * - otherwise (RV "" or "0") pages of 500.
 * A ListerWatcher that cannot page (`supportsPaging: false`) is never paged.
 */
export function listPageSize(
  rv: string,
  s: Pick<ResourceVersionState, 'paginatedResult'>,
  o: { pageSize?: number | undefined; supportsPaging?: boolean | undefined },
): number {
  if (o.supportsPaging === false) return 0;
  if (o.pageSize !== undefined && o.pageSize > 0) return o.pageSize;
  if (s.paginatedResult) return 500;
  if (rv !== '' && rv !== '0') return 0;
  return 500;
}

/** The verdict of {@link StaleListGuard.judge}. */
export type StaleListVerdict = 'fresh' | 'retry' | 'accept-older';

/**
 * "Never back in time, on every list": judges each list answer (LIST or WatchList, whatever
 * resource version was requested — a consistent read included) against the newest resource
 * version the Reflector already synced to.
 *
 * - Not older (or not comparable): `fresh`, and the retry count starts over.
 * - Older, fewer than `maxRetries` retries so far: `retry` (the caller backs off and lists
 *   again as a consistent read).
 * - Older after `maxRetries` retries: `accept-older` — the server keeps answering from the past
 *   (restored from an older etcd backup), so its answer becomes the new truth.
 *
 * Differs from client-go: its Reflector trusts a LIST's answer (it only asks `NotOlderThan`).
 */
export class StaleListGuard {
  /** Retries allowed before an older answer is accepted. */
  readonly maxRetries: number;
  private retriesSoFar = 0;

  constructor(maxRetries: number) {
    this.maxRetries = Math.max(0, maxRetries);
  }

  /** Retries spent on the current run of older answers. */
  get retries(): number {
    return this.retriesSoFar;
  }

  /** Judges a list answered at `listRv` when the store is synced to `newestSynced`. */
  judge(listRv: string, newestSynced: string): StaleListVerdict {
    if (!isOlderResourceVersion(listRv, newestSynced)) {
      this.retriesSoFar = 0;
      return 'fresh';
    }
    if (this.retriesSoFar < this.maxRetries) {
      this.retriesSoFar++;
      return 'retry';
    }
    this.retriesSoFar = 0;
    return 'accept-older';
  }
}
