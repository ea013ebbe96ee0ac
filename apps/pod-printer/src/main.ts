// pod-printer: the kubecache sample controller (client-go's examples/workqueue, made real).
import { CommanderError } from 'commander';
import { parseArgs, type PrinterOptions } from './cli.js';
import { ConfigError, loadKubeConfig } from './config.js';
import { startDemo } from './demo.js';
import { createMetrics, serveMetrics } from './metrics.js';
import { runPrinter } from './printer.js';
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
  const metrics = options.metricsPort !== undefined ? createMetrics() : undefined;
  const served =
    metrics && options.metricsPort !== undefined
      ? await serveMetrics(metrics.registry, options.metricsPort)
      : undefined;
  if (served) process.stderr.write(`metrics on http://127.0.0.1:${served.port}/metrics\n`);
  const renderer = makeRenderer(options.output);
  try {
    await runPrinter(kc, options, renderer, metrics, ac.signal);
  } finally {
    renderer.close();
    demoStop.abort();
    await demo?.done;
    await demo?.server.close();
    await served?.close();
  }
  return 0;
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
