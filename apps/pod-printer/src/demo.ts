// --demo: an in-process API server (from @kubecache/testing) with realistic pods and churn.
import { makePod, startApiServer, startChurn, type ApiServer } from '@kubecache/testing';

/** Starts the demo server with `pods` pods over a few namespaces and `rate` changes per second. */
export async function startDemo(
  pods: number,
  rate: number,
  signal: AbortSignal,
): Promise<{ server: ApiServer; done: Promise<unknown> }> {
  const server = await startApiServer({ bookmarkIntervalMs: 10_000 });
  const namespaces = ['default', 'kube-system', 'shop', 'payments', 'search'];
  for (let i = 0; i < pods; i++) {
    const ns = namespaces[i % namespaces.length] ?? 'default';
    server.create(
      'pods',
      makePod({
        namespace: ns,
        name: `app-${i.toString(36).padStart(3, '0')}-${(i * 7919).toString(36).slice(-5)}`,
        index: i,
      }),
    );
  }
  const done = startChurn(server, { ratePerSecond: rate, signal, namespaces, targetPods: pods });
  return { server, done };
}
