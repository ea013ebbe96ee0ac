// --metrics-port: /metrics with client-go's workqueue metric names (through @kubecache/prometheus),
// /healthz (liveness) and /readyz (the pod informer synced), scraped over HTTP from the built
// binary running against the in-process API server.
import { describe, expect, it } from 'vitest';
import { run, startServer, until } from './test-support/binary.js';

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

/** The port pod-printer reports on stderr: `metrics on http://127.0.0.1:<port>/metrics …`. */
async function portOf(p: ReturnType<typeof run>): Promise<number> {
  await until(() => /metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/.test(p.err()), 'metrics line');
  return Number(/127\.0\.0\.1:(\d+)\/metrics/.exec(p.err())![1]);
}

describe('metrics and health endpoints', () => {
  it('/readyz fails until the informer synced, /healthz passes throughout, /metrics has workqueue_*{name="pods"} and the reflector/informer metrics of pods.v1', async () => {
    const { server, kubeconfig } = await startServer(3);
    await server.faults.down(); // the informer cannot list: not ready
    const p = run(['--kubeconfig', kubeconfig, '-o', 'lines', '--metrics-port', '0']);
    const port = await portOf(p);

    await until(() => p.err().includes('API server unreachable'), 'a failed list');
    const before = await get(port, '/readyz');
    expect(before.status).toBe(503);
    expect(before.body).toMatch(
      /^\[\+\]ping ok\n\[-\]informer-sync failed: pods\.v1 not synced: failing for [\d.]+ m?s: connect ECONNREFUSED 127\.0\.0\.1:\d+ \(ECONNREFUSED\)\n\/readyz check failed\n$/,
    );
    expect(await get(port, '/healthz')).toEqual({ status: 200, body: 'ok' });

    await server.faults.up();
    await until(() => p.out().includes('SYNCED 3 pods'), 'sync', 30_000);
    expect(await get(port, '/readyz')).toEqual({ status: 200, body: 'ok' });
    expect((await get(port, '/readyz?verbose')).body).toContain('[+]informer-sync ok');
    expect(await get(port, '/livez')).toEqual({ status: 200, body: 'ok' });

    const metrics = await get(port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^workqueue_adds_total\{name="pods"\} 3$/m);
    expect(metrics.body).toMatch(/^workqueue_depth\{name="pods"\} 0$/m);
    expect(metrics.body).toMatch(/^workqueue_queue_duration_seconds_count\{name="pods"\} 3$/m);
    expect(metrics.body).toMatch(/^workqueue_work_duration_seconds_count\{name="pods"\} 3$/m);
    expect(metrics.body).toMatch(/^workqueue_retries_total\{name="pods"\} 0$/m);
    expect(metrics.body).toMatch(/^workqueue_unfinished_work_seconds\{name="pods"\} 0$/m);
    expect(metrics.body).toMatch(/^process_cpu_seconds_total /m); // prom-client's process metrics
    // The informer's and its Reflector's metrics, through the factory's metricsProvider.
    expect(metrics.body).toMatch(
      /^reflector_list_errors_total\{name="pods\.v1",reason="ECONNREFUSED"\} [1-9]\d*$/m,
    );
    expect(metrics.body).toMatch(/^reflector_watches_total\{name="pods\.v1"\} [1-9]\d*$/m);
    expect(metrics.body).toMatch(/^informer_\w+\{[^}]*name="pods\.v1"/m);

    server.create('pods', { metadata: { namespace: 'ns', name: 'p9' } });
    await until(() => p.out().includes('ADDED ns/p9'), 'the new pod');
    expect((await get(port, '/metrics')).body).toMatch(/^workqueue_adds_total\{name="pods"\} 4$/m);
    expect((await get(port, '/nope')).status).toBe(404);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('/healthz includes the leader-election check with --leader-elect', async () => {
    const { kubeconfig } = await startServer(1);
    const p = run([
      '--kubeconfig',
      kubeconfig,
      '-o',
      'lines',
      '--metrics-port',
      '0',
      '--leader-elect',
      '--identity',
      'solo',
      // A new Lease is led only a lease duration after this elector created it (leaderelection's
      // claim rule): short timings keep the test short.
      '--lease-duration',
      '4s',
      '--renew-deadline',
      '3s',
      '--retry-period',
      '1s',
    ]);
    const port = await portOf(p);
    await until(() => p.out().includes('LEADING solo'), 'leadership');
    const healthz = await get(port, '/healthz?verbose');
    expect(healthz.status).toBe(200);
    expect(healthz.body).toBe('[+]ping ok\n[+]leaderElection ok\n/healthz check passed\n');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });
});
