// sample-controller: client-go's canonical sample (kubernetes/sample-controller) on
// @kubecache/controller. `--demo` runs it on the in-process API server.
import http from 'node:http';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { isControllerFailedError, type Controller } from '@kubecache/controller';
import { createRateLimitedLogger, flushLogger, healthHandler } from '@kubecache/core';
import { createLeaseLock } from '@kubecache/leaderelection';
import { createPrometheusMetricsProvider, metricsHandler } from '@kubecache/prometheus';
import { KubeConfig } from '@kubernetes/client-node';
import { CommanderError } from 'commander';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createSampleController, type SampleController } from './app.js';
import { parseArgs, shardIdsOf, type CliOptions } from './cli.js';
import { startDemo } from './demo.js';
import { exitClean, exitFailed, exitForced, exitSecondSignal, exitUsage } from './exit-codes.js';

function loadKubeConfig(o: CliOptions): KubeConfig {
  const kc = new KubeConfig();
  if (o.kubeconfig !== undefined) kc.loadFromFile(o.kubeconfig);
  else kc.loadFromDefault();
  return kc;
}

/** Longest wait for unwritten Events at shutdown, ms (the recorder's default). */
const eventFlushMaxMs = 5000;
/**
 * Part of the 900 ms between the shutdown deadline and the forced exit the Event flush may use,
 * ms; the rest is for the informers, the demo server and the metrics server.
 */
const eventFlushSlackMs = 500;

