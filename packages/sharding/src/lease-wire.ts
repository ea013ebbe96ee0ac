// The shard Lease on the wire (coordination.k8s.io/v1), its path, the error a malformed Lease
// answer throws, and the bounded-request helper shared by the membership loop and the sharder.
import { monotonicNow, type Clock, type WireLease } from '@kubecache/core';
import { ResponseDecodeError, type JsonClient } from '@kubecache/listwatch';

/** The fields of a shard Lease this package reads and writes: core's wire Lease. */
export type ShardLease = WireLease;

/** `/apis/coordination.k8s.io/v1/namespaces/<ns>/leases[/<name>]`. */
export function leasePath(namespace: string, name?: string): string {
  const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

/**
 * Builds the error core's `asLease` throws for an answer that is not a shard Lease with a
 * resourceVersion: listwatch's `ResponseDecodeError` with status 200 (the body was decoded, but
 * is not a Lease).
 */
export function leaseDecodeError(message: string): ResponseDecodeError {
  return new ResponseDecodeError(message, 200);
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
