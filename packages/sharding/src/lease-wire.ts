// The shard Lease on the wire (coordination.k8s.io/v1), its path, and the bounded-request helper
// shared by the membership loop and the sharder.
import { monotonicNow, type Clock } from '@kubecache/core';
import { ResponseDecodeError, type JsonClient } from '@kubecache/listwatch';

/** The fields of a shard Lease this package reads and writes. */
export interface ShardLease {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    [k: string]: unknown;
  };
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number | null;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number | null;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** `/apis/coordination.k8s.io/v1/namespaces/<ns>/leases[/<name>]`. */
export function leasePath(namespace: string, name?: string): string {
  const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

/** Checks the shape of an answer that should be a Lease. */
export function asShardLease(value: unknown, what: string): ShardLease {
  const o = value as Partial<ShardLease> | null;
  if (
    typeof o !== 'object' ||
    o === null ||
    typeof o.metadata !== 'object' ||
    o.metadata === null ||
    typeof o.metadata.resourceVersion !== 'string'
  ) {
    throw new ResponseDecodeError(`${what}: the answer is not a Lease with a resourceVersion`, 200);
  }
  return o as ShardLease;
}

/** A signal that aborts with `parent` or after `ms` on `clock`; `done()` releases the timer. */
export function boundedSignal(
  parent: AbortSignal,
  ms: number,
  clock: Clock,
): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onAbort, { once: true });
  const timer = clock.setTimeout(
    () => controller.abort(new Error(`request timed out after ${String(Math.round(ms))} ms`)),
    Math.max(0, ms),
  );
  return {
    signal: controller.signal,
    done: () => {
      timer.cancel();
      parent.removeEventListener('abort', onAbort);
    },
  };
}

/** Sends one request bounded by `ms`. */
export async function boundedRequest(
  client: JsonClient,
  req: Parameters<JsonClient['request']>[0],
  parent: AbortSignal,
  ms: number,
  clock: Clock,
): Promise<unknown> {
  const b = boundedSignal(parent, ms, clock);
  try {
    return await client.request({ ...req, signal: b.signal });
  } finally {
    b.done();
  }
}

/** Milliseconds on the clock's monotonic scale (see core's `monotonicNow`). */
export const mono = (clock: Clock): number => monotonicNow(clock);