async function main(): Promise<number> {
  let o: CliOptions;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? exitClean : exitUsage;
    throw err;
  }
  // pino prints every call; wrapped once with kubecache's repeat policy, a reconcile failing
  // again and again is its first line (with the stack), then one summary line per 30 s naming
  // the keys. The controller, its informers and queue get this logger and keep it as it is.
  const logger = createRateLimitedLogger(pino({ level: o.logLevel }, pino.destination(2)));
  const ac = new AbortController();
  let stopping = false;
  let stoppedAt: number | undefined;
  const stop = (): void => {
    if (stopping) process.exit(exitSecondSignal); // second signal: leave now
    stopping = true;
    stoppedAt = Date.now();
    logger.info('shutting down (again to force)');
    ac.abort();
    // The controller leaves reconciles still running at the deadline (their requests aborted);
    // whatever else hangs in the shutdown, leave within the deadline plus a second.
    setTimeout(() => {
      logger.error(
        { timeoutMs: o.shutdownTimeoutMs },
        'shutdown did not finish within the deadline plus 900 ms; exiting (forced)',
      );
      process.exit(exitForced);
    }, o.shutdownTimeoutMs + 900).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const demoStop = new AbortController();
  let kc: KubeConfig;
  let closeDemo: (() => Promise<void>) | undefined;
  if (o.demo) {
    const server = await startDemo(demoStop.signal);
    kc = server.kubeConfig;
    closeDemo = () => server.close();
    logger.info({ url: server.url }, 'demo API server started');
  } else {
    try {
      kc = loadKubeConfig(o);
    } catch (err) {
      process.stderr.write(
        `sample-controller: cannot load kubeconfig: ${(err as Error).message}\n`,
      );
      return exitUsage;
    }
  }

  const registry = new Registry();
  const metricsProvider =
    o.metricsPort !== undefined ? createPrometheusMetricsProvider({ registry }) : undefined;
  // /healthz and /livez fail once a controller failed (controller.healthCheck()); /readyz
  // until every cache synced. The controllers (one per shard run here) are created below, after
  // the server listens.
  const running: { controllers: Controller[] } = { controllers: [] };
  const health = healthHandler({
    healthz: [
      {
        name: 'controller-foo-controller',
        check: () =>
          running.controllers.map((c) => c.healthCheck().check()).find((r) => !r.ok) ?? {
            ok: true,
          },
      },
    ],
    readyz: [
      {
        name: 'caches-synced',
        check: () =>
          running.controllers.length > 0 && running.controllers.every((c) => c.hasSynced())
            ? { ok: true }
            : { ok: false, reason: 'not synced' },
      },
    ],
  });
  const metrics = metricsHandler(registry);
  const metricsServer =
    o.metricsPort !== undefined
      ? http.createServer((req, res) => {
          const path = new URL(req.url ?? '/', 'http://localhost').pathname;
          (path === '/metrics' ? metrics : health)(req, res);
        })
      : undefined;
  if (metricsServer && o.metricsPort !== undefined) {
    await new Promise<void>((r) => metricsServer.listen(o.metricsPort, '127.0.0.1', r));
    logger.info(`metrics on http://127.0.0.1:${o.metricsPort}/metrics (also /healthz, /readyz)`);
  }

  const identity = `${hostname()}-${randomBytes(3).toString('hex')}`;
  // The demo's Leases are short, so that its sharder leads (a new election Lease is led one
  // lease duration after its create) and assigns the Foos within seconds.
  const demoTimings = o.demo
    ? { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 1000 }
    : {};
  const timings = {
    ...(o.leaseDurationMs === undefined &&
    o.renewDeadlineMs === undefined &&
    o.retryPeriodMs === undefined
      ? demoTimings
      : {}),
    ...(o.leaseDurationMs !== undefined ? { leaseDurationMs: o.leaseDurationMs } : {}),
    ...(o.renewDeadlineMs !== undefined ? { renewDeadlineMs: o.renewDeadlineMs } : {}),
    ...(o.retryPeriodMs !== undefined ? { retryPeriodMs: o.retryPeriodMs } : {}),
  };
  const common = {
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
    workers: o.workers,
    logger,
    shutdownTimeoutMs: o.shutdownTimeoutMs,
    onPermanentError: o.onPermanentError,
    ...(metricsProvider ? { metricsProvider } : {}),
  };
  const shardIds = shardIdsOf(o);
  let apps: SampleController[];
  try {
    apps =
      shardIds.length === 0
        ? [
            createSampleController(kc, {
              ...common,
              ...(o.leaderElect
                ? {
                    leaderElection: {
                      lock: createLeaseLock({
                        kubeConfig: kc,
                        namespace: o.leaseNamespace,
                        name: o.leaseName,
                        identity,
                      }),
                      ...timings,
                      onLeadingChange: (leading: boolean) =>
                        logger.info({ identity }, leading ? 'started leading' : 'stopped leading'),
                    },
                  }
                : {}),
            }),
          ]
        : // One controller per shard: its own informers (its shard's label selector), Lease and
          // workers; the sharder is elected among all shards of the ring.
          shardIds.map((shardId) =>
            createSampleController(kc, {
              ...common,
              ...(shardIds.length > 1 ? { name: `foo-controller-${shardId}` } : {}),
              sharding: { ring: o.ring, shardId, leaseNamespace: o.leaseNamespace, ...timings },
            }),
          );
  } catch (err) {
    // An invalid ring name or shard id (ControllerOptionsError).
    process.stderr.write(`sample-controller: ${(err as Error).message}\n`);
    return exitUsage;
  }
  if (shardIds.length > 0) logger.info({ ring: o.ring, shards: shardIds }, 'running as shards');
  running.controllers = apps.map((a) => a.controller);
  // Events are written in the background until the controllers stopped, then flushed below (not
  // on the signal: reconciles finishing during the shutdown still record theirs).
  const recordings = apps.map((a) => a.eventRecorder.run(new AbortController().signal));
  let code = exitClean;
  try {
    // One shard failing (a lost Lease) stops the others: the process exits 1 and is restarted.
    const results = await Promise.allSettled(
      apps.map((a) =>
        a.controller.run(ac.signal).catch((err: unknown) => {
          ac.abort();
          throw err;
        }),
      ),
    );
    for (const r of results) {
      if (r.status === 'rejected') {
        const err: unknown = r.reason;
        if (!isControllerFailedError(err)) throw err;
        // One line naming the cause (workers, informer, wedged, sharding), with the stack.
        logger.error({ err, reason: err.reason }, err.message);
        code = exitFailed;
      } else if (r.value.abandonedReconciles > 0 && code === exitClean) {
        logger.warn(
          { abandonedReconciles: r.value.abandonedReconciles, timeoutMs: o.shutdownTimeoutMs },
          'forced shutdown: reconciles still running at the deadline were aborted and left',
        );
        code = exitForced;
      }
    }
  } finally {
    // The flush fits in what is left of the deadline (the forced exit comes 900 ms after it):
    // at most 5 s, less once the controller used the deadline, and at least 0.
    const left =
      stoppedAt === undefined
        ? eventFlushMaxMs
        : stoppedAt + o.shutdownTimeoutMs + eventFlushSlackMs - Date.now();
    const timeoutMs = Math.max(0, Math.min(eventFlushMaxMs, left));
    await Promise.all(apps.map((a) => a.eventRecorder.shutdown({ timeoutMs })));
    await Promise.all(recordings);
    await Promise.all(apps.map((a) => a.factory.shutdown()));
    demoStop.abort();
    await closeDemo?.();
    metricsServer?.closeAllConnections();
    await new Promise<void>((r) => (metricsServer ? metricsServer.close(() => r()) : r()));
    flushLogger(logger); // the summaries of repeats still held back
  }
  return code;
}

// process.exit, not process.exitCode: sockets of requests a server never answered (and
// keep-alive connections) would keep Node running after main returned.
main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `sample-controller: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(exitFailed);
  },
);
