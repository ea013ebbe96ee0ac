// pod-printer: a kubecache example app (client-go's examples/workqueue, made real).
import { CommanderError } from 'commander';
import { leaderElectionHealthCheck } from '@kubecache/leaderelection';
import { parseArgs, type PrinterOptions } from './cli.js';
import { ConfigError, loadKubeConfig } from './config.js';
import { startDemo } from './demo.js';
import { serveEndpoints } from './endpoints.js';
import { isGaveUpError, permanentErrorExitCode } from './failure.js';
import { pingCheck } from './health.js';
import { leaderElectionLead, supervisedLead } from './leader.js';
import { createMetrics } from './metrics.js';
import { alwaysLead, createPrinter } from './printer.js';
import { makeRenderer } from './render.js';

async function main(): Promise<number> {
  let options: PrinterOptions;
  try {
    options = parseArgs(process.argv.slice(2), process.stdout.isTTY);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    process.stderr.write(`pod-printer: ${(err as Error).message}\n`);
    return 2;
  }
  const ac = new AbortController();
  let exiting = false;
  const stop = (): void => {
    if (exiting) {
      process.exit(130); // second Ctrl-C: leave now
    }
    exiting = true;
    ac.abort();
    // Never hang on shutdown: leave within 2 s whatever happens.
    setTimeout(() => process.exit(0), 1800).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const demoStop = new AbortController();
  let demo: Awaited<ReturnType<typeof startDemo>> | undefined;
  let kc;
  try {
    if (options.demo) {
      demo = await startDemo(options.demoPods, options.demoRate, demoStop.signal);
      kc = demo.server.kubeConfig;
    } else {
      kc = loadKubeConfig(options);
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`pod-printer: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const renderer = makeRenderer(options.output);
  const metrics = options.metricsPort !== undefined ? createMetrics() : undefined;
  // client-go users typically allow 20 s past the lease duration before liveness fails.
  const leaderHealth = options.leaderElection
    ? leaderElectionHealthCheck(undefined, { toleranceMs: 20_000, name: 'leaderElection' })
    : undefined;
  // Workers that die or an election that fails stop the printer: exit 1 with the cause.
  let failure: { err: unknown } | undefined;
  const lead = supervisedLead(
    options.leaderElection
      ? leaderElectionLead({
          kubeConfig: kc,
          election: options.leaderElection,
          renderer,
          ...(leaderHealth ? { healthCheck: leaderHealth } : {}),
        })
      : alwaysLead,
    (err) => {
      failure ??= { err };
      ac.abort();
      setTimeout(() => process.exit(1), 2000).unref(); // never hang on the way out
    },
  );
  const printer = createPrinter(kc, options, {
    renderer,
    ...(metrics ? { metricsProvider: metrics.metricsProvider } : {}),
    lead,
  });
  const endpoints =
    metrics && options.metricsPort !== undefined
      ? await serveEndpoints({
          port: options.metricsPort,
          registry: metrics.registry,
          healthz: [pingCheck, ...(leaderHealth ? [leaderHealth] : [])],
          readyz: [pingCheck, printer.readiness],
        })
      : undefined;
  if (endpoints)
    process.stderr.write(
      `metrics on http://127.0.0.1:${endpoints.port}/metrics (also /healthz, /readyz)\n`,
    );
  try {
    await printer.run(ac.signal);
  } catch (err) {
    if (!isGaveUpError(err)) throw err;
    renderer.close();
    process.stderr.write(`pod-printer: ${err.message}\n`);
    return permanentErrorExitCode;
  } finally {
    renderer.close();
    demoStop.abort();
    await demo?.done;
    await demo?.server.close();
    await endpoints?.close();
  }
  if (failure !== undefined) {
    process.stderr.write(`pod-printer: ${failureLine(failure.err)}\n`);
    return 1;
  }
  return 0;
}

/** One line naming what failed (the workers, or the election), then the stack and its causes. */
function failureLine(err: unknown): string {
  try {
    return describeFailure(err);
  } catch {
    return 'stopped: the workers or the leader election failed (the error cannot be printed)';
  }
}

function describeFailure(err: unknown): string {
  const what = err instanceof Error ? err.message : String(err);
  let stack = '';
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    stack += `${depth === 0 ? '' : 'caused by: '}${e.stack ?? `${e.name}: ${e.message}`}\n`;
  }
  return `stopped: ${what}${stack === '' ? '' : `\n${stack.trimEnd()}`}`;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `pod-printer: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
